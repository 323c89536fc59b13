// The equations of the current cell, variant and direction as rows of TeX, each with a
// numeric twin whose slots (@name, or @@name: parenthesised when negative) are filled with
// the selected unit's live numbers. Forward: Greff et al. (2017); backward: docs/NOTATION.md.
// A slot is named after the frame key (or parameter) it shows: every term of every sum is a
// number the engine sent (docs/NOTATION.md, "Frame terms"); nothing is computed here.

import { fmtNum } from "../format.js";
import { layerRows } from "./equations_layers.js";

const GATE_BAR = { z: "\\bar z", i: "\\bar\\imath", f: "\\bar f", o: "\\bar o" };
const Y_PREV = "y(t{-}1)";
const C_PREV = "c(t{-}1)";
const GATE_NAMES = { i: "input gate", f: "forget gate", o: "output gate" };
const GATE_SWITCH = { i: "input_gate", f: "forget_gate", o: "output_gate" };

/**
 * Row: {label, sym (TeX), num (TeX with slots, or ""), fill(ctx) → {slot: number|string}}.
 * fill only supplies slots that are not a frame key's element j (vectors, text); every other
 * slot is looked up by name (equations.js, slotValue).
 */
const row = (label, sym, num = "", fill = () => ({})) => ({ label, sym, num, fill });
/** A row of what step t sends back to t−1 (marked when truncation cuts it). */
const toPrev = (r) => ({ ...r, toPrev: true });

/** Plain text (slots are filled with textContent, not TeX) of the first n entries of a vector. */
function vecText(arr, n = 3) {
  if (!Array.isArray(arr)) return "n/a";
  const shown = arr.slice(0, n).map(fmtNum).join(", ");
  return arr.length === 1 ? shown : `(${shown}${arr.length > n ? ", …" : ""})`;
}

/** The units with weights of their own (z always; f not when removed or coupled to i). */
function weighted(s) {
  return ["z", "i", "f", "o"].filter((g) => (g === "z" ? true : g === "f" ? s.forget_gate && !s.coupled
    : s[GATE_SWITCH[g]]));
}

/** Gates whose pre-activation sees the cell through a peephole. */
function peepholed(s) {
  return s.peepholes ? weighted(s).filter((g) => g !== "z") : [];
}

/** FGR: the gates of t−1 that feed gate b (R_ab a(t−1)); FGR has all nine R_ab. */
function fgrSources(s, b) {
  return s.gate_recurrence && b !== "z" ? ["i", "f", "o"] : [];
}

// ------------------------------------------------------------------ LSTM forward
function lstmPre(g, s, hasP) {
  const peep = peepholed(s).includes(g);
  const cell = g === "o" ? "c(t)" : C_PREV;
  const fgr = fgrSources(s, g);
  let sym = `${GATE_BAR[g]} = W_${g}\\,x + R_${g}\\,${Y_PREV}`;
  let num = `@${g}_bar = @@Wx_${g} + @@Ry_${g}`;
  if (peep) {
    sym += ` + p_${g} \\odot ${cell}`;
    num += ` + @@pc_${g}`;
  }
  for (const a of fgr) {
    sym += ` + R_{${a}${g}}\\,${a}(t{-}1)`;
    num += ` + @@fgr_${a}${g}`;
  }
  sym += ` + b_${g}`;
  num += hasP ? ` + @@b_${g}` : ` + b_${g}`;
  return row("", sym, num);
}

function lstmGate(g, s, hasP) {
  const label = GATE_NAMES[g];
  if (g === "f" && s.coupled) return [row(`${label} (CIFG)`, "f = 1 - i", "@f = 1 - @i")];
  if (!s[GATE_SWITCH[g]]) return [row(`${label} (removed)`, `${g} = 1`, `@${g}`)];
  return [
    { ...lstmPre(g, s, hasP), label },
    row("", `${g} = \\sigma(${GATE_BAR[g]})`, `@${g} = \\sigma(@${g}_bar)`),
  ];
}

function lstmForward(s, hasP, loss) {
  const rows = [{ ...lstmPre("z", s, hasP), label: "block input" }];
  rows.push(s.input_activation
    ? row("", "z = g(\\bar z) = \\tanh(\\bar z)", "@z = \\tanh(@z_bar)")
    : row("(NIAF)", "z = \\bar z", "@z"));
  rows.push(...lstmGate("i", s, hasP), ...lstmGate("f", s, hasP));
  rows.push(row("cell", `c = z \\odot i + ${C_PREV} \\odot f`,
    "@c = @@z \\cdot @@i + @@c_prev \\cdot @@f = @@z_i + @@c_prev_f"));
  rows.push(...lstmGate("o", s, hasP));
  rows.push(s.output_activation
    ? row("block output", "y = h(c) \\odot o = \\tanh(c) \\odot o", "@y = \\tanh(@c) \\cdot @@o = @@h_c \\cdot @@o")
    : row("block output (NOAF)", "y = c \\odot o", "@y = @@c \\cdot @@o"));
  rows.push(readoutRow("lstm", loss), lossRow(loss));
  return rows;
}

