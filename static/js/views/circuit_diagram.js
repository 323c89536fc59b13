// The "electronic circuit type" LSTM diagram of the article: the cell highway runs across the
// top from c(t−1) to c(t) through ⊙ f (forgetting) and + (the on-ramp where z ⊙ i joins);
// x(t) and y(t−1) enter at the bottom and fan out to the four units; c(t) branches down through
// h and ⊙ o to y(t), which leaves right to the readout and loops back as the next step's input.
// Backward, the errors arrive from the right (readout, t+1) and leave on the left for t−1:
// along the highway, through the peepholes, and over y(t−1) from each unit.

import { DiagramBase } from "./diagram_base.js";
import { LSTM_VALUES, LSTM_DELTAS } from "./diagram_notation.js";
import { group, wire, branchDot, mulNode, sumNode, sigmaNode, actBox, oneMinusNode, letterNode,
  caption, cutMark } from "./svg_kit.js";

// Grid (viewBox units ≈ px at 640 px wide). Columns: forget, input, block input, output, readout.
const W = 640;
const H = 514;
const HW = 84; // highway
const X = { f: 165, i: 255, z: 350, o: 446, mulzi: 302, read: 560, loop: 632, peep: 100, next: 606 };
const Y = { mid: 196, hbox: 138, act: 318, sum: 374, fgr: 404, xbus: 422, ybus: 446, loop: 492 };
const CIFG_Y = 215; // the "1 −" node on the forget column
const PEEP_I_Y = 250; // where c(t−1)'s peephole to i turns right
const NEXT_Y = HW + 36; // the peepholes of t+1, handing their errors back to c(t)

export class CircuitDiagram extends DiagramBase {
  constructor(container, opts = {}) {
    super(container, opts, { name: "circuit", title: "Electronic circuit type",
      viewBox: [W, H], values: LSTM_VALUES, deltas: LSTM_DELTAS });
  }

  _draw(s) {
    const L = this.layer;
    const hasI = s.input_gate;
    const hasF = s.forget_gate && !s.coupled;
    const hasO = s.output_gate;
    const peep = { i: s.peepholes && hasI, f: s.peepholes && hasF, o: s.peepholes && hasO };
    // Back to front: peepholes and buses first so units and nodes sit on top of them.
    this._inputs(L, hasI, hasF, hasO);
    this._peepholes(L, peep);
    this._highway(L, s, hasI, peep);
    if (hasF) this._unit(L, "f", { act: "σ", caption: "forget gate", to: [[X.f, HW + 10]] });
    if (s.coupled) this._coupled(L);
    if (hasI) {
      this._unit(L, "i", { act: "σ", caption: "input gate", to: [[X.i, Y.mid], [X.mulzi - 10, Y.mid]] });
    }
    const zTo = hasI ? [[X.z, Y.mid], [X.mulzi + 10, Y.mid]] : [[X.z, Y.mid], [X.mulzi, Y.mid], [X.mulzi, HW + 10]];
    this._unit(L, "z", { act: s.input_activation ? "tanh" : null, letter: "g", caption: "block input",
      to: zTo, noIn: !hasI });
    if (hasO) this._unit(L, "o", { act: "σ", caption: "output gate", to: [[X.o, Y.mid + 10]] });
    this._output(L, s, hasO);
    this._readout(L);
    if (s.gate_recurrence) this._fgr(L, hasI, hasF, hasO);
  }

