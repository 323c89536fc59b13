// The "electronic circuit type" LSTM diagram of the article: the cell highway runs across the
// top from c(t−1) to c(t) through ⊙ f (forgetting) and + (the on-ramp where z ⊙ i joins);
// x(t) and y(t−1) enter at the bottom and fan out to the four units; c(t) branches down through
// h and ⊙ o to y(t), which leaves right to the readout and loops back as the next step's input.

import { DiagramBase } from "./diagram_base.js";
import { LSTM_VALUES, LSTM_DELTAS } from "./diagram_notation.js";
import { group, wire, branchDot, mulNode, sumNode, sigmaNode, actBox, oneMinusNode, letterNode,
  caption } from "./svg_kit.js";

// Grid (viewBox units ≈ px at 600 px wide). Columns: forget, input, block input, output, readout.
const W = 640;
const H = 492;
const HW = 84; // highway
const X = { f: 165, i: 255, z: 350, o: 446, mulzi: 302, read: 560, loop: 632, peep: 100 };
const Y = { mid: 196, hbox: 138, act: 318, sum: 374, fgr: 404, xbus: 422, ybus: 446, loop: 472 };
const CIFG_Y = 215; // the "1 −" node on the forget column
const PEEP_I_Y = 250; // where c(t−1)'s peephole to i turns right

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
    // Back to front: peepholes and buses first so units and nodes sit on top of them.
    this._inputs(L, s, hasI, hasF, hasO);
    if (s.peepholes) this._peepholes(L, hasI, hasF, hasO);
    this._highway(L, s, hasI);
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

  /** Highway: c(t−1) → ⊙ f → + → c(t) → t+1, with the on-ramp bringing z ⊙ i up to the +. */
  _highway(L, s, hasI) {
    const hasF = s.forget_gate;
    const xSum = X.mulzi;
    const left = group(L, "c-prev", "wire-probe highway");
    wire(left, [[14, HW], [hasF ? X.f - 10 : xSum - 10, HW]]);
    this.bind(left, { q: "c_prev", dq: hasF ? "dc_hw" : "dc", label: { x: 16, y: HW - 10 },
      strip: { x: 16, y: HW + 9 }, name: "cell state c(t−1), arriving on the highway" });
    if (hasF) {
      const kept = group(L, "c-kept", "wire-probe highway");
      wire(kept, [[X.f + 10, HW], [xSum - 10, HW]]);
      this.bind(kept, { q: "cf", dq: "dc", label: { x: X.f + 16, y: HW - 10 } });
      this.bind(mulNode(L, "mul-f", X.f, HW), { q: "cf", dq: "dc",
        name: "⊙ forgetting: c(t−1) ⊙ f" });
    }
    // The on-ramp: z ⊙ i rises into the +.
    if (hasI) {
      const ramp = group(L, "zi", "wire-probe");
      wire(ramp, [[xSum, Y.mid - 10], [xSum, HW + 10]]);
      this.bind(ramp, { q: "zi", dq: "dc", label: { x: xSum + 6, y: 150 } });
      this.bind(mulNode(L, "mul-i", xSum, Y.mid), { q: "zi", dq: "dc", name: "⊙ writing: z ⊙ i" });
    }
    const cOut = group(L, "c", "wire-probe highway");
    wire(cOut, [[xSum + 10, HW], [X.o + 34, HW]], { arrow: false });
    this.bind(cOut, { q: "c", dq: "dc", label: { x: xSum + 16, y: HW - 10 },
      strip: { x: xSum + 16, y: HW + 9 }, name: "cell state c(t)" });
    const next = group(L, "c-next", "wire-probe highway");
    wire(next, [[X.o + 34, HW], [W - 8, HW]]);
    this.bind(next, { q: null, dq: "dc_from_next", label: { x: W - 10, y: HW - 10, anchor: "end" },
      name: "c(t) handed to step t+1 (highway)" });
    caption(L, W - 10, HW + 20, "to t+1", { "text-anchor": "end", class: "caption end-label" });
    caption(L, 14, HW - 30, "from t−1", { class: "caption end-label" });
    this.bind(sumNode(L, "sum-c", xSum, HW), { q: "c", dq: "dc",
      name: "+ on-ramp: c = z ⊙ i + c(t−1) ⊙ f" });
  }

  /** x(t) and y(t−1) buses at the bottom; each unit taps both with a weighted connection. */
  _inputs(L, s, hasI, hasF, hasO) {
    const units = ["z", hasI && "i", hasF && "f", hasO && "o"].filter(Boolean);
    const xs = units.map((u) => X[u]);
    const right = Math.max(...xs) + 8;
    const xg = group(L, "x", "wire-probe bus");
    wire(xg, [[14, Y.xbus], [right, Y.xbus]], { arrow: false });
    const yg = group(L, "y-prev", "wire-probe bus");
    wire(yg, [[14, Y.ybus], [right, Y.ybus]], { arrow: false });
    for (const u of units) {
      wire(xg, [[X[u] - 8, Y.xbus], [X[u] - 8, Y.sum + 8]]);
      branchDot(xg, X[u] - 8, Y.xbus);
      wire(yg, [[X[u] + 8, Y.ybus], [X[u] + 8, Y.sum + 8]]);
      branchDot(yg, X[u] + 8, Y.ybus);
    }
    this.bind(xg, { q: "x", dq: "dx", label: { x: 16, y: Y.xbus - 6 },
      name: "input x(t): feeds every unit through W_z, W_i, W_f, W_o" });
    this.bind(yg, { q: "y_prev", dq: null, label: { x: 16, y: Y.ybus - 6 },
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
    this.bind(link, { q: "i", dq: "d_f", name: "input gate i, reused for the forget gate" });
    this.bind(oneMinusNode(g, "one-minus", X.f, CIFG_Y), { q: "f", dq: "d_f",
      name: "CIFG: forget gate f = 1 − i (no weights of its own)" });
    const out = group(g, "f-out", "wire-probe");
    wire(out, [[X.f, CIFG_Y - 11], [X.f, HW + 10]]);
    this.bind(out, { q: "f", dq: "d_f", label: { x: X.f + 6, y: 160 }, strip: { x: X.f + 6, y: 165 } });
    caption(g, X.f + 6, 146, "f = 1 − i", { class: "caption unit-name" });
  }

  /** Peepholes (blue): c(t−1) into i and f, c(t) into o; weighted by p_i, p_f, p_o. */
  _peepholes(L, hasI, hasF, hasO) {
    const cIn = (u) => [X[u] - 11, Y.sum];
    if (hasF) {
      const g = group(L, "peephole-f", "peephole");
      wire(g, [[X.peep, HW], [X.peep, Y.sum], cIn("f")], { style: "peep" });
      branchDot(g, X.peep, HW);
      this.bind(g, { q: "c_prev", name: "peephole c(t−1) → forget gate (weight p_f)" });
    }
    if (hasI) {
      const g = group(L, "peephole-i", "peephole");
      const x2 = X.i - 24;
      wire(g, [[X.peep, HW], [X.peep, PEEP_I_Y], [x2, PEEP_I_Y], [x2, Y.sum], cIn("i")], { style: "peep" });
      branchDot(g, X.peep, HW);
      if (hasF) branchDot(g, X.peep, PEEP_I_Y);
      this.bind(g, { q: "c_prev", name: "peephole c(t−1) → input gate (weight p_i)" });
    }
    if (hasO) {
      const g = group(L, "peephole-o", "peephole");
      const x1 = X.o - 30;
      wire(g, [[x1, HW], [x1, Y.sum], cIn("o")], { style: "peep" });
      branchDot(g, x1, HW);
      this.bind(g, { q: "c", name: "peephole c(t) → output gate (weight p_o)" });
    }
  }

  /** c(t) branches down through h, is multiplied by o, and leaves as y(t). */
  _output(L, s, hasO) {
    const x = X.o;
    const down = group(L, "c-to-h", "wire-probe");
    wire(down, [[x, HW], [x, s.output_activation ? Y.hbox - 12 : Y.mid - 10]]);
    branchDot(down, x, HW);
    this.bind(down, { q: "c", dq: "d_c_out", name: "c(t), branching off the highway to the output" });
    if (s.output_activation) {
      this.bind(actBox(L, "act-h", x, Y.hbox, "tanh", { kind: "squash" }), { q: "hc", dq: "d_hc",
        name: "output activation h = tanh" });
      const hw = group(L, "h-out", "wire-probe");
      wire(hw, [[x, Y.hbox + 12], [x, hasO ? Y.mid - 10 : Y.mid]], { arrow: hasO });
      this.bind(hw, { q: "hc", dq: "d_hc", label: { x: x + 6, y: Y.hbox + 34 } });
      caption(L, x + 25, Y.hbox + 4, "h", { class: "caption fn-letter" });
    } else {
      const id = group(L, "identity-h", "identity");
      caption(id, x + 6, Y.hbox + 4, "identity (no h)", { class: "caption identity" });
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
      lag: true, name: "y(t) → step t+1, where it is y(t−1) (time lag)" });
    caption(L, W / 2, Y.loop + 16, "y(t) comes back as y(t−1) at step t+1 (dotted: time lag)",
      { "text-anchor": "middle", class: "caption end-label" });
  }

  /** Readout: v = V y + b_V, ŷ = v (MSE) or softmax(v); kept above the output gate's labels. */
  _readout(L) {
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

  /**
   * FGR: every gate also gets i(t−1), f(t−1), o(t−1) (dotted: time lag) through the nine R_ab.
   * One dotted bus under the units, fed from the right where the three values are tagged.
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
      this.bind(src, { q: `${u}_prev`, label: { x: xr, y: Y.fgr - 38 + 13 * k, anchor: "end" }, lag: true,
        name: `${u}(t−1): gate ${u} of the previous step, into every gate (FGR, R_${u}i R_${u}f R_${u}o)` });
    });
  }
}