function readoutRow(cell, loss) {
  const src = cell === "rnn" ? "o" : "v";
  const pred = loss === "cross_entropy" ? `\\hat y = \\operatorname{softmax}(${src})` : `\\hat y = ${src}`;
  const sym = cell === "rnn" ? pred : `v = V y + b_V,\\quad ${pred}`;
  return row("readout", sym, "\\hat y = @y_hat,\\quad \\text{target} = @target",
    ({ v, frame }) => ({ y_hat: vecText(v.y_hat), target: targetText(frame) }));
}

function targetText(frame) {
  const tg = frame?.values?.target !== undefined ? frame.values.target : frame?.target;
  if (tg === null || tg === undefined) return "none";
  return Array.isArray(tg) ? vecText(tg) : `label ${tg}`;
}

function lossRow(loss) {
  const sym = loss === "cross_entropy" ? "\\ell(t) = -\\log \\hat y_{\\text{label}}"
    : "\\ell(t) = \\tfrac12 \\lVert \\hat y - \\text{target} \\rVert^2";
  return row("loss", sym, "\\ell(t) = @loss_t", ({ frame }) => ({ loss_t: lossText(frame) }));
}

function lossText(frame) {
  if (frame?.loss_t !== null && frame?.loss_t !== undefined) return frame.loss_t;
  // Null with a target means the loss overflowed (sent as null, the frame marked nonfinite).
  return frame?.nonfinite ? "n/a (not a finite number)" : "none (no target at this step)";
}

// ------------------------------------------------------------------ LSTM backward
/** "(prod + @@d_a_from_next)" under FGR: gate a's output also feeds the gates of t+1. */
function withNext(a, s, sym, num) {
  if (!s.gate_recurrence) return { sym, num };
  return { sym: `(${sym} + \\textstyle\\sum_b R_{${a}b}^{\\top}\\delta\\bar b(t{+}1))`,
    num: `(${num} + @@d_${a}_from_next)` };
}

function lstmBackward(s) {
  const rows = [];
  const units = weighted(s);
  const peep = peepholed(s);
  rows.push(row("block output", "\\delta y = \\Delta(t) + \\textstyle\\sum_* R_*^{\\top}\\,\\delta\\bar *(t{+}1)",
    "@dy = @@dy_readout + @@dy_from_next"));
  if (s.output_gate) {
    const t = withNext("o", s, "\\delta y \\odot h(c)", "@@dy \\cdot @@h_c");
    rows.push(row("output gate", `\\delta\\bar o = ${t.sym} \\odot \\sigma'(\\bar o)`,
      `@do_bar = ${t.num} \\cdot @sigma_prime_o`));
  }
  // δc: every way the error reaches the cell, each term a frame key.
  let sym = "\\delta c = \\delta y \\odot o \\odot h'(c)";
  let num = "@dc = @@dc_from_y";
  if (peep.includes("o")) {
    sym += " + p_o \\odot \\delta\\bar o";
    num += " + @@dc_from_p_o";
  }
  for (const g of ["i", "f"].filter((u) => peep.includes(u))) {
    sym += ` + p_${g} \\odot \\delta${GATE_BAR[g]}(t{+}1)`;
    num += ` + @@dc_from_p_${g}_next`;
  }
  sym += " + \\delta c(t{+}1) \\odot f(t{+}1)";
  num += " + @@dc_from_next";
  rows.push(row("cell", sym, num));
  rows.push(row("", "\\delta y \\odot o \\odot h'(c)", "@dc_from_y = @@dy \\cdot @@o \\cdot @h_prime"));
  if (units.includes("f")) {
    const t = withNext("f", s, `\\delta c \\odot ${C_PREV}`, "@@dc \\cdot @@c_prev");
    rows.push(row("forget gate", `\\delta\\bar f = ${t.sym} \\odot \\sigma'(\\bar f)`,
      `@df_bar = ${t.num} \\cdot @sigma_prime_f`));
  }
  if (s.input_gate) {
    const t = s.coupled
      ? withNext("i", s, `\\delta c \\odot (z - ${C_PREV})`, "@@dc \\cdot (@z - @@c_prev)")
      : withNext("i", s, "\\delta c \\odot z", "@@dc \\cdot @@z");
    rows.push(row(s.coupled ? "input gate (CIFG: f = 1 − i)" : "input gate",
      `\\delta\\bar\\imath = ${t.sym} \\odot \\sigma'(\\bar\\imath)`, `@di_bar = ${t.num} \\cdot @sigma_prime_i`));
  }
  rows.push(row("block input", "\\delta\\bar z = \\delta c \\odot i \\odot g'(\\bar z)",
    "@dz_bar = @@dc \\cdot @@i \\cdot @g_prime"));
  rows.push(row("input", `\\delta x = ${units.map((g) => `W_${g}^{\\top}\\delta${GATE_BAR[g]}`).join(" + ")}`,
    "\\delta x = @dx", ({ d }) => ({ dx: vecText(d.dx) })));
  rows.push(...lstmToPrev(s, units, peep));
  rows.push(row("gradients", "dW_* = \\textstyle\\sum_t \\delta\\bar *(t)\\,x(t)^{\\top},\\ \\ "
    + "dR_* = \\textstyle\\sum_t \\delta\\bar *(t{+}1)\\,y(t)^{\\top},\\ \\ db_* = \\textstyle\\sum_t \\delta\\bar *(t)"));
  return rows;
}

