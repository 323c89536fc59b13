// Common machinery of the three cell diagrams. A subclass draws the structure in `_draw()` and
// binds drawn elements to quantities with `bind()`; every frame then goes through one cycle,
// update(frame) → _wrangle → _render, which colours wires and nodes, writes the numbers and
// fills the per-unit strips. Views never talk to the server; they report hovers through the
// onHover callback and a "dg-unit" DOM event when a strip cell is clicked.

import { el, addMarkers, newPrefix, colorFor, gradientCss, Tooltip, appendMath } from "./svg_kit.js";
import { fmtNum as fmt } from "../format.js";
import { layerTables, lookup } from "./diagram_notation.js";
import { renderStrip, placeStrips } from "./diagram_strips.js";
import { setText } from "./dom.js";

export class DiagramBase {
  /**
   * container: element to draw into; opts.onHover(info | null) is called on hover.
   * spec: {name, title, viewBox: [w, h], values, deltas} (the notation tables to read from).
   */
  constructor(container, opts = {}, spec) {
    this.container = container;
    this.onHover = typeof opts.onHover === "function" ? opts.onHover : null;
    this.spec = spec;
    this.base = { values: spec.values, deltas: spec.deltas }; // the one-layer notation
    this.stack = { layer: 0, L: 1, below: false };
    this.prefix = newPrefix(spec.name);
    this.mode = "forward";
    this.playing = false;
    this.notch = null; // dash-0 … dash-3: where the backward dashes stand while playing
    this.frame = null;
    this.structure = {};
    this.probes = [];
    this.cut = false;

    this.root = document.createElement("figure");
    this.root.className = `dg dg-${spec.name} mode-forward`;
    const head = document.createElement("figcaption");
    head.className = "dg-head";
    this.titleEl = document.createElement("span");
    this.titleEl.className = "dg-title";
    this.titleEl.textContent = spec.title;
    this.statusEl = document.createElement("span");
    this.statusEl.className = "dg-status";
    head.append(this.titleEl, this.statusEl);

    const [w, h] = spec.viewBox;
    this.svg = el("svg", { viewBox: `0 0 ${w} ${h}`, class: "dg-svg", role: "img",
      "aria-label": spec.title });
    addMarkers(this.svg, this.prefix);
    this.layer = el("g", { class: "dg-layer" }, this.svg);
    this.legendEl = document.createElement("div");
    this.legendEl.className = "dg-legend-bar";
    // The drawing pans inside this box when it is wider than its slot (views/touch.js).
    this.scroller = document.createElement("div");
    this.scroller.className = "dg-scroll";
    this.scroller.append(this.svg);
    this.root.append(head, this.scroller, this.legendEl);
    this.tooltip = new Tooltip(this.root);
    container.appendChild(this.root);

    this.svg.addEventListener("pointermove", (e) => this._onPointer(e));
    this.svg.addEventListener("pointerleave", () => this._hover(null));
    this.svg.addEventListener("click", (e) => this._onClick(e));
    this._renderLegend();
  }

  /**
   * Redraw the structure: {cell, variant, structure: {input_gate, ..., gate_recurrence}} and, in
   * a stack of num_layers, the layer drawn (its input is the layer below's output; below the
   * top its output goes up to the next layer instead of the readout).
   */
  setStructure({ cell = "lstm", variant = "", structure = {}, layer = 0, num_layers: L = 1 } = {}) {
    this.cell = cell;
    this.variant = variant;
    this.structure = { ...DEFAULT_STRUCTURE, ...structure };
    this.stack = { layer, L, below: layer < L - 1 };
    this.spec = { ...this.spec, ...layerTables(this.base, cell, layer, L) };
    const title = L > 1 ? `${this.spec.title} — layer ${layer} of ${L}` : this.spec.title;
    setText(this.titleEl, title);
    this.svg.setAttribute("aria-label", title);
    this.layer.replaceChildren();
    this.probes = [];
    this.tooltip.hide();
    this._draw(this.structure);
    this.root.dataset.variant = variant || "vanilla";
    this._applyArrows();
    this._render();
  }

