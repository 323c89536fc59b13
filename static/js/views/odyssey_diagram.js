// The "Space Odyssey type" LSTM diagram (Greff et al. 2017, Fig. 1): the cell sits in the
// centre with its self-recurrence through ⊙ f (dotted: time lag); the block input is below it,
// the three gates around it; every unit receives x(t) and, dotted, y(t−1); the new cell value
// rises through h and ⊙ o to leave at the top as y(t). Peepholes (blue) run from the cell to
// the gates. The legend repeats the figure's symbols. Backward, the errors from t+1 arrive
// over the time-lag loops and the output at the top; what step t sends to t−1 leaves over the
// loop into ⊙ f, the peepholes, and every unit's y(t−1) input.

import { DiagramBase } from "./diagram_base.js";
import { LSTM_VALUES, LSTM_DELTAS } from "./diagram_notation.js";
import { el, group, wire, branchDot, mulNode, sumNode, actBox, actCircle, oneMinusNode, letterNode,
  caption, cutMark } from "./svg_kit.js";
import { drawLegend } from "./odyssey_legend.js";

const W = 600;
const H = 542;
const C = { x: 270, y: 218, r: 24 }; // the cell
const P = {
  mulf: [185, 218], f: [112, 218], z: [270, 352], muli: [270, 290], i: [420, 290],
  h: [270, 150], mulo: [270, 92], o: [420, 92], branch: [270, 52], v: [200, 52], yhat: [118, 52],
};
const R = 15; // unit circles
const FGR = { top: 12, right: 590, bottom: 442, left: 8 };
const LEGEND_Y = 460;
// Bottom left, under the cell's loop: the highway's errors, arriving (t+1) then leaving (t−1).
const LOOP_LABELS = { x: 123, y: 308, dy: 17 };
const UNDER = 440; // lowest free row, under the block input's input labels (CIFG has no FGR ring)

export class OdysseyDiagram extends DiagramBase {
  constructor(container, opts = {}) {
    super(container, opts, { name: "odyssey", title: "Space Odyssey type (Greff et al., Fig. 1)",
      viewBox: [W, H], values: LSTM_VALUES, deltas: LSTM_DELTAS });
  }

  _draw(s) {
    const L = this.layer;
    const hasI = s.input_gate;
    const hasF = s.forget_gate;
    const hasO = s.output_gate;
    if (s.gate_recurrence) this._fgr(L);
    if (s.peepholes) this._peepholes(L, hasI, hasF && !s.coupled, hasO);
    this._cellLoop(L, s);
    this._blockInput(L, s, hasI);
    if (hasI) this._gate(L, "i", "input gate", { side: "below", to: [[P.i[0] - R, P.i[1]], [P.muli[0] + 10, P.muli[1]]] });
    if (hasF && !s.coupled) {
      this._gate(L, "f", "forget gate", { side: "left", to: [[P.f[0] + R, P.f[1]], [P.mulf[0] - 10, P.mulf[1]]] });
    }
    if (s.coupled) this._coupled(L);
    this._output(L, s, hasO);
    if (hasO) this._gate(L, "o", "output gate", { side: "above", to: [[P.o[0] - R, P.o[1]], [P.mulo[0] + 10, P.mulo[1]]] });
    this._readout(L);
    drawLegend(L, 14, LEGEND_Y, W - 28, 78);
  }