  /**
   * Highway: c(t−1) → ⊙ f → + → c(t) → t+1, with the on-ramp bringing z ⊙ i up to the +.
   * Backward, the part left of the peepholes' branch point carries the whole error sent to
   * c(t−1): the highway's δc ⊙ f plus what comes up the peepholes.
   */
  _highway(L, s, hasI, peep) {
    const hasF = s.forget_gate;
    const xSum = X.mulzi;
    const end = hasF ? X.f - 10 : xSum - 10;
    const branch = peep.i || peep.f;
    const left = group(L, "c-prev", "wire-probe highway sent");
    wire(left, [[14, HW], [branch ? X.peep : end, HW]], { arrow: branch ? "bwd" : true });
    this.bind(left, { q: "c_prev", dq: "dc_prev", label: { x: 16, y: HW - 10 },
      strip: { x: 16, y: HW + 9 }, name: "cell state c(t−1), arriving on the highway" });
    // Right of the branch point only the highway's own δc ⊙ f (without peepholes: all of it).
    const hw = group(L, "c-prev-highway", `${branch ? "wire-probe" : "label-probe"} highway sent`);
    if (branch) wire(hw, [[X.peep, HW], [end, HW]]);
    this.bind(hw, { q: "c_prev", dq: "dc_prev_highway", label: { x: X.peep + 8, y: HW - 26, when: "backward" },
      name: "c(t−1) on the highway, before the forget gate" });
    cutMark(L, 24, HW);
    caption(L, 14, HW - 30, "from t−1", { class: "caption end-label fwd-only" });
    caption(L, 14, HW - 30, "to t−1", { class: "caption end-label bwd-only" });
    if (hasF) {
      const kept = group(L, "c-kept", "wire-probe highway");
      wire(kept, [[X.f + 10, HW], [xSum - 10, HW]]);
      this.bind(kept, { q: "c_prev_f", dq: "dc", label: { x: X.f + 16, y: HW - 10, when: "forward" } });
      this.bind(mulNode(L, "mul-f", X.f, HW), { q: "c_prev_f", dq: "dc",
        name: "⊙ forgetting: c(t−1) ⊙ f" });
    }
    // The on-ramp: z ⊙ i rises into the +.
    if (hasI) {
      const ramp = group(L, "zi", "wire-probe");
      wire(ramp, [[xSum, Y.mid - 10], [xSum, HW + 10]]);
      this.bind(ramp, { q: "z_i", dq: "dc", label: { x: xSum + 6, y: 150, when: "forward" } });
      this.bind(mulNode(L, "mul-i", xSum, Y.mid), { q: "z_i", dq: "dc", name: "⊙ writing: z ⊙ i" });
    }
    const cOut = group(L, "c", "wire-probe highway");
    wire(cOut, [[xSum + 10, HW], [X.o + 34, HW]], { arrow: false });
    this.bind(cOut, { q: "c", dq: "dc", label: { x: xSum + 16, y: HW - 10 },
      strip: { x: xSum + 16, y: HW + 9 }, name: "cell state c(t)" });
    const next = group(L, "c-next", "wire-probe highway");
    wire(next, [[X.o + 34, HW], [W - 8, HW]]);
    this.bind(next, { q: null, dq: "dc_from_next", label: { x: W - 10, y: HW - 10, anchor: "end" },
      name: "c(t) handed to step t+1 (highway); backward: δc(t+1) ⊙ f(t+1) arrives here" });
    caption(L, W - 10, HW + 20, "to t+1", { "text-anchor": "end", class: "caption end-label fwd-only" });
    this.bind(sumNode(L, "sum-c", xSum, HW), { q: "c", dq: "dc",
      name: "+ on-ramp: c = z ⊙ i + c(t−1) ⊙ f" });
    if (peep.i || peep.f) this._peepholesNext(L, peep);
  }

  /** Backward: the peepholes of step t+1 hand p ⊙ δ(t+1) back to c(t) (blue, from the right). */
  _peepholesNext(L, peep) {
    const g = group(L, "peephole-next", "peephole bwd-only");
    wire(g, [[X.next, HW], [X.next, NEXT_Y], [W - 8, NEXT_Y]], { style: "peep" });
    branchDot(g, X.next, HW);
    this.bind(g, { dq: peep.i ? "dc_from_p_i_next" : "dc_from_p_f_next",
      name: "c(t) into the peepholes of step t+1; backward: their errors come back to c(t)" });
    ["i", "f"].filter((u) => peep[u]).forEach((u, k) => {
      this.bind(group(L, `p-${u}-next`, "label-probe bwd-only"), { dq: `dc_from_p_${u}_next`,
        label: { x: W - 10, y: NEXT_Y + 18 + 18 * k, anchor: "end", when: "backward" } });
    });
  }

