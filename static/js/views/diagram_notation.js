// What every drawn quantity is called: symbol on the page ("_" starts a subscript), notation
// key, colour family and the PyTorch name shown in tooltips (PyTorch names appear nowhere else
// on the page). Every key is a frame key (docs/NOTATION.md, "Frame terms"): the engine computes
// each number, the diagrams only look them up.

const ZBAR = "z\u0304";
const IBAR = "i\u0304";
const FBAR = "f\u0304";
const OBAR = "o\u0304";
const BAR = { z: ZBAR, i: IBAR, f: FBAR, o: OBAR };
const GATE = { i: "input gate", f: "forget gate", o: "output gate", z: "block input" };

const TORCH_ROWS = { i: "rows 0:H", f: "rows H:2H", z: "rows 2H:3H", o: "rows 3H:4H" };
const gateTorch = (g, post) =>
  `${post ? "" : "pre-activation of "}torch ${g === "z" ? "g" : `gate ${g}`} ` +
  `(${TORCH_ROWS[g]} of weight_ih_l0 / weight_hh_l0)`;

/** Entries for each unit u ∈ units, built by fn(u). */
const each = (units, fn) => Object.fromEntries(units.map(fn));
const FGR_PAIRS = ["i", "f", "o"].flatMap((a) => ["i", "f", "o"].map((b) => [a, b]));
const DELTA_TABLES = new WeakSet(); // tables of backward keys (also each layer's copies)

/** LSTM forward quantities: keys of a forward frame's `values`. */
export const LSTM_VALUES = {
  x: { sym: "x(t)", name: "input", fam: "io", len: "D", torch: "input[t] of nn.LSTM" },
  y_prev: { sym: "y(t−1)", name: "block output of step t−1 (recurrent input)", fam: "act",
    torch: "torch h(t−1) (h_0 at t = 0)" },
  c_prev: { sym: "c(t−1)", name: "cell state of step t−1", fam: "cell",
    torch: "torch c(t−1) (c_0 at t = 0)" },
  z_bar: { sym: ZBAR, name: "block input, pre-activation", fam: "pre", torch: gateTorch("z", false) },
  z: { sym: "z", name: "block input z = g(z̄)", fam: "act", torch: `z → ${gateTorch("z", true)}` },
  i_bar: { sym: IBAR, name: "input gate, pre-activation", fam: "pre", torch: gateTorch("i", false) },
  i: { sym: "i", name: "input gate i = σ(ī)", fam: "gate", torch: `i → ${gateTorch("i", true)}` },
  f_bar: { sym: FBAR, name: "forget gate, pre-activation", fam: "pre", torch: gateTorch("f", false) },
  f: { sym: "f", name: "forget gate f = σ(f̄)", fam: "gate", torch: `f → ${gateTorch("f", true)}` },
  o_bar: { sym: OBAR, name: "output gate, pre-activation", fam: "pre", torch: gateTorch("o", false) },
  o: { sym: "o", name: "output gate o = σ(ō)", fam: "gate", torch: `o → ${gateTorch("o", true)}` },
  c: { sym: "c(t)", name: "cell state c = z ⊙ i + c(t−1) ⊙ f", fam: "cell", torch: "c → torch c" },
  y: { sym: "y(t)", name: "block output y = h(c) ⊙ o", fam: "act", torch: "y → torch h (output)" },
  v: { sym: "v", name: "readout v = V y + b_V", fam: "io", len: "O",
    torch: "nn.Linear on torch h (not part of nn.LSTM)" },
  y_hat: { sym: "ŷ", name: "prediction ŷ (v for MSE, softmax(v) for cross-entropy)", fam: "io",
    len: "O", torch: "model output" },
  target: { sym: "target", name: "target at this step (none: no loss here)", fam: "io", len: "O",
    torch: "target" },
  ...each(["i", "f", "o"], (g) => [`${g}_prev`, { sym: `${g}(t−1)`, name: `${GATE[g]} of step t−1 (FGR)`,
    fam: "gate", torch: "none (FGR)" }]),
  ...each(["z", "i", "f", "o"], (g) => [`Wx_${g}`, { sym: `W_${g}x`, name: `W_${g} x(t): the input into the ${GATE[g]}`,
    fam: "pre", torch: `weight_ih_l0[${TORCH_ROWS[g]}] @ input[t]` }]),
  ...each(["z", "i", "f", "o"], (g) => [`Ry_${g}`, { sym: `R_${g}y`, name: `R_${g} y(t−1): the recurrent input into the ${GATE[g]}`,
    fam: "pre", torch: `weight_hh_l0[${TORCH_ROWS[g]}] @ h(t−1)` }]),
  pc_i: { sym: "p_i⊙c(t−1)", name: "peephole into the input gate: p_i ⊙ c(t−1)", fam: "pre", torch: "none (no peepholes)" },
  pc_f: { sym: "p_f⊙c(t−1)", name: "peephole into the forget gate: p_f ⊙ c(t−1)", fam: "pre", torch: "none (no peepholes)" },
  pc_o: { sym: "p_o⊙c(t)", name: "peephole into the output gate: p_o ⊙ c(t)", fam: "pre", torch: "none (no peepholes)" },
  ...Object.fromEntries(FGR_PAIRS.map(([a, b]) => [`fgr_${a}${b}`, { sym: `R_{${a}${b}}${a}(t−1)`,
    name: `FGR: gate ${a} of step t−1 into gate ${b}, R_${a}${b} ${a}(t−1)`, fam: "pre", torch: "none (FGR)" }])),
  z_i: { sym: "z⊙i", name: "what is written to the cell: z ⊙ i", fam: "act", torch: "i * g" },
  c_prev_f: { sym: "c(t−1)⊙f", name: "what the cell keeps: c(t−1) ⊙ f", fam: "cell", torch: "f * c(t−1)" },
  h_c: { sym: "h(c)", name: "cell squashed by the output activation h", fam: "act", torch: "tanh(torch c)" },
};

