// What every drawn quantity is called: symbol on the page, notation key, colour family and the
// PyTorch name shown in tooltips (PyTorch names appear nowhere else on the page). A few wires
// carry products that are not frame keys (c(t−1) ⊙ f, z ⊙ i, ...): `derive` computes them
// from the frame, element-wise, so the diagram can colour every wire.

const ZBAR = "z\u0304";
const IBAR = "i\u0304";
const FBAR = "f\u0304";
const OBAR = "o\u0304";
export const SYM = { ZBAR, IBAR, FBAR, OBAR, DELTA: "δ", MINUS: "\u2212" };

const map2 = (a, b, fn) => (a && b && a.length === b.length ? a.map((v, k) => fn(v, b[k])) : null);
const mul = (a, b) => map2(a, b, (p, q) => (p === null || q === null ? null : p * q));
const hOf = (c, s) => (c ? c.map((v) => (v === null ? null : s.output_activation ? Math.tanh(v) : v)) : null);
const hPrime = (c, s) => (c ? c.map((v) => (v === null ? null : s.output_activation ? 1 - Math.tanh(v) ** 2 : 1)) : null);

const TORCH_ROWS = { i: "rows 0:H", f: "rows H:2H", z: "rows 2H:3H", o: "rows 3H:4H" };
const gateTorch = (g, post) =>
  `${post ? "" : "pre-activation of "}torch ${g === "z" ? "g" : `gate ${g}`} ` +
  `(${TORCH_ROWS[g]} of weight_ih_l0 / weight_hh_l0)`;

/** LSTM forward quantities (keys of `values`, plus derived ones). */
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
  i_prev: { sym: "i(t−1)", name: "input gate of step t−1 (FGR)", fam: "gate", torch: "none (FGR)" },
  f_prev: { sym: "f(t−1)", name: "forget gate of step t−1 (FGR)", fam: "gate", torch: "none (FGR)" },
  o_prev: { sym: "o(t−1)", name: "output gate of step t−1 (FGR)", fam: "gate", torch: "none (FGR)" },
  cf: { sym: "c(t−1)⊙f", name: "what the cell keeps: c(t−1) ⊙ f", fam: "cell", key: "c_prev ⊙ f",
    torch: "f * c(t−1)", derive: (v) => mul(v.c_prev, v.f) },
  zi: { sym: "z⊙i", name: "what is written to the cell: z ⊙ i", fam: "act", key: "z ⊙ i",
    torch: "i * g", derive: (v) => mul(v.z, v.i) },
  hc: { sym: "h(c)", name: "cell squashed by the output activation h", fam: "act", key: "h(c)",
    torch: "tanh(torch c)", derive: (v, d, s) => hOf(v.c, s) },
};

/** LSTM backward quantities (keys of `deltas`, plus derived ones). */
export const LSTM_DELTAS = {
  dy: { sym: "δy", name: "error at the block output (readout + from t+1)", torch: "grad of torch h(t)" },
  dy_from_next: { sym: "δy←t+1", name: "recurrent error from t+1: Σ R*ᵀ δ*̄(t+1)",
    torch: "grad of h(t) through weight_hh_l0" },
  dy_readout: { sym: "Vᵀδv", name: "error from the readout at this step (Δ)", key: "dy − dy_from_next",
    torch: "grad of h(t) from the loss at t",
    derive: (v, d) => map2(d.dy, d.dy_from_next, (a, b) => (a === null || b === null ? null : a - b)) },
  dv: { sym: "δv", name: "readout error ∂L/∂v", len: "O", torch: "grad of the linear output" },
  do_bar: { sym: "δō", name: "error at the output gate pre-activation", torch: "grad of gate o pre-activation" },
  dc: { sym: "δc", name: "error at the cell", torch: "grad of torch c(t)" },
  dc_from_next: { sym: "δc←t+1", name: "highway error from t+1: δc(t+1) ⊙ f(t+1)",
    torch: "grad of c(t) from step t+1" },
  df_bar: { sym: "δf̄", name: "error at the forget gate pre-activation", torch: "grad of gate f pre-activation" },
  di_bar: { sym: "δī", name: "error at the input gate pre-activation", torch: "grad of gate i pre-activation" },
  dz_bar: { sym: "δz̄", name: "error at the block input pre-activation", torch: "grad of g pre-activation" },
  dx: { sym: "δx", name: "error at the input x(t)", len: "D", torch: "grad of input[t]" },
  dc_hw: { sym: "δc⊙f → t−1", name: "highway error handed to c(t−1): δc ⊙ f", key: "dc ⊙ f",
    torch: "grad of c(t−1) along the cell path", derive: (v, d) => mul(d.dc, v.f) },
  d_f: { sym: "δf", name: "error at the forget gate output: δc ⊙ c(t−1)", key: "dc ⊙ c_prev",
    torch: "grad of gate f", derive: (v, d) => mul(d.dc, v.c_prev) },
  d_i: { sym: "δi", name: "error at the input gate output: δc ⊙ z", key: "dc ⊙ z",
    torch: "grad of gate i", derive: (v, d) => mul(d.dc, v.z) },
  d_z: { sym: "δz", name: "error at the block input output: δc ⊙ i", key: "dc ⊙ i",
    torch: "grad of g", derive: (v, d) => mul(d.dc, v.i) },
  d_o: { sym: "δo", name: "error at the output gate output: δy ⊙ h(c)", key: "dy ⊙ h(c)",
    torch: "grad of gate o", derive: (v, d, s) => mul(d.dy, hOf(v.c, s)) },
  d_hc: { sym: "δh", name: "error at h(c): δy ⊙ o", key: "dy ⊙ o", torch: "grad of tanh(c)",
    derive: (v, d) => mul(d.dy, v.o) },
  d_c_out: { sym: "δy⊙o⊙h′", name: "error reaching the cell through h: δy ⊙ o ⊙ h′(c)",
    key: "dy ⊙ o ⊙ h'(c)", torch: "grad of c(t) through the output",
    derive: (v, d, s) => mul(mul(d.dy, v.o), hPrime(v.c, s)) },
};

/** Simple RNN (Goodfellow notation): values and deltas. */
export const RNN_VALUES = {
  x: { sym: "x(t)", name: "input", fam: "io", len: "D", torch: "input[t] of nn.RNN" },
  h_prev: { sym: "h(t−1)", name: "hidden state of step t−1", fam: "act", torch: "torch h(t−1) (h_0 at t = 0)" },
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
  dh_from_next: { sym: "Wᵀδa(t+1)", name: "recurrent error from t+1: Wᵀ δa(t+1)",
    torch: "grad of h(t) through weight_hh_l0" },
  dh_readout: { sym: "Vᵀδo", name: "error from the readout at this step", key: "dh − dh_from_next",
    torch: "grad of h(t) from the loss at t",
    derive: (v, d) => map2(d.dh, d.dh_from_next, (a, b) => (a === null || b === null ? null : a - b)) },
  da: { sym: "δa", name: "error at the pre-activation", torch: "grad of the pre-activation" },
  dx: { sym: "δx", name: "error at the input x(t)", len: "D", torch: "grad of input[t]" },
};

/** Array for quantity `key` of `table` (frame key or derived), or null when absent. */
export function lookup(table, key, values, deltas, structure) {
  const q = table[key];
  if (!q) return null;
  const src = table === LSTM_DELTAS || table === RNN_DELTAS ? deltas : values;
  if (q.derive) return values || deltas ? q.derive(values || {}, deltas || {}, structure || {}) : null;
  const arr = src ? src[key] : null;
  return Array.isArray(arr) ? arr : null;
}