  /**
   * x(t) and y(t−1) buses at the bottom; each unit taps both with a weighted connection.
   * Backward, each y(t−1) tap carries that unit's share R_*ᵀ δ*̄ of the error sent to y(t−1).
   */
  _inputs(L, hasI, hasF, hasO) {
    const units = ["z", hasI && "i", hasF && "f", hasO && "o"].filter(Boolean);
    const xs = units.map((u) => X[u]);
    const right = Math.max(...xs) + 8;
    const xg = group(L, "x", "wire-probe bus");
    wire(xg, [[14, Y.xbus], [right, Y.xbus]], { arrow: false });
    const yg = group(L, "y-prev", "wire-probe bus sent");
    wire(yg, [[14, Y.ybus], [right, Y.ybus]], { arrow: "bwd" });
    for (const u of units) {
      wire(xg, [[X[u] - 8, Y.xbus], [X[u] - 8, Y.sum + 8]]);
      branchDot(xg, X[u] - 8, Y.xbus);
      const tap = group(L, `y-prev-${u}`, "wire-probe sent");
      wire(tap, [[X[u] + 8, Y.ybus], [X[u] + 8, Y.sum + 8]]);
      branchDot(tap, X[u] + 8, Y.ybus);
      this.bind(tap, { q: "y_prev", dq: `dy_prev_${u}`,
        label: { x: X[u] + 8, y: Y.ybus + 16, anchor: "middle", stack: true, when: "backward" },
        name: `y(t−1) into the ${u === "z" ? "block input" : `gate ${u}`} (weights R_${u})` });
    }
    cutMark(L, 24, Y.ybus);
    this.bind(xg, { q: "x", dq: "dx", label: { x: 16, y: Y.xbus - 6 },
      name: "input x(t): feeds every unit through W_z, W_i, W_f, W_o" });
    this.bind(yg, { q: "y_prev", dq: "dy_prev", label: { x: 16, y: Y.ybus - 6 },
      strip: { follow: true },
      name: "y(t−1): the previous output, fed back through R_z, R_i, R_f, R_o" });
  }

  /**
   * One unit: Σ (weighted sum = pre-activation) → activation box → output wire to `to`.
   * With no activation (NIAF) the box becomes a plain wire labelled "identity".
   */
  _unit(L, u, { act, letter, caption: cap, to }) {
    const x = X[u];
    const g = group(L, u, "unit");
    const pre = group(g, `${u}-pre`, "wire-probe");
    wire(pre, [[x, Y.sum - 11], [x, act ? Y.act + 12 : Y.act - 12]], { arrow: Boolean(act) });
    this.bind(pre, { q: `${u}_bar`, dq: `d${u}_bar`, label: { x: x + 6, y: Y.sum - 20 } });
    this.bind(sigmaNode(g, `${u}-sum`, x, Y.sum), { q: `${u}_bar`, dq: `d${u}_bar`,
      name: `Σ weighted sum of the ${cap}: ${LSTM_VALUES[`${u}_bar`].sym}` });
    if (act) {
      const box = actBox(g, `${u}-act`, x, Y.act, act, { w: act === "σ" ? 30 : 40,
        kind: act === "σ" ? "gate" : "squash" });
      this.bind(box, { q: u, dq: `d${u}_bar`, name: `${act === "σ" ? "gate activation σ" :
        `${letter} = tanh`} of the ${cap}` });
    } else {
      const id = group(g, `identity-${letter}`, "identity");
      caption(id, x - 5, Y.act + 4, "identity", { "text-anchor": "end", class: "caption identity" });
    }
    const out = group(g, `${u}-out`, "wire-probe");
    wire(out, [[x, Y.act - 12], ...to]);
    this.bind(out, { q: u, dq: `d_${u}`, label: { x: x + 6, y: 286 }, strip: { x: x + 6, y: 291 } });
    caption(g, x + 6, 272, cap, { class: "caption unit-name" });
  }

  /** CIFG: no forget-gate unit; f = 1 − i is computed from the input gate's output. */
  _coupled(L) {
    const g = group(L, "one-minus-f", "unit coupled");
    const link = group(g, "i-to-f", "wire-probe");
    wire(link, [[X.i, CIFG_Y], [X.f + 17, CIFG_Y]]);
    branchDot(link, X.i, CIFG_Y);
    this.bind(link, { q: "i", name: "input gate i, reused for the forget gate" });
    this.bind(oneMinusNode(g, "one-minus", X.f, CIFG_Y), { q: "f",
      name: "CIFG: forget gate f = 1 − i (no weights of its own; backward, its error is part of δi = δc ⊙ (z − c(t−1)))" });
    const out = group(g, "f-out", "wire-probe");
    wire(out, [[X.f, CIFG_Y - 11], [X.f, HW + 10]]);
    this.bind(out, { q: "f", label: { x: X.f + 6, y: 160 }, strip: { x: X.f + 6, y: 165 } });
    caption(g, X.f + 6, 146, "f = 1 − i", { class: "caption unit-name" });
  }