  /**
   * The cell (a sum over its inputs) and its self-recurrence through ⊙ f. Backward, δc(t+1) ⊙
   * f(t+1) and the peepholes of t+1 arrive over the loop's outgoing half; δc ⊙ f leaves over
   * its returning half, and with the peepholes' errors makes the whole δ sent to c(t−1).
   */
  _cellLoop(L, s) {
    const [mx, my] = P.mulf;
    const hasF = s.forget_gate;
    const lab = (k) => ({ x: LOOP_LABELS.x, y: LOOP_LABELS.y + LOOP_LABELS.dy * k });
    const peepNext = ["i", "f"].filter((u) => s.peepholes && (u === "i" ? s.input_gate : hasF && !s.coupled));
    // Out of the cell, round the loop (dotted: c(t) is next step's c(t−1)), into ⊙ f.
    const out = group(L, "c-loop-out", "wire-probe");
    wire(out, [], { style: "lag", arrow: "bwd", d: `M${C.x - 16},${C.y + 18} Q${C.x - 22},${my + 74} ${mx + 30},${my + 74}` });
    this.bind(out, { q: null, dq: "dc_from_next", label: { ...lab(0), when: "backward" }, lag: true,
      name: "c(t) → step t+1 (time lag); backward: δc(t+1) ⊙ f(t+1) arrives here" });
    peepNext.forEach((u, k) => this.bind(group(L, `p-${u}-next`, "label-probe bwd-only"),
      { dq: `dc_from_p_${u}_next`, label: { ...lab(1 + k), when: "backward" }, lag: true }));
    const back = group(L, "c-prev", "wire-probe sent");
    const endY = hasF ? my + 11 : my;
    wire(back, [], { style: "lag", d: hasF ? `M${mx + 30},${my + 74} Q${mx},${my + 74} ${mx},${endY}`
      : `M${mx + 30},${my + 74} Q${mx},${my + 74} ${mx},${my} L${C.x - C.r},${my}` });
    const k0 = 1 + peepNext.length;
    this.bind(back, { q: "c_prev", dq: "dc_prev_highway",
      name: "c(t−1): the cell's own value one step back (time lag)" });
    this.bind(group(L, "c-prev-value", "label-probe fwd-only"), { q: "c_prev",
      label: { x: mx - 62, y: my + 93, when: "forward" }, lag: true, strip: { follow: true } });
    this.bind(group(L, "c-prev-highway", "label-probe bwd-only sent"), { dq: "dc_prev_highway",
      label: { ...lab(k0), when: "backward" }, lag: true });
    this.bind(group(L, "c-prev-total", "label-probe bwd-only sent"), { dq: "dc_prev",
      label: { ...lab(k0 + 1), when: "backward" }, lag: true,
      name: "the whole error sent to c(t−1): highway and peepholes" });
    cutMark(L, mx + 30, my + 74);
    if (hasF) {
      const kept = group(L, "c-kept", "wire-probe");
      wire(kept, [[mx + 10, my], [C.x - C.r - 1, my]]);
      this.bind(kept, { q: "c_prev_f", dq: "dc" });
      this.bind(mulNode(L, "mul-f", mx, my), { q: "c_prev_f", dq: "dc", name: "⊙ forgetting: c(t−1) ⊙ f" });
    }
    const cell = sumNode(L, "cell", C.x, C.y, C.r);
    cell.classList.add("cell");
    this.bind(cell, { q: "c", dq: "dc", label: { x: C.x + C.r + 8, y: C.y + 4 }, strip: { follow: true },
      name: "cell c(t) = z ⊙ i + c(t−1) ⊙ f (sum over all inputs)" });
    caption(L, C.x + C.r + 8, C.y - 10, "cell", { class: "caption unit-name" });
  }

