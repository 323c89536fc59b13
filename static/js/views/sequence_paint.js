// What colours the steps of the sequence panel: the selected unit's chosen quantity, read from
// the frames (forward: c, y, z, i, f, o, or the RNN's h, a; backward: their errors δ), on the
// diagrams' fixed colour scales; or the connectivity ‖∂ŷ(t)/∂x(t′)‖ on a log scale relative
// to its largest value. Nothing is computed here but positions on a colour scale.

import { FAMILIES, colorFor, isDark, gradientCss, rampAt } from "./color_scales.js";
import { fmtNum } from "../format.js";

/** The quantities the panel offers, per cell: [key, label, colour family]. */
export const QUANTITIES = {
  lstm: [["c", "cell state c", "cell"], ["y", "block output y", "act"], ["z", "block input z", "act"],
    ["i", "input gate i", "gate"], ["f", "forget gate f", "gate"], ["o", "output gate o", "gate"]],
  rnn: [["h", "hidden state h", "act"], ["a", "pre-activation a", "pre"]],
};
const SYMBOL = { c: "c", y: "y", z: "z", i: "i", f: "f", o: "o", h: "h", a: "a",
  dc: "δc", dy: "δy", dz_bar: "δz̄", di_bar: "δī", df_bar: "δf̄", do_bar: "δō", dh: "δh", da: "δa" };
const DELTA_OF = { c: "dc", y: "dy", z: "dz_bar", i: "di_bar", f: "df_bar", o: "do_bar", h: "dh", a: "da" };

// Connectivity: ColorBrewer YlOrBr, pale (no dependence) to dark brown (the strongest).
export const CONN_RAMP = ["#ffffe5", "#fff7bc", "#fee391", "#fec44f", "#fe9929", "#ec7014", "#cc4c02",
  "#993404", "#662506"];
export const CONN_DECADES = 4; // the scale spans 10⁻⁴ … 1 of the largest norm

/**
 * The key a model shows for `quantity` in `mode`: its own key, or — when the cell lacks it
 * (the RNN has no c; NIG has no δī) — its hidden state's; and the colour family and label.
 */
export function paintKey(meta, quantity, mode) {
  const cell = meta.cell === "rnn" ? "rnn" : "lstm";
  const offered = QUANTITIES[cell];
  let entry = offered.find(([k]) => k === quantity) || offered[0];
  if (mode === "backward") {
    const s = meta.structure || {};
    const missing = (entry[0] === "i" && s.input_gate === false) || (entry[0] === "o" && s.output_gate === false)
      || (entry[0] === "f" && (s.forget_gate === false || s.coupled));
    if (missing) entry = offered[0]; // a gate fixed at 1 (or f = 1 − i) has no error of its own
    const key = DELTA_OF[entry[0]];
    return { key, source: "bwd", family: "delta", symbol: SYMBOL[key], base: entry[0] };
  }
  return { key: entry[0], source: "fwd", family: entry[2], symbol: SYMBOL[entry[0]], base: entry[0] };
}

/** values[t]: the unit's number at every step (null where no frame has arrived). */
export function unitValues(store, paint, unit) {
  const frames = paint.source === "bwd" ? store.bwd : store.fwd;
  const out = new Array(frames.length);
  for (let t = 0; t < frames.length; t++) {
    const f = frames[t];
    const arr = f && (paint.source === "bwd" ? f.deltas : f.values)?.[paint.key];
    out[t] = Array.isArray(arr) && arr[unit] !== undefined ? arr[unit] : null;
  }
  return out;
}

/** Colour and dark-text flag of a unit value in a family (null: no colour). */
export function unitColor(family, v) {
  return { bg: colorFor(family, v), dark: isDark(family, v) };
}

/** The largest finite norm (the connectivity scale's top), or 0. */
export function connMax(norms) {
  let top = 0;
  for (const v of norms || []) if (v !== null && Number.isFinite(v) && v > top) top = v;
  return top;
}

/** Position in [0, 1] of a norm on the log scale relative to `top`. */
export function connPosition(v, top) {
  if (v === null || !Number.isFinite(v) || !(top > 0)) return null;
  if (v <= 0) return 0;
  return Math.max(0, Math.min(1, 1 + Math.log10(v / top) / CONN_DECADES));
}

export function connColor(v, top) {
  const u = connPosition(v, top);
  return u === null ? { bg: null, dark: false } : { bg: rampAt(CONN_RAMP, u), dark: u > 0.72 };
}

/** The legend line for what colours the steps. */
export function legendOf(paint, unit, conn) {
  if (conn) {
    return { gradient: `linear-gradient(to right, ${CONN_RAMP.join(", ")})`,
      lo: `10${"⁻⁴"} of max`, hi: conn.top > 0 ? `max ${fmtNum(conn.top)}` : "max",
      note: `‖∂ŷ(${conn.t})/∂x(t′)‖, log scale relative to its largest value` };
  }
  const f = FAMILIES[paint.family] || FAMILIES.act;
  const lo = f.kind === "seq" ? String(f.lo) : `−${f.max}`;
  const hi = f.kind === "seq" ? String(f.hi) : String(f.max);
  return { gradient: gradientCss(paint.family), lo, hi,
    note: `${paint.symbol} of unit ${unit}: ${f.note}` };
}

/** "c₃" style label of a unit's quantity. */
export function unitLabel(paint, unit) {
  return `${paint.symbol}[${unit}]`;
}

const WRITTEN = new WeakMap(); // node → what put() last wrote to it

function memoOf(node) {
  let memo = WRITTEN.get(node);
  if (!memo) WRITTEN.set(node, (memo = {}));
  return memo;
}

/**
 * Set node[prop] (or a style property, "style.x") only when it changes: a same-value write
 * still dirties the style, and this panel renders with every step.
 */
export function put(node, prop, value) {
  const memo = memoOf(node);
  if (memo[prop] === value) return;
  memo[prop] = value;
  if (prop.startsWith("style.")) node.style[prop.slice(6)] = value;
  else node[prop] = value;
}

/** classList.toggle, only when it changes. */
export function toggleClass(node, cls, on) {
  const memo = memoOf(node);
  const key = `class:${cls}`;
  if (memo[key] === on) return;
  memo[key] = on;
  node.classList.toggle(cls, on);
}

/** setAttribute, only when it changes. */
export function putAttr(node, name, value) {
  const memo = memoOf(node);
  const key = `attr:${name}`;
  if (memo[key] === value) return;
  memo[key] = value;
  node.setAttribute(name, value);
}
