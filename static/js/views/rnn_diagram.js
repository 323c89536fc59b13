// The simple RNN unfolded over three steps (t−1, t, t+1), Goodfellow's notation as in the
// article: x → (U) → a → tanh → h → (V) → o → ŷ, with W carrying h(t−1) into a(t). The
// parameters are the same at every step; only the current step carries live values (and h of
// step t−1, which this step reads). Backward, the errors flow down and to the left: Wᵀ δa(t+1)
// arrives from step t+1, and Wᵀ δa(t) leaves for step t−1.

import { DiagramBase } from "./diagram_base.js";
import { RNN_VALUES, RNN_DELTAS } from "./diagram_notation.js";
import { el, group, wire, sumNode, actBox, actCircle, letterNode, mathText, caption, cutMark } from "./svg_kit.js";
import { setText } from "./dom.js";

const W = 600;
const H = 430;
// Columns t−1, t, t+1: node x and background [left, right]. The current step is wider: it
// carries the numbers.
const COLS = [66, 246, 516];
const BG = [[8, 170], [182, 420], [432, 592]];
const Y = { head: 24, yhat: 64, o: 138, h: 222, a: 298, x: 386 };
const R = 16;

export class RnnDiagram extends DiagramBase {
  constructor(container, opts = {}) {
    super(container, opts, { name: "rnn", title: "Simple RNN, unfolded (Goodfellow et al., ch. 10)",
      viewBox: [W, H], values: RNN_VALUES, deltas: RNN_DELTAS });
  }

  _draw() {
    const L = this.layer;
    this.heads = [];
    // Backgrounds first: a later background would hide labels that overhang their column.
    const bgs = BG.map(([a, b], k) => el("rect", { x: a, y: 6, width: b - a, height: H - 12, rx: 10,
      class: `step-bg${k === 1 ? " current" : ""}` }, L));
    this.columns = COLS.map((x, k) => {
      this.heads.push(el("text", { x: (BG[k][0] + BG[k][1]) / 2, y: Y.head, "text-anchor": "middle",
        class: "step-label" }, L));
      return { bg: bgs[k], g: group(L, `step-${["prev", "now", "next"][k]}`, k === 1 ? "step current" : "step quiet") };
    });
    // W: h(t−2) → a(t−1), h(t−1) → a(t), h(t) → a(t+1), h(t+1) → a(t+2).
    this._recurrence(L, -1);
    COLS.forEach((x, k) => this._column(this.columns[k].g, x, k));
    this._recurrence(L, 0);
    this._recurrence(L, 1);
    this._recurrence(L, 2);
  }

