// Mock frames for the diagram harness: a tiny seeded LSTM / simple RNN (H = 4, D = 2, O = 1,
// MSE) run forward and back through time in plain JS, so every number in a frame agrees with
// the others (c = z ⊙ i + c(t−1) ⊙ f, ...) exactly as the engine's frames will. Frame layout:
// docs/ARCHITECTURE.md. Not used by the app; dev and tests only.

export const H = 4;
export const D = 2;
export const O = 1;
export const T = 6;
export const MOCK_VARIANTS = ["vanilla", "NP", "CIFG", "FGR", "NIG", "NFG", "NOG", "NIAF", "NOAF",
  "NP+CIFG", "rnn"];

const OFF = { NIG: "input_gate", NFG: "forget_gate", NOG: "output_gate", NIAF: "input_activation",
  NOAF: "output_activation", NP: "peepholes" };
const ON = { CIFG: "coupled", FGR: "gate_recurrence" };

/** The `structure` switches of a variant key such as "NP+CIFG" (mirrors engine.variants). */
export function structureOf(key) {
  const s = { input_gate: true, forget_gate: true, output_gate: true, input_activation: true,
    output_activation: true, peepholes: true, coupled: false, gate_recurrence: false };
  for (const part of key.split("+")) {
    if (OFF[part]) s[OFF[part]] = false;
    if (ON[part]) s[ON[part]] = true;
  }
  return s;
}

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const mat = (r, n, m, s) => Array.from({ length: n }, () => Array.from({ length: m }, () => (r() * 2 - 1) * s));
const vec = (r, n, s, b = 0) => Array.from({ length: n }, () => b + (r() * 2 - 1) * s);
const mv = (M, v) => M.map((row) => row.reduce((a, w, k) => a + w * v[k], 0));
const mtv = (M, v) => M[0].map((_, k) => M.reduce((a, row, j) => a + row[k] * v[j], 0));
const add = (...vs) => vs[0].map((_, k) => vs.reduce((a, v) => a + v[k], 0));
const mul = (a, b) => a.map((v, k) => v * b[k]);
const sig = (v) => v.map((x) => 1 / (1 + Math.exp(-x)));
const zeros = (n) => new Array(n).fill(0);
const ones = (n) => new Array(n).fill(1);

function sequence() {
  const xs = [];
  const ts = [];
  for (let t = 0; t < T; t++) {
    xs.push([1.4 * Math.sin(0.9 * t + 0.3), 0.8 * Math.cos(0.6 * t) - 0.2]);
    ts.push([0.6 * Math.sin(0.9 * (t + 1) + 0.3)]);
  }
  return { xs, ts };
}