  /** Block input z = g(z̄) below the cell, fed from below; with i it meets ⊙ i first. */
  _blockInput(L, s, hasI) {
    const [x, y] = P.z;
    const g = group(L, "z", "unit");
    this._inputStubs(g, "z", x, y, "block");
    const [mx, my] = P.muli;
    const out = group(g, "z-out", "wire-probe");
    wire(out, [[x, y - R], [x, hasI ? my + 10 : C.y + C.r + 1]]);
    this.bind(out, { q: "z", dq: "d_z" });
    const fnKey = s.input_activation ? "z-act" : "identity-g";
    const unit = s.input_activation ? actCircle(g, fnKey, x, y, "tanh", "g", R)
      : sumNode(g, fnKey, x, y, R);
    this.bind(unit, { q: "z", dq: "dz_bar", name: `block input z = ${s.input_activation ? "g(z̄), g = tanh" : "z̄ (identity)"}` });
    this._unitLabels(g, "z", x + R + 22, y + 2, s.input_activation ? "block input" : "block input (no g)");
    if (hasI) {
      const zi = group(L, "zi", "wire-probe");
      wire(zi, [[mx, my - 10], [C.x, C.y + C.r + 1]]);
      this.bind(zi, { q: "z_i", dq: "dc", label: { x: mx + 7, y: my - 22 } });
      this.bind(mulNode(L, "mul-i", mx, my), { q: "z_i", dq: "dc", name: "⊙ writing: z ⊙ i" });
    }
  }

  /** A gate unit (σ) with its own x(t) / y(t−1) inputs, its output wire to `to`. */
  _gate(L, u, name, { side, to }) {
    const [x, y] = P[u];
    const g = group(L, u, "unit");
    this._inputStubs(g, u, x, y, side);
    const out = group(g, `${u}-out`, "wire-probe");
    wire(out, to);
    this.bind(out, { q: u, dq: `d_${u}` });
    this.bind(actCircle(g, `${u}-act`, x, y, "sigmoid", null, R), { q: u, dq: `d${u}_bar`,
      name: `${name} ${u} = σ(${LSTM_VALUES[`${u}_bar`].sym}), gate activation` });
    if (side === "left") this._unitLabels(g, u, x, y + R + 18, name, "middle");
    else this._unitLabels(g, u, x + R + 8, y + 12, name, "start");
  }

  /** Two-line label: pre-activation and activation (with strip), plus the unit's name. */
  _unitLabels(g, u, x, y, name, anchor = "start") {
    const pre = group(g, `${u}-pre`, "label-probe");
    this.bind(pre, { q: `${u}_bar`, dq: `d${u}_bar`, label: { x, y, anchor } });
    const post = group(g, `${u}-val`, "label-probe");
    this.bind(post, { q: u, dq: `d_${u}`, label: { x, y: y + 15, anchor }, strip: { follow: true } });
    const [ux, uy] = P[u];
    if (u === "f") caption(g, ux, uy - R - 10, name, { class: "caption unit-name", "text-anchor": "middle" });
    else caption(g, x, y - 16, name, { class: "caption unit-name" });
  }