/** LSTM backward quantities: keys of a backward frame's `deltas`. */
export const LSTM_DELTAS = {
  dv: { sym: "δv", name: "readout error ∂L/∂v", len: "O", torch: "grad of the linear output" },
  dy: { sym: "δy", name: "error at the block output (readout + from t+1)", torch: "grad of torch h(t)" },
  dy_readout: { sym: "Vᵀδv", name: "error from the readout at this step: Δ(t) = Vᵀ δv",
    torch: "grad of h(t) from the loss at t" },
  dy_from_next: { sym: "δy←t+1", name: "recurrent error from step t+1: Σ R*ᵀ δ*̄(t+1)",
    torch: "grad of h(t) through weight_hh_l0" },
  dc: { sym: "δc", name: "error at the cell", torch: "grad of torch c(t)" },
  dc_from_next: { sym: "δc←t+1", name: "highway error from step t+1: δc(t+1) ⊙ f(t+1)",
    torch: "grad of c(t) from step t+1" },
  dc_from_p_i_next: { sym: "p_iδī←t+1", name: "from the input-gate peephole of t+1: p_i ⊙ δī(t+1)",
    torch: "none (no peepholes)" },
  dc_from_p_f_next: { sym: "p_fδf̄←t+1", name: "from the forget-gate peephole of t+1: p_f ⊙ δf̄(t+1)",
    torch: "none (no peepholes)" },
  ...each(["i", "f", "o"], (g) => [`d_${g}_from_next`, { sym: `δ${g}←t+1`,
    name: `FGR: error into ${GATE[g]} ${g}(t) from the gates of t+1: Σ_b R_${g}bᵀ δb̄(t+1)`, torch: "none (FGR)" }]),
  h_prime: { sym: "h′(c)", name: "slope of the output activation at c(t)", torch: "1 − tanh²(c)" },
  g_prime: { sym: "g′(z̄)", name: "slope of the input activation at z̄(t)", torch: "1 − g²" },
  ...each(["i", "f", "o"], (g) => [`sigma_prime_${g}`, { sym: `σ′(${BAR[g]})`,
    name: `slope of the ${GATE[g]}'s sigmoid at ${BAR[g]}(t)`, torch: `${g}(1 − ${g})` }]),
  d_h: { sym: "δh", name: "error at h(c): δy ⊙ o", torch: "grad of tanh(c)" },
  d_o: { sym: "δo", name: "error at the output gate's output: δy ⊙ h(c)", torch: "grad of gate o" },
  dc_from_y: { sym: "δy⊙o⊙h′", name: "error reaching the cell through the block output: δy ⊙ o ⊙ h′(c)",
    torch: "grad of c(t) through the output" },
  dc_from_p_o: { sym: "p_oδō", name: "error reaching the cell through the output-gate peephole: p_o ⊙ δō",
    torch: "none (no peepholes)" },
  d_f: { sym: "δf", name: "error at the forget gate's output: δc ⊙ c(t−1)", torch: "grad of gate f" },
  d_i: { sym: "δi", name: "error at the input gate's output: δc ⊙ z (CIFG: δc ⊙ (z − c(t−1)))",
    torch: "grad of gate i" },
  d_z: { sym: "δz", name: "error at the block input's output: δc ⊙ i", torch: "grad of g" },
  do_bar: { sym: "δō", name: "error at the output gate pre-activation", torch: "grad of gate o pre-activation" },
  df_bar: { sym: "δf̄", name: "error at the forget gate pre-activation", torch: "grad of gate f pre-activation" },
  di_bar: { sym: "δī", name: "error at the input gate pre-activation", torch: "grad of gate i pre-activation" },
  dz_bar: { sym: "δz̄", name: "error at the block input pre-activation", torch: "grad of g pre-activation" },
  dx: { sym: "δx", name: "error at the input x(t)", len: "D", torch: "grad of input[t]" },
  ...each(["z", "i", "f", "o"], (g) => [`dy_prev_${g}`, { sym: `R_${g}ᵀδ${BAR[g]}`,
    name: `the ${GATE[g]}'s share of the error sent to y(t−1): R_${g}ᵀ δ${BAR[g]}(t)`,
    torch: `grad of h(t−1) through weight_hh_l0[${TORCH_ROWS[g]}]` }]),
  dy_prev: { sym: "δy→t−1", name: "error sent to y(t−1): Σ R*ᵀ δ*̄(t)", torch: "grad of torch h(t−1)" },
  dc_prev_highway: { sym: "δc⊙f", name: "error sent along the highway to c(t−1): δc ⊙ f",
    torch: "grad of c(t−1) along the cell path" },
  dc_prev_p_i: { sym: "p_iδī", name: "error sent to c(t−1) through the input-gate peephole: p_i ⊙ δī",
    torch: "none (no peepholes)" },
  dc_prev_p_f: { sym: "p_fδf̄", name: "error sent to c(t−1) through the forget-gate peephole: p_f ⊙ δf̄",
    torch: "none (no peepholes)" },
  dc_prev: { sym: "δc→t−1", name: "whole error sent to c(t−1): highway + peepholes", torch: "grad of torch c(t−1)" },
  ...each(["i", "f", "o"], (g) => [`d_${g}_prev`, { sym: `δ${g}→t−1`,
    name: `FGR: error sent to gate ${g} of step t−1: Σ_b R_${g}bᵀ δb̄(t)`, torch: "none (FGR)" }]),
};