/** What step t sends back to step t−1: over y(t−1), to c(t−1), and (FGR) to the gates. */
function lstmToPrev(s, units, peep) {
  const rows = [
    toPrev(row("to y(t−1)", `${units.map((g) => `R_${g}^{\\top}\\delta${GATE_BAR[g]}`).join(" + ")} \\;\\to\\; ${Y_PREV}`,
      `@dy_prev = ${units.map((g) => `@@dy_prev_${g}`).join(" + ")}`)),
  ];
  const fi = ["i", "f"].filter((g) => peep.includes(g));
  rows.push(toPrev(row("to c(t−1)",
    `\\delta c \\odot f${fi.map((g) => ` + p_${g} \\odot \\delta${GATE_BAR[g]}`).join("")} \\;\\to\\; ${C_PREV}`,
    `@dc_prev = @@dc_prev_highway${fi.map((g) => ` + @@dc_prev_p_${g}`).join("")}`)));
  if (s.gate_recurrence) {
    const gates = ["i", "f", "o"].filter((g) => units.includes(g));
    rows.push(toPrev(row("to the gates of t−1",
      "\\textstyle\\sum_b R_{ab}^{\\top}\\,\\delta\\bar b \\;\\to\\; a(t{-}1)",
      gates.map((g) => `\\delta ${g}(t{-}1){:}\\ @d_${g}_prev`).join(",\\quad "))));
  }
  return rows;
}

// ------------------------------------------------------------------ simple RNN
function rnnForward(hasP, loss) {
  return [
    row("pre-activation", "a = b + W\\,h(t{-}1) + U\\,x", `@a = ${hasP ? "@@b" : "b"} + @@Wh + @@Ux`),
    row("hidden state", "h = \\tanh(a)", "@h = \\tanh(@a)"),
    row("output", "o = c + V h", "o = @o", ({ v }) => ({ o: vecText(v.o) })),
    readoutRow("rnn", loss),
    lossRow(loss),
  ];
}

function rnnBackward(loss) {
  return [
    row("output", loss === "cross_entropy" ? "\\delta o = \\hat y - \\mathbf{1}_{\\text{label}}"
      : "\\delta o = \\hat y - \\text{target}", "\\delta o = @do", ({ d }) => ({ do: vecText(d.do) })),
    row("hidden state", "\\delta h = V^{\\top}\\delta o + W^{\\top}\\delta a(t{+}1)", "@dh = @@dh_readout + @@dh_from_next"),
    row("pre-activation", "\\delta a = \\delta h \\odot (1 - h^2)", "@da = @@dh \\cdot @h_prime"),
    row("input", "\\delta x = U^{\\top}\\delta a", "\\delta x = @dx", ({ d }) => ({ dx: vecText(d.dx) })),
    toPrev(row("to h(t−1)", "W^{\\top}\\delta a \\;\\to\\; h(t{-}1)", "@dh_prev")),
    row("gradients", "dU = \\textstyle\\sum_t \\delta a(t)\\,x(t)^{\\top},\\ \\ dW = \\textstyle\\sum_t "
      + "\\delta a(t)\\,h(t{-}1)^{\\top},\\ \\ db = \\textstyle\\sum_t \\delta a(t)"),
  ];
}

/** Normalised structure with every switch present (what the rows are built from). */
export function fullStructure(structure) {
  return { input_gate: true, forget_gate: true, output_gate: true, input_activation: true,
    output_activation: true, peepholes: true, coupled: false, gate_recurrence: false, ...structure };
}

/** Equation rows for a cell ("lstm" | "rnn"), mode, structure (variant switches), and layer of L. */
export function equationRows({ cell, mode, structure, hasParams, loss, layer = 0, L = 1 }) {
  const s = fullStructure(structure);
  const rows = cell === "rnn" ? (mode === "backward" ? rnnBackward(loss) : rnnForward(hasParams, loss))
    : mode === "backward" ? lstmBackward(s) : lstmForward(s, hasParams, loss);
  return L > 1 ? layerRows(rows, { cell, mode, layer, L }) : rows;
}