  /**
   * Peepholes (blue): c(t−1) into i and f, c(t) into o; weighted by p_i, p_f, p_o. Backward,
   * p_i ⊙ δī and p_f ⊙ δf̄ climb back to c(t−1); p_o ⊙ δō reaches c(t).
   */
  _peepholes(L, peep) {
    const cIn = (u) => [X[u] - 11, Y.sum];
    if (peep.f) {
      const g = group(L, "peephole-f", "peephole sent");
      wire(g, [[X.peep, HW], [X.peep, Y.sum], cIn("f")], { style: "peep" });
      branchDot(g, X.peep, HW);
      this.bind(g, { q: "c_prev", dq: "dc_prev_p_f",
        label: { x: X.peep - 5, y: Y.sum - 36, anchor: "end", stack: true, when: "backward" },
        name: "peephole c(t−1) → forget gate (weight p_f)" });
    }
    if (peep.i) {
      const g = group(L, "peephole-i", "peephole sent");
      const x2 = X.i - 24;
      wire(g, [[X.peep, HW], [X.peep, PEEP_I_Y], [x2, PEEP_I_Y], [x2, Y.sum], cIn("i")], { style: "peep" });
      branchDot(g, X.peep, HW);
      if (peep.f) branchDot(g, X.peep, PEEP_I_Y);
      this.bind(g, { q: "c_prev", dq: "dc_prev_p_i",
        label: { x: X.peep + 8, y: PEEP_I_Y - 6, when: "backward" },
        name: "peephole c(t−1) → input gate (weight p_i)" });
    }
    if (peep.o) {
      const g = group(L, "peephole-o", "peephole");
      const x1 = X.o - 30;
      wire(g, [[x1, HW], [x1, Y.sum], cIn("o")], { style: "peep" });
      branchDot(g, x1, HW);
      this.bind(g, { q: "c", dq: "dc_from_p_o",
        label: { x: x1 - 5, y: 226, anchor: "end", stack: true, when: "backward" },
        name: "peephole c(t) → output gate (weight p_o)" });
    }
  }

  /** c(t) branches down through h, is multiplied by o, and leaves as y(t). */
  _output(L, s, hasO) {
    const x = X.o;
    const down = group(L, "c-to-h", "wire-probe");
    wire(down, [[x, HW], [x, s.output_activation ? Y.hbox - 12 : hasO ? Y.mid - 10 : Y.mid]], { arrow: s.output_activation || hasO });
    branchDot(down, x, HW);
    this.bind(down, { q: "c", dq: "dc_from_y", label: { x: x + 6, y: HW + 26, when: "backward" },
      name: "c(t), branching off the highway to the output" });
    if (s.output_activation) {
      this.bind(actBox(L, "act-h", x, Y.hbox, "tanh", { kind: "squash" }), { q: "h_c", dq: "d_h",
        name: "output activation h = tanh" });
      const hw = group(L, "h-out", "wire-probe");
      wire(hw, [[x, Y.hbox + 12], [x, hasO ? Y.mid - 10 : Y.mid]], { arrow: hasO });
      this.bind(hw, { q: "h_c", dq: "d_h", label: { x: x + 6, y: Y.hbox + 34 } });
      caption(L, x + 25, Y.hbox + 4, "h", { class: "caption fn-letter" });
    } else {
      const id = group(L, "identity-h", "identity");
      caption(id, x - 6, HW + 36, "identity (no h)", { "text-anchor": "end", class: "caption identity" });
    }
    if (hasO) {
      this.bind(mulNode(L, "mul-o", x, Y.mid), { q: "y", dq: "dy", name: "⊙ output: y = h(c) ⊙ o" });
    }
    const y = group(L, "y", "wire-probe");
    wire(y, [[hasO ? x + 10 : x, Y.mid], [X.read, Y.mid]], { arrow: false });
    this.bind(y, { q: "y", dq: "dy", label: { x: x + 16, y: Y.mid - 8 },
      strip: { follow: true }, name: "block output y(t)" });
    // y(t) loops back (time lag) to become the next step's y(t−1).
    const loop = group(L, "y-loop", "wire-probe");
    wire(loop, [[X.read, Y.mid], [X.loop, Y.mid], [X.loop, Y.loop], [6, Y.loop], [6, Y.ybus],
      [14, Y.ybus]], { style: "lag" });
    branchDot(loop, X.read, Y.mid);
    this.bind(loop, { q: null, dq: "dy_from_next", label: { x: X.loop - 6, y: Y.loop - 8, anchor: "end" },
      lag: true, name: "y(t) → step t+1, where it is y(t−1) (time lag); backward: δy from t+1" });
    caption(L, W / 2, Y.loop + 16, "y(t) comes back as y(t−1) at step t+1 (dotted: time lag)",
      { "text-anchor": "middle", class: "caption end-label fwd-only" });
    caption(L, W / 2, Y.loop + 16, "errors from t+1 arrive on the right; what step t sends to t−1 leaves on the left",
      { "text-anchor": "middle", class: "caption end-label bwd-only" });
  }