/** Simple RNN (Goodfellow notation): values and deltas. */
export const RNN_VALUES = {
  x: { sym: "x(t)", name: "input", fam: "io", len: "D", torch: "input[t] of nn.RNN" },
  h_prev: { sym: "h(t−1)", name: "hidden state of step t−1", fam: "act", torch: "torch h(t−1) (h_0 at t = 0)" },
  Wh: { sym: "Wh(t−1)", name: "W h(t−1): the previous hidden state into a(t)", fam: "pre",
    torch: "weight_hh_l0 @ h(t−1)" },
  Ux: { sym: "Ux", name: "U x(t): the input into a(t)", fam: "pre", torch: "weight_ih_l0 @ input[t]" },
  a: { sym: "a(t)", name: "pre-activation a = b + W h(t−1) + U x", fam: "pre",
    torch: "weight_ih_l0 x + weight_hh_l0 h + biases" },
  h: { sym: "h(t)", name: "hidden state h = tanh(a)", fam: "act", torch: "h → torch h (nn.RNN output)" },
  o: { sym: "o(t)", name: "output o = c + V h", fam: "io", len: "O", torch: "nn.Linear on torch h" },
  y_hat: { sym: "ŷ(t)", name: "prediction ŷ", fam: "io", len: "O", torch: "model output" },
  target: { sym: "target", name: "target at this step (none: no loss here)", fam: "io", len: "O",
    torch: "target" },
};

