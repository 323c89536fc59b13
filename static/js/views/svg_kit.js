// Small SVG helpers shared by the cell diagrams: elements, arrow markers, node shapes in the
// symbols of Greff et al. Fig. 1 and math labels. No library: the page
// must work offline and these few shapes do not need one.

export { colorFor, isDark, gradientCss, FAMILIES } from "./color_scales.js";
export { Tooltip } from "./diagram_tooltip.js";

export const SVG_NS = "http://www.w3.org/2000/svg";
let instanceCounter = 0;

/** Create an SVG element with attributes (null/undefined skipped) and append it to parent. */
export function el(tag, attrs = {}, parent = null) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== null && v !== undefined && v !== false) node.setAttribute(k, String(v));
  }
  if (parent) parent.appendChild(node);
  return node;
}

/** A group with a data-key (what tests and tooltips address) and extra classes. */
export function group(parent, key, cls = "", attrs = {}) {
  return el("g", { class: cls || null, "data-key": key || null, ...attrs }, parent);
}

/** Unique id prefix per diagram instance: marker ids must not clash between SVGs on a page. */
export function newPrefix(name) {
  instanceCounter += 1;
  return `dg-${name}-${instanceCounter}`;
}

/** Arrowhead markers; kinds: fwd (dark), peep (blue), lag (dark, for dotted), delta (error). */
export function addMarkers(svg, prefix) {
  const defs = el("defs", {}, svg);
  const kinds = { fwd: "dg-mk-fwd", peep: "dg-mk-peep", delta: "dg-mk-delta", muted: "dg-mk-muted" };
  for (const [kind, cls] of Object.entries(kinds)) {
    const m = el("marker", {
      id: `${prefix}-${kind}`, viewBox: "0 0 10 10", refX: 9, refY: 5,
      markerWidth: 7.5, markerHeight: 7.5, markerUnits: "userSpaceOnUse",
      orient: "auto-start-reverse", class: cls,
    }, defs);
    el("path", { d: "M0,1 L10,5 L0,9 z" }, m);
  }
  return defs;
}

/** Path data through points with rounded corners (radius r), like a drawn circuit trace. */
export function roundedPath(pts, r = 7) {
  if (pts.length < 2) return "";
  let d = `M${pts[0][0]},${pts[0][1]}`;
  for (let k = 1; k < pts.length - 1; k++) {
    const [x0, y0] = pts[k - 1];
    const [x1, y1] = pts[k];
    const [x2, y2] = pts[k + 1];
    const l1 = Math.hypot(x1 - x0, y1 - y0);
    const l2 = Math.hypot(x2 - x1, y2 - y1);
    const rr = Math.min(r, l1 / 2, l2 / 2);
    const ax = x1 - ((x1 - x0) / l1) * rr;
    const ay = y1 - ((y1 - y0) / l1) * rr;
    const bx = x1 + ((x2 - x1) / l2) * rr;
    const by = y1 + ((y2 - y1) / l2) * rr;
    d += ` L${ax.toFixed(1)},${ay.toFixed(1)} Q${x1},${y1} ${bx.toFixed(1)},${by.toFixed(1)}`;
  }
  const last = pts[pts.length - 1];
  return `${d} L${last[0]},${last[1]}`;
}

/**
 * A wire: a coloured value halo under a thin core line, plus a wide invisible hit path for
 * hovering. opts: {arrow: true|false|"bwd", style: "solid"|"lag"|"peep"|"fgr", d: path data}.
 */
export function wire(parent, pts, opts = {}) {
  const g = el("g", { class: `wire ${opts.style || "solid"}` }, parent);
  const d = opts.d || roundedPath(pts, opts.radius ?? 7);
  el("path", { d, class: "val" }, g);
  // arrow: "bwd" draws the arrowhead in backward mode only (an error leaving for t−1).
  const arrow = opts.arrow === false ? null : opts.arrow === "bwd" ? "bwd" : "1";
  el("path", { d, class: "core", "data-arrow": arrow }, g);
  el("path", { d, class: "hit" }, g);
  return g;
}

/**
 * Where truncated BPTT cuts a wire: two short red strokes across it at (x, y), shown only in
 * backward mode at a step whose errors do not reach t−1 (CSS: .dg.cut .cut-mark).
 */
export function cutMark(parent, x, y, { vertical = false } = {}) {
  const g = el("g", { class: "cut-mark" }, parent);
  el("title", {}, g).textContent = "truncated BPTT: this step's errors do not reach t−1";
  for (const off of [-3.5, 3.5]) {
    const [x1, y1, x2, y2] = vertical ? [x - 9, y + off - 3, x + 9, y + off + 3]
      : [x + off - 3, y - 9, x + off + 3, y + 9];
    el("line", { x1, y1, x2, y2 }, g);
  }
  return g;
}

/** Point marking where a wire branches (Greff's "branching point"). */
export function branchDot(parent, x, y) {
  return el("circle", { cx: x, cy: y, r: 3.2, class: "branch-dot" }, parent);
}

/** Base of a node: a value ring (coloured by the scale) behind a white body. */
function nodeBase(parent, key, cls, shape) {
  const g = group(parent, key, `node ${cls}`);
  if (shape.r !== undefined) {
    el("circle", { cx: shape.x, cy: shape.y, r: shape.r + 2.5, class: "ring" }, g);
    el("circle", { cx: shape.x, cy: shape.y, r: shape.r, class: "body" }, g);
  } else {
    const { x, y, w, h } = shape;
    el("rect", { x: x - w / 2 - 2.5, y: y - h / 2 - 2.5, width: w + 5, height: h + 5, rx: 7,
      class: "ring" }, g);
    el("rect", { x: x - w / 2, y: y - h / 2, width: w, height: h, rx: 5, class: "body" }, g);
  }
  return g;
}