  /** Readout: v = V y + b_V, ŷ = v (MSE) or softmax(v); kept above the output gate's labels. */
  _readout(L) {
    if (this.stack.below) return this._toAbove(L);
    const x = X.read;
    const tap = group(L, "readout-in", "wire-probe");
    wire(tap, [[x, Y.mid], [x, 209]]);
    this.bind(tap, { q: "y", dq: "dy_readout", label: { x: x - 20, y: 224, anchor: "end", when: "backward" },
      name: "y(t) into the readout (weighted by V)" });
    const box = actBox(L, "readout-v", x, 220, "V", { w: 30, h: 22, kind: "readout" });
    this.bind(box, { q: "v", dq: "dv", name: "readout v = V y + b_V" });
    const vw = group(L, "v", "wire-probe");
    wire(vw, [[x, 231], [x, 270]]);
    this.bind(vw, { q: "v", dq: "dv", label: { x: x - 6, y: 254, anchor: "end" } });
    this.bind(letterNode(L, "y-hat", x, 282, "ŷ"), { q: "y_hat", dq: null,
      label: { x, y: 311, anchor: "middle" }, name: "prediction ŷ(t)" });
    const target = group(L, "target", "target");
    this.bind(target, { q: "target", label: { x, y: 326, anchor: "middle" } });
  }

  /** Below the top of a stack: y(t) goes up as the next layer's x(t); its δx comes back down. */
  _toAbove(L) {
    const x = X.read;
    const up = this.stack.layer + 1;
    const g = group(L, "to-above", "wire-probe");
    wire(g, [[x, Y.mid], [x, 262]]);
    this.bind(g, { q: "y", dq: "dy_from_above", label: { x, y: 306, anchor: "middle", when: "backward" },
      name: `y(t) → layer ${up}, where it is x(t); backward: the δ layer ${up} hands down` });
    actBox(L, "layer-above", x, 276, `layer ${up}`, { w: 66, h: 24, kind: "readout" });
    caption(L, x, 304, "its input x(t)", { "text-anchor": "middle", class: "caption fwd-only" });
  }

  /**
   * FGR: every gate also gets i(t−1), f(t−1), o(t−1) (dotted: time lag) through the nine R_ab.
   * One dotted bus under the units, fed from the right where the three values are tagged;
   * backward, the tags show what goes back to the gates of t−1, and the errors from the gates
   * of t+1 are listed at the top right.
   */
  _fgr(L, hasI, hasF, hasO) {
    const gates = ["i", "f", "o"].filter((u, k) => [hasI, hasF, hasO][k]);
    const bus = group(L, "fgr", "fgr");
    const xr = X.loop - 8;
    wire(bus, [[xr, Y.fgr], [X.f + 18, Y.fgr]], { style: "lag fgr", arrow: false });
    for (const u of gates) {
      const g = group(bus, `fgr-${u}`, "fgr-stub");
      wire(g, [[X[u] + 18, Y.fgr], [X[u] + 18, Y.sum], [X[u] + 11, Y.sum]], { style: "lag fgr" });
      branchDot(g, X[u] + 18, Y.fgr);
    }
    ["i", "f", "o"].forEach((u, k) => {
      const src = group(L, `${u}-prev`, "label-probe");
      this.bind(src, { q: `${u}_prev`, dq: `d_${u}_prev`,
        label: { x: xr, y: Y.fgr - 38 + 13 * k, anchor: "end" }, lag: true,
        name: `${u}(t−1): gate ${u} of the previous step, into every gate (FGR, R_${u}i R_${u}f R_${u}o)` });
      const next = group(L, `${u}-from-next`, "label-probe bwd-only");
      this.bind(next, { dq: `d_${u}_from_next`, label: { x: W - 10, y: 30 + 14 * k, anchor: "end", when: "backward" },
        lag: true, name: `FGR: the error gate ${u}(t) receives from the gates of step t+1` });
    });
    caption(L, W - 10, 14, "from the gates of t+1 (FGR)", { "text-anchor": "end", class: "caption end-label bwd-only" });
  }
}