  /**
   * Show one step: {mode, unit, t, T, values, deltas, cut_to_prev}; arrays per key, element
   * `unit` shown. cut_to_prev (backward): truncation drops what this step sends to t−1.
   */
  update(frame) {
    this.frame = this._wrangle(frame || {});
    if (this.frame.mode !== this.mode) {
      this.mode = this.frame.mode;
      this.root.classList.toggle("mode-forward", this.mode === "forward");
      this.root.classList.toggle("mode-backward", this.mode === "backward");
      this._applyArrows();
      this._renderLegend();
    }
    const cut = this.frame.mode === "backward" && this.frame.cut;
    if (cut !== this.cut) this.root.classList.toggle("cut", (this.cut = cut));
    // Playing backward, the error dashes move one notch per step (period 12 = 7 + 5) instead
    // of a CSS animation that would repaint every wire on every animation frame.
    const playing = Boolean(frame && frame.playing);
    if (playing !== this.playing) this.root.classList.toggle("playing", (this.playing = playing));
    const notch = playing && this.mode === "backward" && Number.isInteger(this.frame.t)
      ? `dash-${((-this.frame.t % 4) + 4) % 4}` : null; // a class restyles only the halos
    if (notch !== this.notch) {
      if (this.notch) this.root.classList.remove(this.notch);
      if (notch) this.root.classList.add(notch);
      this.notch = notch;
    }
    this._render();
  }

  /** Subclasses draw here. */
  _draw() {
    throw new Error("DiagramBase._draw must be implemented by the diagram");
  }

  /**
   * Bind element g to quantity q (forward) and dq (backward). opts.label: {x, y, anchor} for
   * the number; opts.strip: {x, y} for the per-unit strip; opts.name overrides the tooltip title.
   */
  bind(g, { q = null, dq = null, label = null, strip = null, name = null, lag = false } = {}) {
    // label.when: "forward" | "backward" shows the number in one mode only (avoids repeating
    // a value that another wire already shows); label.stack puts the number under the symbol.
    // strip.follow: place the strip after the text.
    if (q) g.dataset.q = q;
    if (dq) g.dataset.dq = dq;
    g.classList.add("probe");
    const probe = { g, q, dq, name, labelEl: null, stripEl: null, when: label?.when || null,
      follow: strip?.follow || false, last: {}, boxes: new Map(), placed: null, cells: null, paint: null };
    if (label) {
      probe.labelEl = el("text", { x: label.x, y: label.y, "text-anchor": label.anchor || "start",
        class: `vlabel${lag ? " lag" : ""}` }, g);
      probe.symEl = el("tspan", { class: "sym" }, probe.labelEl);
      probe.numEl = el("tspan", label.stack ? { class: "num", x: label.x, dy: "1.3em" } : { class: "num", dx: 4 },
        probe.labelEl);
    }
    if (strip) {
      probe.stripEl = el("g", { class: "strip",
        transform: strip.follow ? null : `translate(${strip.x},${strip.y})` }, g);
    }
    this.probes.push(probe);
    return probe;
  }

  _wrangle(frame) {
    const mode = frame.mode === "backward" ? "backward" : "forward";
    return {
      mode,
      unit: Number.isInteger(frame.unit) ? frame.unit : 0,
      t: frame.t ?? null,
      T: frame.T ?? null,
      values: frame.values || null,
      deltas: mode === "backward" ? frame.deltas || null : null,
      nonfinite: Boolean(frame.nonfinite), // the server sent NaN/Inf as null
      cut: Boolean(frame.cut_to_prev),
    };
  }

  /** The array a probe shows in the current mode, and its notation entry. */
  _arrayOf(probe) {
    const f = this.frame;
    const backward = this.mode === "backward";
    const key = backward ? probe.dq : probe.q;
    const table = backward ? this.spec.deltas : this.spec.values;
    if (!key || !f) return { key, meta: key ? table[key] : null, arr: null };
    return { key, meta: table[key], arr: lookup(table, key, f.values, f.deltas) };
  }