  /** One step's stack, bottom to top. Only the current step (k = 1) is bound to values. */
  _column(g, x, k) {
    const live = k === 1;
    const b = (node, opts) => (live ? this.bind(node, opts) : node);
    // A weight's wire up from the node at y0 to the node at y1, its letter on the left and its
    // number (in the mode `when`) on the right.
    const weighted = (weight, y0, y1, { when, ...opts }) => {
      const w = group(g, live ? weight : null, "wire-probe");
      wire(w, [[x, y0 - R], [x, y1 + R + 2]], { style: "solid weighted" });
      mathText(g, x - 8, (y0 + y1) / 2 + 4, weight, { "text-anchor": "end", class: "weight" });
      b(w, { ...opts, label: { x: x + 6, y: (y0 + y1) / 2 + 4, when } });
    };
    // A node drawn as a letter, its number on the right.
    const letter = (key, glyph, y, opts) => b(letterNode(g, live ? key : null, x, y, glyph, R),
      { ...opts, label: { x: x + R + 6, y: y + 4 } });
    weighted("U", Y.x, Y.a, { q: "Ux", dq: "dx", when: "forward",
      name: "U x(t): the input into the hidden layer (weights U)" });
    letter("x", "x", Y.x, { q: "x", dq: "dx", name: "input x(t)" });
    b(sumNode(g, live ? "a" : null, x, Y.a, R), { q: "a", dq: "da", label: { x: x + R + 6, y: Y.a + 18 },
      strip: { follow: true }, name: "pre-activation a = b + W h(t−1) + U x" });
    const wa = group(g, live ? "a-to-h" : null, "wire-probe");
    wire(wa, [[x, Y.a - R], [x, Y.h + R + 2]]);
    b(wa, { q: "a", dq: "da" });
    // h(t−1) is live (this step reads it): drawn outside its quiet column so it is not faded.
    const hNode = actCircle(k === 0 ? this.layer : g, live ? "h" : k === 0 ? "h-prev" : null, x, Y.h, "tanh", null, R);
    if (live) {
      this.bind(hNode, { q: "h", dq: "dh", label: { x: x + R + 6, y: Y.h - 8 }, strip: { follow: true },
        name: "hidden state h = tanh(a)" });
    } else if (k === 0) {
      this.bind(hNode, { q: "h_prev", label: { x: x + R + 2, y: Y.h - 30 }, strip: { follow: "below" },
        name: "h(t−1): what this step reads through W" });
    }
    if (this.stack.below) {
      // Below the top of a stack: h(t) goes up as the next layer's x(t); its δx comes back down.
      const up = this.stack.layer + 1;
      const wu = group(g, live ? "to-above" : null, "wire-probe");
      wire(wu, [[x, Y.h - R], [x, Y.yhat + 14]]);
      b(wu, { q: "h", dq: "dh_from_above", label: { x: x + 6, y: (Y.h + Y.o) / 2 + 4, when: "backward" },
        name: `h(t) → layer ${up}, where it is x(t); backward: the δ layer ${up} hands down` });
      actBox(g, null, x, Y.yhat, `layer ${up}`, { w: 58, h: 22, kind: "readout" });
    } else {
      weighted("V", Y.h, Y.o, { q: "h", dq: "dh_readout", when: "backward",
        name: "V h(t): the hidden state into the output (weights V)" });
      letter("o", "o", Y.o, { q: "o", dq: "do", name: "output o = c + V h" });
      const wo = group(g, live ? "o-to-yhat" : null, "wire-probe");
      wire(wo, [[x, Y.o - R], [x, Y.yhat + R + 2]]);
      b(wo, { q: "o", dq: "do" });
      letter("y-hat", "ŷ", Y.yhat, { q: "y_hat", name: "prediction ŷ = o (MSE) or softmax(o)" });
      if (live) this.bind(group(g, "target", "target"), { q: "target", label: { x: x + R + 6, y: Y.yhat + 19 } });
    }
    caption(g, x - R - 4, Y.a - 10, "a", { "text-anchor": "end", class: "caption fn-letter" });
    caption(g, x - R - 6, Y.h + 4, "h", { "text-anchor": "end", class: "caption fn-letter" });
  }

  /** W from h of column k into a of column k + 1 (k = −1 and 2 run off the edges). */
  _recurrence(L, k) {
    const x0 = k < 0 ? 4 : COLS[k] + R;
    const x1 = k >= 2 ? W - 4 : COLS[k + 1] - R - 2;
    const mid = k < 0 ? COLS[0] - 40 : k >= 2 ? COLS[2] + 50 : (BG[k][1] + BG[k + 1][0]) / 2;
    const pts = [[x0, Y.h], [mid, Y.h], [mid, Y.a], [x1, Y.a]];
    const key = k === 1 ? "W-next" : k === 0 ? "W-prev" : null;
    const g = group(L, key, `wire-probe recurrence${k === 0 ? " sent" : k === 1 ? "" : " quiet"}`);
    wire(g, pts, { arrow: k < 2 });
    if (k >= 0 && k < 2) mathText(L, mid + 6, (Y.h + Y.a) / 2 + 4, "W", { class: "weight" });
    if (k === 0) {
      this.bind(g, { q: "Wh", dq: "dh_prev", label: { x: mid - 6, y: Y.h + 28, anchor: "end", stack: true },
        name: "W h(t−1): the previous hidden state into a(t) (weights W); backward: Wᵀ δa(t) goes back to h(t−1)" });
      cutMark(L, mid, Y.h + 16, { vertical: true });
    } else if (k === 1) {
      this.bind(g, { q: "h", dq: "dh_from_next", label: { x: mid + 6, y: Y.a + 18, when: "backward" },
        name: "W h(t) → a(t+1); backward: Wᵀ δa(t+1) arrives here from step t+1" });
    }
  }

  _render() {
    super._render();
    const f = this.frame;
    if (!this.heads || !f) return;
    const t = f.t;
    const names = ["t−1", "t", "t+1"];
    this.heads.forEach((head, k) => {
      const step = t === null ? null : t - 1 + k;
      let text = names[k];
      if (step !== null && step >= 0 && (f.T === null || step < f.T)) text += ` = ${step}`;
      else if (step !== null && step < 0) text += " (initial h₀)";
      else if (step !== null) text += " (past the end)";
      setText(head, text);
      const outside = step !== null && (step < 0 || (f.T !== null && step >= f.T));
      this.columns[k].g.classList.toggle("absent", outside && k !== 1);
    });
  }
}