export const RNN_DELTAS = {
  do: { sym: "δo", name: "error at the output ∂L/∂o", len: "O", torch: "grad of the linear output" },
  dh: { sym: "δh", name: "error at the hidden state (readout + from t+1)", torch: "grad of torch h(t)" },
  dh_readout: { sym: "Vᵀδo", name: "error from the readout at this step: Vᵀ δo",
    torch: "grad of h(t) from the loss at t" },
  dh_from_next: { sym: "Wᵀδa(t+1)", name: "recurrent error from t+1: Wᵀ δa(t+1)",
    torch: "grad of h(t) through weight_hh_l0" },
  h_prime: { sym: "1−h²", name: "slope of tanh at a(t): 1 − h(t)²", torch: "1 − tanh²(a)" },
  da: { sym: "δa", name: "error at the pre-activation: δh ⊙ (1 − h²)", torch: "grad of the pre-activation" },
  dx: { sym: "δx", name: "error at the input x(t)", len: "D", torch: "grad of input[t]" },
  dh_prev: { sym: "Wᵀδa→t−1", name: "error sent to h(t−1): Wᵀ δa(t)", torch: "grad of torch h(t−1)" },
};

/**
 * The notation tables of layer `layer` in a stack of L: its input x(t) is the hidden output of
 * the layer below, and its δx is the error handed down to it; below the top, the error that
 * arrives from the layer above (`dy_from_above`, RNN `dh_from_above`) takes the readout's place.
 * One layer: the tables as they are.
 */
export function layerTables({ values, deltas }, cell, layer, L) {
  if (L < 2) return { values, deltas };
  const v = { ...values };
  const d = { ...deltas };
  const y = cell === "rnn" ? "h" : "y";
  const out = cell === "rnn" ? "hidden state" : "block output";
  if (layer > 0) {
    v.x = { ...values.x, sym: `x(t) = ${y}(t) of layer ${layer - 1}`, len: null,
      name: `input of layer ${layer}: the ${out} ${y}(t) of layer ${layer - 1}`,
      torch: `output of layer ${layer - 1}, the input of *_l${layer}` };
    d.dx = { ...deltas.dx, sym: `δx → layer ${layer - 1}`, len: null,
      name: `error handed down to layer ${layer - 1}: there it is the δ from above, part of its δ${y}`,
      torch: `grad of the output of layer ${layer - 1} through *_ih_l${layer}` };
  }
  if (layer < L - 1) {
    d[`d${y}_from_above`] = { sym: `δ from layer ${layer + 1}`,
      name: `error from layer ${layer + 1}: the δx(t) it hands down (in place of a readout's error)`,
      torch: `grad of the output of layer ${layer} through *_ih_l${layer + 1}` };
    d[`d${y}`] = { ...deltas[`d${y}`], name: `error at the ${out} (from layer ${layer + 1} + from t+1)` };
  }
  DELTA_TABLES.add(d);
  return { values: v, deltas: d };
}

/**
 * Array for quantity `key` of `table` from the frame, or null when absent; a cross-entropy
 * target is a class label, returned as the number it is.
 */
export function lookup(table, key, values, deltas) {
  if (!table[key]) return null;
  const src = table === LSTM_DELTAS || table === RNN_DELTAS || DELTA_TABLES.has(table) ? deltas : values;
  const arr = src ? src[key] : null;
  return Array.isArray(arr) || (key === "target" && Number.isInteger(arr)) ? arr : null;
}