/** Forward and backward frames of an LSTM variant: {cell, variant, structure, T, forward, backward}. */
export function lstmRun(variant) {
  const s = structureOf(variant);
  const r = rng(7);
  const units = ["z", s.input_gate && "i", s.forget_gate && !s.coupled && "f", s.output_gate && "o"]
    .filter(Boolean);
  const P = {};
  for (const u of units) {
    P[u] = { W: mat(r, H, D, 1.1), R: mat(r, H, H, 0.7), b: vec(r, H, 0.3, u === "f" ? 1 : 0),
      p: s.peepholes && u !== "z" ? vec(r, H, 0.6) : zeros(H) };
  }
  const gates = ["i", "f", "o"];
  const Rg = s.gate_recurrence ? Object.fromEntries(gates.flatMap((a) => gates.map((b) => [a + b, mat(r, H, H, 0.5)]))) : null;
  const V = mat(r, O, H, 1.2);
  const bV = [0.05];
  const g = (v) => (s.input_activation ? v.map(Math.tanh) : v.slice());
  const h = (v) => (s.output_activation ? v.map(Math.tanh) : v.slice());
  const hp = (v) => (s.output_activation ? v.map((c) => 1 - Math.tanh(c) ** 2) : ones(H));
  const { xs, ts } = sequence();

  const fw = [];
  let yPrev = zeros(H);
  let cPrev = zeros(H);
  let gPrev = { i: zeros(H), f: zeros(H), o: zeros(H) };
  for (let t = 0; t < T; t++) {
    const x = xs[t];
    const pre = (u, peepC) => {
      let a = add(mv(P[u].W, x), mv(P[u].R, yPrev), P[u].b, mul(P[u].p, peepC));
      if (Rg && u !== "z") a = add(a, ...gates.map((k) => mv(Rg[k + u], gPrev[k])));
      return a;
    };
    const F = { x, y_prev: yPrev, c_prev: cPrev };
    F.z_bar = pre("z", zeros(H));
    F.z = g(F.z_bar);
    if (s.input_gate) { F.i_bar = pre("i", cPrev); F.i = sig(F.i_bar); } else F.i = ones(H);
    if (s.coupled) F.f = F.i.map((v) => 1 - v);
    else if (s.forget_gate) { F.f_bar = pre("f", cPrev); F.f = sig(F.f_bar); } else F.f = ones(H);
    F.c = add(mul(F.z, F.i), mul(cPrev, F.f));
    if (s.output_gate) { F.o_bar = pre("o", F.c); F.o = sig(F.o_bar); } else F.o = ones(H);
    F.y = mul(h(F.c), F.o);
    F.v = add(mv(V, F.y), bV);
    F.y_hat = F.v.slice();
    F.target = ts[t];
    if (Rg) Object.assign(F, { i_prev: gPrev.i, f_prev: gPrev.f, o_prev: gPrev.o });
    fw.push(F);
    yPrev = F.y;
    cPrev = F.c;
    gPrev = { i: F.i, f: F.f, o: F.o };
  }

  // Backward (Greff's equations); next-step terms are zero at the last step.
  const bw = new Array(T);
  let nxt = null;
  for (let t = T - 1; t >= 0; t--) {
    const F = fw[t];
    const dv = F.y_hat.map((v, k) => v - F.target[k]);
    const dyFromNext = nxt ? add(...units.map((u) => mtv(P[u].R, nxt[`d${u}_bar`]))) : zeros(H);
    const dy = add(mtv(V, dv), dyFromNext);
    const dgate = (u) => (nxt && Rg ? add(...gates.map((b) => mtv(Rg[u + b], nxt[`d${b}_bar`]))) : zeros(H));
    const B = { dv, dy, dy_from_next: dyFromNext };
    if (s.output_gate) {
      B.do_bar = mul(add(mul(dy, h(F.c)), dgate("o")), F.o.map((o) => o * (1 - o)));
    }
    const dcFromNext = nxt ? mul(nxt.dc, fw[t + 1].f) : zeros(H);
    let dc = add(mul(mul(dy, F.o), hp(F.c)), dcFromNext);
    if (s.output_gate) dc = add(dc, mul(P.o.p, B.do_bar));
    if (nxt && s.input_gate) dc = add(dc, mul(P.i.p, nxt.di_bar));
    if (nxt && P.f) dc = add(dc, mul(P.f.p, nxt.df_bar));
    B.dc = dc;
    B.dc_from_next = dcFromNext;
    const dfPost = mul(dc, F.c_prev);
    if (P.f) B.df_bar = mul(add(dfPost, dgate("f")), F.f.map((f) => f * (1 - f)));
    if (s.input_gate) {
      let diPost = add(mul(dc, F.z), dgate("i"));
      if (s.coupled) diPost = add(diPost, dfPost.map((v) => -v));
      B.di_bar = mul(diPost, F.i.map((i) => i * (1 - i)));
    }
    const gp = s.input_activation ? F.z.map((z) => 1 - z * z) : ones(H);
    B.dz_bar = mul(mul(dc, F.i), gp);
    B.dx = add(...units.map((u) => mtv(P[u].W, B[`d${u}_bar`])));
    bw[t] = B;
    nxt = B;
  }
  return pack("lstm", variant, s, fw, bw);
}

/** Forward and backward frames of the simple RNN (Goodfellow notation). */
export function rnnRun() {
  const r = rng(11);
  const U = mat(r, H, D, 1.0);
  const Wm = mat(r, H, H, 0.8);
  const b = vec(r, H, 0.2);
  const V = mat(r, O, H, 1.0);
  const c = [0.1];
  const { xs, ts } = sequence();
  const fw = [];
  let hPrev = zeros(H);
  for (let t = 0; t < T; t++) {
    const a = add(b, mv(Wm, hPrev), mv(U, xs[t]));
    const hh = a.map(Math.tanh);
    const o = add(c, mv(V, hh));
    fw.push({ x: xs[t], h_prev: hPrev, a, h: hh, o, y_hat: o.slice(), target: ts[t] });
    hPrev = hh;
  }
  const bw = new Array(T);
  let daNext = null;
  for (let t = T - 1; t >= 0; t--) {
    const F = fw[t];
    const dO = F.y_hat.map((v, k) => v - F.target[k]);
    const fromNext = daNext ? mtv(Wm, daNext) : zeros(H);
    const dh = add(mtv(V, dO), fromNext);
    const da = mul(dh, F.h.map((v) => 1 - v * v));
    bw[t] = { do: dO, dh, da, dx: mtv(U, da), dh_from_next: fromNext };
    daNext = da;
  }
  return pack("rnn", "", {}, fw, bw);
}

function pack(cell, variant, structure, fw, bw) {
  const forward = fw.map((values, t) => ({ type: "forward", t, T, values,
    loss_t: 0.5 * (values.y_hat[0] - values.target[0]) ** 2, saturation: 0 }));
  const backward = bw.map((deltas, t) => ({ type: "backward", t, T, deltas }));
  return { cell, variant, structure, T, H, D, O, forward, backward };
}

/** A run by harness name: an LSTM variant key, or "rnn". */
export function mockRun(name) {
  return name === "rnn" ? rnnRun() : lstmRun(name);
}