  /**
   * x(t) (solid, weighted) and y(t−1) (dotted, weighted, time lag) into unit u. The block
   * input's pair carries the value labels; the gates' pairs only say what they are. Backward,
   * each y(t−1) input carries the unit's share R_uᵀ δū of the error sent to y(t−1).
   */
  _inputStubs(g, u, x, y, side) {
    const labelled = side === "block";
    const o = 13; // how far apart the two inputs land on the circle
    const geo = {
      block: { xs: [[x - 44, y + 48], [x - o * 0.6, y + R - 2]], ys: [[x + 44, y + 48], [x + o * 0.6, y + R - 2]] },
      above: { xs: [[x - 24, y - 52], [x - 6, y - R + 1]], ys: [[x + 24, y - 52], [x + 6, y - R + 1]] },
      below: { xs: [[x - 24, y + 52], [x - 6, y + R - 1]], ys: [[x + 24, y + 52], [x + 6, y + R - 1]] },
      left: { xs: [[x - 56, y - 22], [x - R + 1, y - 6]], ys: [[x - 56, y + 22], [x - R + 1, y + 6]] },
    }[side];
    const xg = group(g, labelled ? "x" : null, "wire-probe");
    wire(xg, geo.xs, { style: "solid weighted" });
    const yg = group(g, labelled ? "y-prev" : `y-prev-${u}`, "wire-probe sent");
    wire(yg, geo.ys, { style: "lag weighted" });
    const [[xx, xy]] = geo.xs;
    const [[yx, yy]] = geo.ys;
    cutMark(g, yx, yy);
    if (labelled) {
      this.bind(xg, { q: "x", dq: "dx", label: { x: xx - 4, y: xy + 14, anchor: "end" },
        name: "input x(t) into every unit (weighted by W_z, W_i, W_f, W_o)" });
      this.bind(yg, { q: "y_prev", dq: "dy_prev_z", label: { x: yx + 4, y: yy + 14 }, strip: { follow: true },
        lag: true, name: "y(t−1) into every unit (recurrent, weighted by R_z, R_i, R_f, R_o)" });
      this.bind(group(g, "y-prev-total", "label-probe bwd-only sent"), { dq: "dy_prev",
        label: { x: yx + 4, y: yy + 30, when: "backward" }, lag: true,
        name: "the whole error sent to y(t−1): the four units' shares added" });
      return;
    }
    // Backward labels beside the outer end (left: stacked, the margin is narrow).
    const at = { above: { x: yx + 8, y: yy + 2 }, below: { x: yx + 8, y: yy + 8 },
      left: { x: yx - 16, y: yy + 22, anchor: "middle", stack: true } }[side];
    this.bind(xg, { q: "x", name: "input x(t) (weighted by W)" });
    this.bind(yg, { q: "y_prev", dq: `dy_prev_${u}`, label: { ...at, when: "backward" }, lag: true,
      name: `recurrent input y(t−1) (weighted by R_${u})` });
    // Stub names at the outer ends: beside them (left) or over/under them (above/below).
    const vert = side === "above" ? -6 : side === "below" ? 15 : 4;
    const xa = side === "left" ? "end" : "middle";
    const dx = side === "left" ? -4 : 0;
    caption(g, xx + dx, xy + vert, "x(t)", { "text-anchor": xa, class: "caption stub" });
    caption(g, yx + dx, yy + vert, "y(t−1)", { "text-anchor": xa, class: "caption stub fwd-only" });
  }

  /** CIFG: the forget gate is 1 − i, fed from the input gate. */
  _coupled(L) {
    const [x, y] = P.f;
    const g = group(L, "one-minus-f", "unit coupled");
    const link = group(g, "i-to-f", "wire-probe");
    // Round the bottom of the block: every shorter way crosses the block input or its labels.
    const bx = P.muli[0] + 30;
    wire(link, [[bx, P.i[1]], [bx, UNDER], [40, UNDER], [40, y], [x - 18, y]]);
    branchDot(link, bx, P.i[1]);
    this.bind(link, { q: "i", name: "input gate i, reused for the forget gate" });
    this.bind(oneMinusNode(g, "one-minus", x, y), { q: "f",
      name: "CIFG: forget gate f = 1 − i (no weights of its own; backward, its error is part of δi = δc ⊙ (z − c(t−1)))" });
    const out = group(g, "f-out", "wire-probe");
    wire(out, [[x + 17, y], [P.mulf[0] - 10, y]]);
    this.bind(out, { q: "f" });
    const val = group(g, "f-val", "label-probe");
    this.bind(val, { q: "f", label: { x, y: y - 22, anchor: "middle" }, strip: { follow: true } });
    caption(g, x, y - 40, "f = 1 − i", { class: "caption unit-name", "text-anchor": "middle" });
  }

