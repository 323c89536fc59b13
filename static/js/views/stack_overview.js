// The stack at a glance (stacked models only): one small heatmap per layer, every unit over
// time, of the chosen quantity (forward: c, y, z, i, f, o, or the RNN's h, a; backward: its
// error δ). The numbers are the frames' `stack` (every layer at each step, the engine's own) on
// the diagrams' fixed colour scales; nothing is computed here but colours. The top layer is
// drawn on top, as the layers stack. Its layer buttons are the page's layer picker; a click on
// a heatmap picks that layer, unit and step. Views never call the server: it emits events.

import { h, setText } from "./dom.js";
import { QUANTITIES, paintKey } from "./sequence_paint.js";
import { rgbFor } from "./color_scales.js";

const EMPTY = [238, 238, 238]; // a step with no frame yet

export class StackOverview {
  /** container: the section to fill; emit(name, detail) for "control:set" and "stack:pick". */
  constructor(container, { emit }) {
    this.el = container;
    this.emit = emit;
    this.title = h("h2", { class: "stack-title", id: "stack-title" });
    this.quantity = h("select", { name: "stack-quantity", "aria-label": "Colour the layers by",
      onchange: () => emit("control:set", { quantity: this.quantity.value }) });
    this.head = h("div", { class: "stack-head" }, this.title,
      h("label", { class: "stack-field" }, h("span", { class: "field-label" }, "Colour by"), this.quantity));
    this.rows = h("div", { class: "stack-rows", role: "group", "aria-label": "Layer shown" });
    this.note = h("p", { class: "stack-note" });
    container.setAttribute("aria-labelledby", "stack-title");
    container.append(this.head, this.rows, this.note);
    this.layers = [];
    this._shape = null;
    this._cell = null;
    this._drawn = null;
  }

  /** data: {state, store}; hidden for a one-layer model. */
  update({ state: s, store }) {
    const meta = store.meta;
    const L = meta.num_layers || 1;
    const show = L > 1 && meta.T > 0;
    if (this.el.hidden === show) this.el.hidden = !show;
    if (!show) return;
    const H = meta.hidden_size;
    const shape = `${L}|${H}|${meta.T}`;
    if (shape !== this._shape) this._build(L, H, meta.T, (this._shape = shape));
    if (this._cell !== meta.cell) {
      this._cell = meta.cell;
      this.quantity.replaceChildren(...QUANTITIES[meta.cell === "rnn" ? "rnn" : "lstm"]
        .map(([key, label]) => h("option", { value: key }, label)));
    }
    if (this.quantity.value !== s.quantity && QUANTITIES[this._cell === "rnn" ? "rnn" : "lstm"]
      .some(([k]) => k === s.quantity)) this.quantity.value = s.quantity;
    const paint = paintKey(meta, s.quantity, s.mode);
    setText(this.title, `The stack: ${paint.symbol} of every layer, every unit over time`);
    const drawn = `${shape}|${paint.key}|${store.version[paint.source]}`;
    if (drawn !== this._drawn) {
      this._drawn = drawn;
      const rows = store.stackRows(paint.source, paint.key);
      this.layers.forEach((layer, l) => this._paint(layer, rows[l], paint.family, H));
    }
    const chosen = Math.min(s.layer, L - 1);
    this.layers.forEach((layer, l) => {
      const on = l === chosen;
      if (layer.button.getAttribute("aria-pressed") !== String(on)) {
        layer.button.setAttribute("aria-pressed", String(on));
        layer.row.classList.toggle("chosen", on);
      }
      layer.cursor.style.left = `${((s.t + 0.5) / meta.T) * 100}%`;
      layer.unit.style.top = `${((s.unit + 0.5) / H) * 100}%`;
      layer.unit.hidden = !on;
    });
    setText(this.note, `Showing layer ${chosen} at t = ${s.t}, unit ${s.unit}`
      + (s.mode === "backward" ? " (backward: errors δ). " : ". ")
      + "Click a heatmap for that layer, unit and step; the buttons pick a layer.");
  }

  _build(L, H, T) {
    this.layers = [];
    this.rows.replaceChildren();
    for (let l = L - 1; l >= 0; l--) {
      const role = l === L - 1 ? (L > 1 ? "top, feeds the readout" : "") : "";
      const reads = l === 0 ? "reads x" : `reads y of layer ${l - 1}`;
      const button = h("button", { type: "button", class: "stack-pick", "aria-pressed": "false",
        dataset: { layer: String(l) }, onclick: () => this.emit("control:set", { layer: l }) },
      h("span", { class: "stack-name" }, `Layer ${l}`),
      h("span", { class: "stack-role" }, [role, reads].filter(Boolean).join(" · ")));
      const canvas = h("canvas", { width: T, height: H, class: "stack-canvas", role: "img",
        "aria-label": `Layer ${l}: every unit over steps 0 to ${T - 1}`, dataset: { layer: String(l) } });
      canvas.addEventListener("click", (ev) => this._pick(ev, l, H, T));
      const cursor = h("span", { class: "stack-cursor", "aria-hidden": "true" });
      const unit = h("span", { class: "stack-unit", "aria-hidden": "true" });
      const heat = h("div", { class: "stack-heat" }, canvas, cursor, unit);
      const row = h("div", { class: "stack-row", dataset: { layer: String(l) } }, button, heat);
      this.rows.append(row);
      this.layers[l] = { row, button, canvas, cursor, unit };
    }
  }

  /** One layer's H × T pixels: unit j in row j, step t in column t. */
  _paint(layer, steps, family, H) {
    const { canvas } = layer;
    const ctx = canvas.getContext("2d");
    if (!ctx) return;
    const T = canvas.width;
    const img = ctx.createImageData(T, H);
    for (let t = 0; t < T; t++) {
      const arr = steps[t];
      for (let j = 0; j < H; j++) {
        const c = (arr && rgbFor(family, arr[j])) || EMPTY;
        const k = (j * T + t) * 4;
        img.data[k] = c[0];
        img.data[k + 1] = c[1];
        img.data[k + 2] = c[2];
        img.data[k + 3] = 255;
      }
    }
    ctx.putImageData(img, 0, 0);
  }

  _pick(ev, layer, H, T) {
    const box = ev.currentTarget.getBoundingClientRect();
    const t = Math.min(T - 1, Math.max(0, Math.floor(((ev.clientX - box.left) / box.width) * T)));
    const unit = Math.min(H - 1, Math.max(0, Math.floor(((ev.clientY - box.top) / box.height) * H)));
    this.emit("stack:pick", { layer, unit, t });
  }
}