  _render() {
    const f = this.frame;
    const backward = this.mode === "backward";
    this._renderStatus();
    // Only what changed is written: unchanged text, classes and colours cost no style work.
    for (const p of this.probes) {
      const { key, meta, arr } = this._arrayOf(p);
      const fam = backward ? "delta" : meta?.fam || "act";
      const color = colorFor(fam, pick(arr, f?.unit ?? 0, meta));
      const last = p.last;
      const inactive = backward && !p.dq;
      if (last.inactive !== inactive) p.g.classList.toggle("inactive", (last.inactive = inactive));
      if (last.color !== color) {
        if (!color !== !last.color || last.color === undefined) p.g.classList.toggle("novalue", !color);
        // Stroke set on the painted halos themselves: a property inherited through the group
        // would restyle every descendant (texts, strip cells) on every step.
        p.paint ||= [...p.g.querySelectorAll(".val, .ring")].filter((e) => e.closest(".probe") === p.g);
        for (const e of p.paint) e.style.stroke = color || "";
        last.color = color;
      }
      if (p.labelEl) {
        const show = Boolean(key && meta) && (!p.when || p.when === this.mode);
        if (last.show !== show) p.labelEl.style.display = (last.show = show) ? "" : "none";
        if (show) {
          if (last.sym !== meta.sym) setSym(p.symEl, (last.sym = meta.sym));
          const num = arr !== null ? formatArray(arr, f.unit, meta) : "—";
          if (last.num !== num) setText(p.numEl, (last.num = num));
        }
      }
      if (p.stripEl) renderStrip(p, arr, fam, meta?.len ? -1 : f?.unit ?? 0);
    }
    if (this.svg.isConnected) placeStrips(this.probes);
  }

  _renderStatus() {
    const f = this.frame;
    let text = "no step yet";
    if (f && f.t !== null) {
      const T = f.T !== null ? ` of ${f.T}` : "";
      const arrow = this.mode === "backward" ? "backward δ ←" : "forward →";
      const warn = f.nonfinite ? " · ⚠ non-finite values (n/a)" : "";
      const cut = this.mode === "backward" && f.cut ? " · ✂ truncated" : "";
      text = `t = ${f.t}${T} · unit ${f.unit} · ${arrow}${cut}${warn}`;
      this.root.classList.toggle("nonfinite", f.nonfinite);
    }
    setText(this.statusEl, text);
  }

  _renderLegend() {
    const items = this.mode === "backward"
      ? [["delta", "δ < 0", "δ > 0", "errors δ, log magnitude 1e−4 … 10"]]
      : [["gate", "0", "1", "gates"], ["act", "−", "+", "signed values"]];
    this.legendEl.replaceChildren();
    for (const [fam, lo, hi, text] of items) {
      const item = document.createElement("span");
      item.className = "dg-legend-item";
      const a = document.createElement("span");
      a.textContent = lo;
      const ramp = document.createElement("span");
      ramp.className = "dg-ramp";
      ramp.style.background = gradientCss(fam);
      const b = document.createElement("span");
      b.textContent = hi;
      const t = document.createElement("span");
      t.className = "dg-legend-text";
      t.textContent = text;
      item.append(a, ramp, b, t);
      this.legendEl.appendChild(item);
    }
    const hint = document.createElement("span");
    hint.className = "dg-legend-hint";
    hint.textContent = "strip = all units (click to pick one) · hover for details";
    this.legendEl.appendChild(hint);
  }

  /**
   * Arrowheads point along the flow: forward at the end, backward (errors) at the start.
   * data-arrow="bwd" marks a wire that carries an arrow in backward mode only.
   */
  _applyArrows() {
    const back = this.mode === "backward";
    for (const path of this.layer.querySelectorAll("path.core[data-arrow]")) {
      const wireEl = path.parentNode;
      if (path.dataset.arrow === "bwd" && !back) {
        path.removeAttribute("marker-end");
        path.removeAttribute("marker-start");
        continue;
      }
      const kind = back ? "delta" : wireEl.classList.contains("peep") ? "peep" : "fwd";
      const url = `url(#${this.prefix}-${kind})`;
      path.setAttribute(back ? "marker-start" : "marker-end", url);
      path.removeAttribute(back ? "marker-end" : "marker-start");
    }
  }

  _probeAt(target) {
    const g = target instanceof Element ? target.closest(".probe") : null;
    return g ? this.probes.find((p) => p.g === g) || null : null;
  }