  /**
   * Peepholes (blue, weighted by p): cell to i and f (c(t−1)), cell to o (c(t)). Backward,
   * p_i ⊙ δī and p_f ⊙ δf̄ go back to c(t−1); p_o ⊙ δō reaches c(t).
   */
  _peepholes(L, hasI, hasF, hasO) {
    const mk = (u, d, q, dq, label, text) => {
      const g = group(L, `peephole-${u}`, `peephole${u === "o" ? "" : " sent"}`);
      wire(g, [], { style: "peep weighted", d });
      this.bind(g, { q, dq, label: { ...label, when: "backward" }, name: text });
    };
    if (hasO) {
      mk("o", `M${C.x + 17},${C.y - 17} L${P.o[0] - 11},${P.o[1] + 11}`, "c", "dc_from_p_o", { x: 338, y: 176 },
        "peephole c(t) → output gate (weight p_o)");
    }
    if (hasI) {
      mk("i", `M${C.x + 21},${C.y + 12} L${P.i[0] - 14},${P.i[1] - 6}`, "c_prev", "dc_prev_p_i", { x: 336, y: 242 },
        "peephole c(t−1) → input gate (weight p_i)");
    }
    if (hasF) {
      mk("f", `M${C.x - 14},${C.y - 20} Q${C.x - 60},${C.y - 62} ${P.f[0] + 8},${P.f[1] - 13}`, "c_prev",
        "dc_prev_p_f", { x: 205, y: 170, anchor: "end" }, "peephole c(t−1) → forget gate (weight p_f)");
    }
  }

  /** c(t) rises through h, is multiplied by o and leaves at the top as y(t). */
  _output(L, s, hasO) {
    const [x] = P.h;
    const up = group(L, "c-to-h", "wire-probe");
    wire(up, [[x, C.y - C.r - 1], [x, s.output_activation ? P.h[1] + R : hasO ? P.mulo[1] + 10 : P.branch[1]]],
      { arrow: s.output_activation || hasO });
    this.bind(up, { q: "c", dq: "dc_from_y", name: "c(t) up to the output; backward: δy ⊙ o ⊙ h′(c) comes down" });
    if (s.output_activation) {
      this.bind(actCircle(L, "act-h", x, P.h[1], "tanh", "h", R), { q: "h_c", dq: "d_h",
        name: "output activation h = tanh" });
      const hw = group(L, "h-out", "wire-probe");
      wire(hw, [[x, P.h[1] - R], [x, hasO ? P.mulo[1] + 10 : P.branch[1]]], { arrow: hasO });
      this.bind(hw, { q: "h_c", dq: "d_h", label: { x: x - 7, y: P.h[1] - 26, anchor: "end" } });
    } else {
      const id = group(L, "identity-h", "identity");
      caption(id, x - 7, P.h[1] + 4, "identity (no h)", { "text-anchor": "end", class: "caption identity" });
    }
    if (hasO) this.bind(mulNode(L, "mul-o", x, P.mulo[1]), { q: "y", dq: "dy", name: "⊙ output: y = h(c) ⊙ o" });
    const y = group(L, "y", "wire-probe");
    wire(y, [[x, hasO ? P.mulo[1] - 10 : P.mulo[1]], [x, P.branch[1]]], { arrow: false });
    this.bind(y, { q: "y", dq: "dy", label: { x: x + 8, y: P.branch[1] + 22 }, strip: { follow: true },
      name: "block output y(t)" });
    const top = group(L, "y-next", "wire-probe");
    wire(top, [[x, P.branch[1]], [x, 8]]);
    branchDot(top, x, P.branch[1]);
    this.bind(top, { q: null, dq: "dy_from_next", label: { x: x - 8, y: 15, anchor: "end" }, lag: true,
      name: "y(t) → step t+1, where it is y(t−1)" });
    caption(L, x + 8, 14, "y(t) → t+1", { class: "caption end-label fwd-only" });
  }