/** ⊙ — element-wise multiplication (Greff: "multiplication"). */
export function mulNode(parent, key, x, y, r = 10) {
  const g = nodeBase(parent, key, "mul", { x, y, r });
  el("circle", { cx: x, cy: y, r: r * 0.62, class: "glyph-line" }, g);
  el("circle", { cx: x, cy: y, r: 1.9, class: "glyph-fill" }, g);
  return g;
}

/** + — sum over all inputs. */
export function sumNode(parent, key, x, y, r = 10) {
  const g = nodeBase(parent, key, "sum", { x, y, r });
  const a = r * 0.55;
  el("path", { d: `M${x - a},${y} H${x + a} M${x},${y - a} V${y + a}`, class: "glyph-line" }, g);
  return g;
}

/** Σ — weighted sum of a unit's inputs (its pre-activation). */
export function sigmaNode(parent, key, x, y, r = 11) {
  const g = nodeBase(parent, key, "wsum", { x, y, r });
  el("text", { x, y: y + 4.5, class: "glyph-text", "text-anchor": "middle" }, g).textContent = "Σ";
  return g;
}

/** Activation box with a text such as "σ", "tanh" (circuit style). */
export function actBox(parent, key, x, y, label, { w = 40, h = 24, kind = "gate" } = {}) {
  const g = nodeBase(parent, key, `act ${kind}`, { x, y, w, h });
  el("text", { x, y: y + 4.5, class: "glyph-text", "text-anchor": "middle" }, g).textContent =
    label;
  return g;
}

// The glyph's curve, tanh(2.5 u) at u = −1, −7/8, …, 1: a fixed drawing, not a computation
// (nothing in static/js evaluates an activation). σ is the same S shifted up by one, since
// 2σ(5u) = 1 + tanh(2.5u), so both glyphs share these heights.
const S_CURVE = [-0.987, -0.975, -0.954, -0.916, -0.848, -0.734, -0.555, -0.303, 0, 0.303, 0.555,
  0.734, 0.848, 0.916, 0.954, 0.975, 0.987];

/**
 * Activation circle with a small plot of the function (Greff style): "sigmoid" for gates,
 * "tanh" for g and h, with the letter beside the curve.
 */
export function actCircle(parent, key, x, y, fn, letter, r = 15) {
  const g = nodeBase(parent, key, `act ${fn === "sigmoid" ? "gate" : "squash"}`, { x, y, r });
  const s = r * 0.62;
  // σ ranges over (0, 1): its axis sits at the bottom; tanh ranges over (−1, 1): axis in the middle.
  const base = fn === "sigmoid" ? y + s * 0.7 : y;
  const lift = fn === "sigmoid" ? 1 : 0;
  const pts = S_CURVE.map((h, k) => {
    const u = -1 + (2 * k) / (S_CURVE.length - 1);
    return `${(x + u * s).toFixed(1)},${(base - (h + lift) * s * 0.7).toFixed(1)}`;
  });
  el("path", { d: `M${x - s},${base} H${x + s} M${x},${y - s * 0.8} V${y + s * 0.8}`,
    class: "glyph-axis" }, g);
  el("polyline", { points: pts.join(" "), class: "glyph-curve" }, g);
  if (letter) {
    el("text", { x: x + r + 4, y: y - r + 6, class: "glyph-letter" }, g).textContent = letter;
  }
  return g;
}

/** A round node showing a letter, e.g. the prediction ŷ. */
export function letterNode(parent, key, x, y, letter, r = 12) {
  const g = nodeBase(parent, key, "letter", { x, y, r });
  mathText(g, x, y + 5, letter, { "text-anchor": "middle", class: "math node-letter" });
  return g;
}

/** "1−" node: CIFG's forget gate is computed from the input gate, f = 1 − i. */
export function oneMinusNode(parent, key, x, y) {
  const g = nodeBase(parent, key, "one-minus", { x, y, w: 34, h: 22 });
  el("text", { x, y: y + 4.5, class: "glyph-text", "text-anchor": "middle" }, g).textContent =
    "1 −";
  return g;
}

/**
 * Math label: "_" starts a subscript (one char, or {…}); everything else is literal, so pass
 * proper Unicode (t−1 with U+2212, z̄ with a combining macron).
 */
export function mathText(parent, x, y, str, attrs = {}) {
  const t = el("text", { x, y, class: "math", ...attrs }, parent);
  appendMath(t, str);
  return t;
}

/** Append math-formatted tspans for `str` to an existing text element. */
export function appendMath(textEl, str) {
  const re = /_(\{[^}]*\}|.)/g;
  let last = 0;
  let m;
  while ((m = re.exec(str)) !== null) {
    if (m.index > last) el("tspan", {}, textEl).textContent = str.slice(last, m.index);
    const sub = m[1].startsWith("{") ? m[1].slice(1, -1) : m[1];
    el("tspan", { class: "sub", "baseline-shift": "sub", "font-size": "75%" }, textEl)
      .textContent = sub;
    // Return to the baseline for whatever follows the subscript.
    last = re.lastIndex;
  }
  if (last < str.length) el("tspan", {}, textEl).textContent = str.slice(last);
  return textEl;
}

/** Plain caption text (not math), e.g. "forget gate". */
export function caption(parent, x, y, str, attrs = {}) {
  const t = el("text", { x, y, class: "caption", ...attrs }, parent);
  t.textContent = str;
  return t;
}