  _onPointer(e) {
    const probe = this._probeAt(e.target);
    if (probe !== this.hovered) this._hover(probe, e);
    else this.tooltip.move(e.clientX, e.clientY);
  }

  _hover(probe, e) {
    this.hovered = probe;
    for (const g of this.layer.querySelectorAll(".hovered")) g.classList.remove("hovered");
    if (!probe) {
      this.tooltip.hide();
      if (this.onHover) this.onHover(null);
      return;
    }
    probe.g.classList.add("hovered");
    const info = this._describe(probe);
    this.tooltip.show(info.rows, e.clientX, e.clientY);
    if (this.onHover) this.onHover(info.event);
  }

  /** Tooltip rows: name, notation key, value, shape, PyTorch name. */
  _describe(probe) {
    const { key, meta, arr } = this._arrayOf(probe);
    const unit = this.frame?.unit ?? 0;
    const dataKey = probe.g.dataset.key;
    const rows = [{ title: probe.name || meta?.name || dataKey }];
    let value = null;
    if (meta) {
      rows.push({ k: "key", v: key, mono: true });
      value = pick(arr, unit, meta);
      if (typeof arr === "number") {
        rows.push({ k: "value", v: formatArray(arr, unit, meta) });
      } else if (arr) {
        rows.push({ k: "value", v: meta.len ? formatArray(arr, unit, meta) : `[${unit}] = ${fmt(value)}` });
        if (arr.length <= 8) rows.push({ k: "vector", v: `[${arr.map(fmt).join(", ")}]` });
        rows.push({ k: "shape", v: `(${meta.len || "H"},) = (${arr.length},)`, mono: true });
      } else {
        rows.push({ k: "value", v: this.frame ? "not in this frame" : "no step yet" });
      }
      rows.push({ k: "PyTorch", v: meta.torch });
    } else if (this.mode === "backward") {
      rows.push({ k: "δ", v: "no error of its own here" });
    }
    return { rows, event: { key: dataKey, quantity: key, mode: this.mode, unit, value } };
  }

  _onClick(e) {
    const cell = e.target instanceof Element ? e.target.closest("rect.cell") : null;
    if (!cell) return;
    const unit = Number(cell.dataset.unit);
    const probe = this._probeAt(cell);
    if (!probe || this._arrayOf(probe).meta?.len) return; // D- or O-sized: not a unit
    this.container.dispatchEvent(new CustomEvent("dg-unit", { detail: { unit }, bubbles: true }));
  }
}

export const DEFAULT_STRUCTURE = {
  input_gate: true, forget_gate: true, output_gate: true, input_activation: true,
  output_activation: true, peepholes: true, coupled: false, gate_recurrence: false,
};

/** Write a label's symbol; "_" starts a subscript (svg_kit.appendMath). */
function setSym(node, sym) {
  if (!sym.includes("_")) {
    setText(node, sym);
    return;
  }
  node.replaceChildren();
  appendMath(node, sym);
}

/**
 * The value that colours an element: element `unit` of an H-vector; for a D- or O-sized vector
 * (x, v, ŷ), which has no "unit", the element of largest magnitude.
 */
function pick(arr, unit, meta) {
  if (!Array.isArray(arr) || arr.length === 0) return null;
  if (meta?.len) {
    return arr.reduce((best, v) => (v !== null && (best === null || Math.abs(v) > Math.abs(best)) ? v : best), null);
  }
  return unit < arr.length ? arr[unit] : null;
}

/** Number text: element `unit` of an H-vector; a D/O vector in full when short, else its norm
 * (a summary of what is drawn, not a model quantity). */
function formatArray(arr, unit, meta) {
  if (typeof arr === "number") return `label ${arr}`; // a cross-entropy target
  if (!meta?.len) return unit < arr.length ? fmt(arr[unit]) : "—";
  if (arr.length === 1) return fmt(arr[0]);
  if (arr.length <= 3) return `[${arr.map(fmt).join(", ")}]`;
  const norm = Math.sqrt(arr.reduce((s, v) => s + (v || 0) ** 2, 0));
  return `‖·‖ ${fmt(norm)}`;
}