  /** Readout at the top left: v = V y + b_V → ŷ. */
  _readout(L) {
    if (this.stack.below) return this._toAbove(L);
    const [bx, by] = P.branch;
    const tap = group(L, "readout-in", "wire-probe");
    wire(tap, [[bx, by], [P.v[0] + 16, by]], { style: "solid weighted" });
    this.bind(tap, { q: "y", dq: "dy_readout", label: { x: bx - 8, y: by + 28, anchor: "end", when: "backward" } });
    this.bind(actBox(L, "readout-v", P.v[0], by, "V", { w: 30, h: 22, kind: "readout" }), { q: "v", dq: "dv",
      name: "readout v = V y + b_V" });
    const vw = group(L, "v", "wire-probe");
    wire(vw, [[P.v[0] - 15, by], [P.yhat[0] + 13, by]]);
    this.bind(vw, { q: "v", dq: "dv", label: { x: (P.v[0] + P.yhat[0]) / 2 - 4, y: by - 17, anchor: "middle" } });
    this.bind(letterNode(L, "y-hat", P.yhat[0], by, "ŷ"), { q: "y_hat", label: { x: P.yhat[0], y: by + 30, anchor: "middle" },
      name: "prediction ŷ(t)" });
    this.bind(group(L, "target", "target"), { q: "target", label: { x: P.yhat[0], y: by + 45, anchor: "middle" } });
  }
  /** Below the top of a stack: y(t) goes to the next layer as its x(t); its δx comes back. */
  _toAbove(L) {
    const [bx, by] = P.branch;
    const up = this.stack.layer + 1;
    const g = group(L, "to-above", "wire-probe");
    wire(g, [[bx, by], [P.yhat[0] + 31, by]]);
    this.bind(g, { q: "y", dq: "dy_from_above", label: { x: (bx + P.yhat[0]) / 2 + 16, y: by - 12, anchor: "middle", when: "backward" },
      name: `y(t) → layer ${up}, where it is x(t); backward: the δ layer ${up} hands down` });
    actBox(L, "layer-above", P.yhat[0], by, `layer ${up}`, { w: 60, h: 22, kind: "readout" });
    caption(L, P.yhat[0], by + 28, "its input x(t)", { "text-anchor": "middle", class: "caption fwd-only" });
  }


  /**
   * FGR: i, f, o of step t−1 feed every gate (nine matrices R_ab). Drawn as one dotted ring
   * round the block, entering each gate between its x(t) and y(t−1) inputs.
   */
  _fgr(L) {
    const { top, right, bottom, left } = FGR;
    const ring = group(L, "fgr", "fgr");
    wire(ring, [[P.o[0], top], [right, top], [right, bottom], [left, bottom], [left, P.f[1]]],
      { style: "lag fgr", arrow: false });
    const stub = (u, pts) => wire(group(ring, `fgr-${u}`, "fgr-stub"), pts, { style: "lag fgr" });
    stub("o", [[P.o[0], top], [P.o[0], P.o[1] - R - 1]]);
    stub("i", [[P.i[0], bottom], [P.i[0], P.i[1] + R + 1]]);
    stub("f", [[left, P.f[1]], [P.f[0] - R - 1, P.f[1]]]);
    branchDot(ring, P.i[0], bottom);
    ["i", "f", "o"].forEach((u, k) => {
      const tag = group(L, `${u}-prev`, "label-probe sent");
      this.bind(tag, { q: `${u}_prev`, dq: `d_${u}_prev`, label: { x: right - 6, y: 161 + 15 * k, anchor: "end" },
        lag: true, name: `${u}(t−1): gate ${u} of step t−1, into every gate (FGR)` });
      const next = group(L, `${u}-from-next`, "label-probe bwd-only");
      this.bind(next, { dq: `d_${u}_from_next`, label: { x: right - 6, y: 224 + 15 * k, anchor: "end", when: "backward" },
        lag: true, name: `FGR: the error gate ${u}(t) receives from the gates of step t+1` });
    });
    caption(L, right - 6, 146, "gates at t−1", { "text-anchor": "end", class: "caption end-label fwd-only" });
    caption(L, right - 6, 146, "to the gates of t−1", { "text-anchor": "end", class: "caption end-label bwd-only" });
    caption(L, right - 6, 209, "from the gates of t+1", { "text-anchor": "end", class: "caption end-label bwd-only" });
    el("title", {}, ring).textContent = "full gate recurrence: i, f, o of step t−1 into every gate";
  }
}
