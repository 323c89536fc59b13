// The text alternative of the diagrams: a table of the step's values (forward) or errors
// (backward), one row per quantity the frame carries, with unit j's number and the whole
// vector. Always in the accessibility tree, right after the diagrams; shown on screen by its
// toggle. The numbers are the frame's, formatted by format.js: nothing is computed here.

import { h, setText } from "./dom.js";
import { fmtNum } from "../format.js";
import { LSTM_DELTAS, LSTM_VALUES, RNN_DELTAS, RNN_VALUES } from "./diagram_notation.js";

const VECTOR_MAX = 16; // longer vectors are listed in the tooltip, not in a table cell
const TABLES = {
  lstm: { forward: LSTM_VALUES, backward: LSTM_DELTAS },
  rnn: { forward: RNN_VALUES, backward: RNN_DELTAS },
};

/** "W_zx" → W<sub>z</sub>x, as the diagrams write subscripts (svg_kit.appendMath). */
function symbolNodes(sym) {
  const out = [];
  const re = /_(\{[^}]*\}|.)/g;
  let last = 0;
  let m;
  while ((m = re.exec(sym)) !== null) {
    if (m.index > last) out.push(sym.slice(last, m.index));
    out.push(h("sub", {}, m[1].startsWith("{") ? m[1].slice(1, -1) : m[1]));
    last = re.lastIndex;
  }
  if (last < sym.length) out.push(sym.slice(last));
  return out;
}

function vectorText(arr) {
  if (typeof arr === "number") return `class ${arr}`; // a cross-entropy target label
  if (arr.length > VECTOR_MAX) return `${arr.length} values`;
  return `[${arr.map(fmtNum).join(", ")}]`;
}

export class ValueTable {
  /** container: the element after the diagrams. */
  constructor(container) {
    this.el = container;
    this.shown = false;
    this.toggle = h("button", { type: "button", class: "small value-table-toggle", "aria-expanded": "false",
      "aria-controls": "value-table-body", onclick: () => this.show(!this.shown) }, "Show the values as a table");
    this.caption = h("caption", {});
    this.body = h("tbody", {});
    this.table = h("table", { class: "value-table-grid" }, this.caption,
      h("thead", {}, h("tr", {}, ["Quantity", "Symbol", "Key", "Unit j", "All units"]
        .map((t) => h("th", { scope: "col" }, t)))), this.body);
    this.wrap = h("div", { class: "value-table-body sr-only", id: "value-table-body", role: "region",
      "aria-label": "Values of the step" }, this.table);
    container.replaceChildren(this.toggle, this.wrap);
    this.sig = null;
    this.rows = new Map(); // key → {tr, unit, all}
  }

  show(on) {
    this.shown = on;
    this.wrap.classList.toggle("sr-only", !on);
    // Shown, it may scroll: a keyboard must reach it (hidden, it is only read out).
    if (on) this.wrap.setAttribute("tabindex", "0");
    else this.wrap.removeAttribute("tabindex");
    this.toggle.setAttribute("aria-expanded", String(on));
    setText(this.toggle, on ? "Hide the values table" : "Show the values as a table");
  }

  /** d: {cell, mode, t, T, unit, values, deltas}: the step the diagrams show. */
  update(d) {
    const table = (TABLES[d.cell] || TABLES.lstm)[d.mode === "backward" ? "backward" : "forward"];
    const src = d.mode === "backward" ? d.deltas : d.values;
    const what = d.mode === "backward" ? "Errors δ" : "Values";
    const cap = src ? `${what} at step t = ${d.t} of ${d.T} (unit j = ${d.unit}), ${d.mode} pass`
      : `Step t = ${d.t}: not computed yet`;
    setText(this.caption, cap);
    const keys = src ? Object.keys(table).filter((k) => Array.isArray(src[k])
      || (k === "target" && Number.isInteger(src[k]))) : [];
    const sig = `${d.cell}|${d.mode}|${keys.join(",")}`;
    if (sig !== this.sig) {
      this.sig = sig;
      this.rows.clear();
      this.body.replaceChildren(...keys.map((k) => {
        const meta = table[k];
        const row = { unit: h("td", { class: "num" }), all: h("td", { class: "num" }) };
        row.tr = h("tr", { dataset: { key: k } }, h("th", { scope: "row" }, meta.name),
          h("td", { class: "sym" }, symbolNodes(meta.sym)), h("td", { class: "key" }, h("code", {}, k)),
          row.unit, row.all);
        this.rows.set(k, row);
        return row.tr;
      }));
    }
    for (const [k, row] of this.rows) {
      const arr = src[k];
      const perUnit = !table[k].len && Array.isArray(arr);
      setText(row.unit, perUnit ? (d.unit < arr.length ? fmtNum(arr[d.unit]) : "—") : "—");
      setText(row.all, vectorText(arr));
    }
  }
}
