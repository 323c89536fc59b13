// The forward (or backward) equations of the current cell and variant, typeset by the vendored
// KaTeX, each with a second line carrying the selected unit's live numbers. KaTeX runs only when
// the structure changes; stepping rewrites the text of the number slots, which is cheap enough
// to happen on every animation frame.

import { equationRows, fullStructure } from "./equations_tex.js";
import { fmtNum } from "../format.js";
import { setText } from "./dom.js";

const KATEX_OPTIONS = {
  throwOnError: false,
  strict: "ignore",
  output: "html",
  // Only \htmlData (our number slots) is trusted; the TeX is ours, never user input.
  trust: (ctx) => ctx.command === "\\htmlData",
};

function katexLib() {
  if (typeof window.katex !== "object") throw new Error("KaTeX is not loaded");
  return window.katex;
}

/** @name → slot, @@name → slot shown in parentheses when negative (for products and sums). */
function withSlots(tex) {
  return tex.replace(/(@@?)([A-Za-z][A-Za-z0-9_]*)/g, (_, at, name) =>
    `\\htmlData{slot=${name}${at === "@@" ? ", paren=1" : ""}}{0.000}`);
}

export class EquationsView {
  constructor(container) {
    this.el = container;
    this.el.classList.add("equations");
    this.head = document.createElement("div");
    this.head.className = "eq-head";
    this.list = document.createElement("div");
    this.list.className = "eq-list";
    this.note = document.createElement("p");
    this.note.className = "eq-note";
    this.el.append(this.head, this.list, this.note);
    this._sig = null;
    this._rows = [];
  }

  /**
   * data: {store, mode, t, unit, params (or null)}. The cell, structure and loss come from
   * store.meta; every number from the frames of step t (and b_* from params).
   */
  update(data) {
    const model = this._wrangle(data);
    if (model.sig !== this._sig) {
      this._build(model);
      this._sig = model.sig;
    }
    this._render(model);
  }

  _wrangle({ store, mode, t, unit, params, label = "" }) {
    const m = store.meta;
    const s = fullStructure(m.structure || {});
    const hasParams = Boolean(params);
    const layer = m.layer ?? 0;
    const L = m.num_layers || 1;
    const sig = `${m.cell}|${mode}|${JSON.stringify(s)}|${hasParams}|${m.loss}|${layer}|${L}`;
    const frame = store.fwd[t] || null;
    const bframe = mode === "backward" ? store.bwd[t] || null : null;
    // Every term is in the frames of step t: what arrives from t+1 is sent with step t.
    return { sig, cell: m.cell, mode, s, hasParams, loss: m.loss, t, T: m.T, unit, frame, bframe, label, layer, L,
      ctx: frame && (mode === "forward" || bframe)
        ? { v: frame.values, d: bframe ? bframe.deltas : null, P: params, j: unit, frame }
        : null };
  }

  _build({ cell, mode, s, hasParams, loss, layer, L }) {
    const katex = katexLib();
    this.list.replaceChildren();
    this._rows = equationRows({ cell, mode, structure: s, hasParams, loss, layer, L }).map((r) => {
      const item = document.createElement("div");
      item.className = "eq-row";
      const label = document.createElement("span");
      label.className = "eq-label";
      label.textContent = r.label;
      const sym = document.createElement("div");
      sym.className = "eq-sym";
      katex.render(r.sym, sym, KATEX_OPTIONS);
      const num = document.createElement("div");
      num.className = "eq-num";
      const slots = [];
      if (r.num) {
        katex.render(withSlots(r.num), num, KATEX_OPTIONS);
        for (const el of num.querySelectorAll("[data-slot]")) {
          // Keep KaTeX's spacing elements, replace the placeholder digits by one text span.
          const text = document.createElement("span");
          text.className = "mord eq-value";
          for (const child of [...el.children]) if (!child.classList.contains("mspace")) child.remove();
          el.prepend(text);
          slots.push({ name: el.dataset.slot, paren: el.dataset.paren === "1", text, last: null });
        }
      }
      // The left-hand side's key names the row (tests and hover read it).
      if (slots.length) item.dataset.lhs = slots[0].name;
      item.append(label, sym, num);
      this.list.appendChild(item);
      return { fill: r.fill, slots, item, toPrev: Boolean(r.toPrev) };
    });
  }

  _render({ mode, cell, t, T, unit, ctx, s, label, bframe, layer, L }) {
    const what = mode === "backward" ? "backward (BPTT)" : "forward";
    const cellName = cell === "rnn" ? "Simple RNN" : "LSTM";
    const of = L > 1 ? ` — layer ${layer} of ${L}` : "";
    const head = `${label}${cellName} ${what}${of} — numbers of unit ${unit} at step t = ${t}` +
      (T ? ` of ${T - 1}` : "");
    setText(this.head, head);
    this.el.classList.toggle("no-numbers", !ctx);
    const cut = Boolean(bframe && bframe.cut_to_prev);
    const note = ctx ? (mode === "backward"
      ? "δ = ∂L/∂(·). Terms from t+1 are 0 at the last step and where truncation cuts." +
        (cut ? " ✂ Truncation cuts here: step t−1 receives none of what this step sends back." : "")
      : s && !s.peepholes && cell === "lstm" ? "No peepholes (NP): the gates do not see c." : "")
      : mode === "backward" ? "This step has not been reached by BPTT yet (shift+← steps back)."
        : "This step has not been computed yet.";
    if (this.note.textContent !== note) this.note.textContent = note;
    this.el.classList.toggle("cut-to-prev", cut);
    for (const r of this._rows) {
      const special = ctx ? r.fill(ctx) : {};
      for (const slot of r.slots) {
        const v = ctx ? (slot.name in special ? special[slot.name] : slotValue(slot.name, ctx)) : undefined;
        let text = typeof v === "string" ? v : fmtNum(v);
        if (slot.paren && typeof v === "number" && v < 0) text = `(${text})`;
        if (text !== slot.last) setText(slot.text, (slot.last = text));
      }
      if (r.toPrev) r.item.classList.toggle("cut", cut);
    }
  }
}

/**
 * Element j of the frame key (or parameter) a slot is named after: deltas first, then values,
 * then parameters (b_*). Absent (another variant's key, a frame still in flight): undefined, n/a.
 */
function slotValue(name, { d, v, P, j }) {
  for (const box of [d, v, P]) {
    const arr = box ? box[name] : undefined;
    if (Array.isArray(arr)) return arr[j];
  }
  return undefined;
}
