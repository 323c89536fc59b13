// The equations of the current cell, variant and direction as rows of TeX, each with a
// numeric twin whose slots (@name, or @@name: parenthesised when negative) are filled with
// the selected unit's live numbers. Forward: Greff et al. (2017); backward: DESIGN.md. The
// numbers are recomputed here from the frame and the parameters only to show the terms of a
// sum; the left-hand side is always the engine's own number.

const GATE_BAR = { z: "\\bar z", i: "\\bar\\imath", f: "\\bar f", o: "\\bar o" };
const Y_PREV = "y(t{-}1)";
const C_PREV = "c(t{-}1)";
const FGR = ["i", "f", "o"];

const dot = (row, vec) => row.reduce((s, w, k) => s + w * vec[k], 0);
const colDot = (m, j, vec) => m.reduce((s, row, k) => s + row[j] * vec[k], 0);
const sig1 = (a) => a * (1 - a); // σ'(x̄) from σ(x̄)

/** Row: {label, sym (TeX), num (TeX with slots, or ""), fill(ctx) → {slot: number|string}}. */
const row = (label, sym, num = "", fill = () => ({})) => ({ label, sym, num, fill });

/** Plain text (slots are filled with textContent, not TeX) of the first n entries of a vector. */
function vecText(arr, n = 3) {
  if (!Array.isArray(arr)) return "n/a";
  const shown = arr.slice(0, n).map(fmtNum).join(", ");
  return arr.length === 1 ? shown : `(${shown}${arr.length > n ? ", …" : ""})`;
}

/** 3 significant digits with a real minus sign; exponent form outside [1e−3, 1e4). */
export function fmtNum(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return "n/a";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
  const a = Math.abs(v);
  const s = a === 0 || (a >= 1e-3 && a < 1e4) ? v.toPrecision(3) : v.toExponential(2);
  return s.replace("e+", "e").replace("e-", "e−").replace(/^-/, "−");
}

// ------------------------------------------------------------------ LSTM forward
function lstmPre(g, s, hasP) {
  const peep = s.peepholes && g !== "z";
  const cell = g === "o" ? "c(t)" : C_PREV;
  const fgr = s.gate_recurrence && g !== "z";
  let sym = `${GATE_BAR[g]} = W_${g}\\,x + R_${g}\\,${Y_PREV}`;
  if (peep) sym += ` + p_${g} \\odot ${cell}`;
  if (fgr) sym += FGR.map((a) => ` + R_{${a}${g}}\\,${a}(t{-}1)`).join("");
  sym += ` + b_${g}`;
  let num = `@${g}_bar`;
  if (hasP) {
    num += ` = @W_${g}x + @@R_${g}y`;
    if (peep) num += ` + @@p_${g}c`;
    if (fgr) num += FGR.map((a) => ` + @@R_${a}${g}_${a}`).join("");
    num += ` + @@b_${g}`;
  }
  const fill = ({ v, P, j }) => {
    const out = { [`${g}_bar`]: v[`${g}_bar`]?.[j] };
    if (!P) return out;
    out[`W_${g}x`] = dot(P[`W_${g}`][j], v.x);
    out[`R_${g}y`] = dot(P[`R_${g}`][j], v.y_prev);
    if (peep) out[`p_${g}c`] = P[`p_${g}`][j] * (g === "o" ? v.c[j] : v.c_prev[j]);
    if (fgr) for (const a of FGR) out[`R_${a}${g}_${a}`] = dot(P[`R_${a}${g}`][j], v[`${a}_prev`]);
    out[`b_${g}`] = P[`b_${g}`][j];
    return out;
  };
  return row("", sym, num, fill);
}

const GATE_NAMES = { i: "input gate", f: "forget gate", o: "output gate" };
const GATE_SWITCH = { i: "input_gate", f: "forget_gate", o: "output_gate" };

function lstmGate(g, s, hasP) {
  const label = GATE_NAMES[g];
  if (g === "f" && s.coupled) {
    return [row(`${label} (CIFG)`, "f = 1 - i", "@f = 1 - @i", ({ v, j }) => ({ f: v.f[j], i: v.i[j] }))];
  }
  if (!s[GATE_SWITCH[g]]) {
    return [row(`${label} (removed)`, `${g} = 1`, `@${g}`, ({ v, j }) => ({ [g]: v[g]?.[j] ?? 1 }))];
  }
  return [
    { ...lstmPre(g, s, hasP), label },
    row("", `${g} = \\sigma(${GATE_BAR[g]})`, `@${g} = \\sigma(@${g}_bar)`,
      ({ v, j }) => ({ [g]: v[g][j], [`${g}_bar`]: v[`${g}_bar`][j] })),
  ];
}

function lstmForward(s, hasP, loss) {
  const rows = [];
  rows.push({ ...lstmPre("z", s, hasP), label: "block input" });
  rows.push(s.input_activation
    ? row("", "z = g(\\bar z) = \\tanh(\\bar z)", "@z = \\tanh(@z_bar)", ({ v, j }) => ({ z: v.z[j], z_bar: v.z_bar[j] }))
    : row("(NIAF)", "z = \\bar z", "@z", ({ v, j }) => ({ z: v.z[j] })));
  rows.push(...lstmGate("i", s, hasP), ...lstmGate("f", s, hasP));
  rows.push(row("cell", `c = z \\odot i + ${C_PREV} \\odot f`, "@c = @@z \\cdot @@i + @@c_prev \\cdot @@f",
    ({ v, j }) => ({ c: v.c[j], z: v.z[j], i: v.i[j], c_prev: v.c_prev[j], f: v.f[j] })));
  rows.push(...lstmGate("o", s, hasP));
  rows.push(s.output_activation
    ? row("block output", "y = h(c) \\odot o = \\tanh(c) \\odot o", "@y = \\tanh(@c) \\cdot @@o",
      ({ v, j }) => ({ y: v.y[j], c: v.c[j], o: v.o[j] }))
    : row("block output (NOAF)", "y = c \\odot o", "@y = @@c \\cdot @@o",
      ({ v, j }) => ({ y: v.y[j], c: v.c[j], o: v.o[j] })));
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
/** Σ_b R_abᵀ δb̄(t+1) for unit j: FGR's error into gate a from the gates of step t+1. */
function fgrExtra(a, { P, j, dn, s }) {
  if (!s.gate_recurrence || !P || !dn) return 0;
  return FGR.reduce((sum, b) => sum + colDot(P[`R_${a}${b}`], j, dn[`d${b}_bar`]), 0);
}

function lstmBackward(s, hasP) {
  const rows = [];
  const fgr = s.gate_recurrence;
  const ext = (a) => (fgr ? ` + \\textstyle\\sum_b R_{${a}b}^{\\top}\\delta\\bar b(t{+}1)` : "");
  rows.push(row("block output",
    "\\delta y = \\Delta(t) + \\textstyle\\sum_* R_*^{\\top}\\,\\delta\\bar *(t{+}1)",
    "@dy = @dy_readout + @@dy_from_next", ({ d, j }) => ({ dy: d.dy[j], dy_readout: d.dy[j] - d.dy_from_next[j],
      dy_from_next: d.dy_from_next[j] })));
  if (s.output_gate) {
    rows.push(row("output gate", `\\delta\\bar o = (\\delta y \\odot h(c)${ext("o")}) \\odot \\sigma'(\\bar o)`,
      fgr ? "@do_bar = (@@dy \\cdot @@hc + @@xo) \\cdot @so" : "@do_bar = @@dy \\cdot @@hc \\cdot @so",
      (ctx) => ({ do_bar: ctx.d.do_bar[ctx.j], dy: ctx.d.dy[ctx.j], hc: hOf(ctx), so: sig1(ctx.v.o[ctx.j]),
        xo: fgrExtra("o", ctx) })));
  }
  const po = s.peepholes && s.output_gate;
  const pi = s.peepholes && s.input_gate;
  const pf = s.peepholes && s.forget_gate && !s.coupled;
  let sym = "\\delta c = \\delta y \\odot o \\odot h'(c)";
  if (po) sym += " + p_o \\odot \\delta\\bar o";
  if (pi) sym += " + p_i \\odot \\delta\\bar\\imath(t{+}1)";
  if (pf) sym += " + p_f \\odot \\delta\\bar f(t{+}1)";
  sym += " + \\delta c(t{+}1) \\odot f(t{+}1)";
  let num = "@dc = @@dc1";
  if (hasP) {
    if (po) num += " + @@dc2";
    if (pi) num += " + @@dc3";
    if (pf) num += " + @@dc4";
  } else if (po || pi || pf) {
    num += " + @@dcp";
  }
  num += " + @@dc_from_next";
  rows.push(row("cell", sym, num, (ctx) => {
    const { d, v, P, j, dn } = ctx;
    const hp = s.output_activation ? 1 - Math.tanh(v.c[j]) ** 2 : 1;
    const out = { dc: d.dc[j], dc1: d.dy[j] * v.o[j] * hp, dc_from_next: d.dc_from_next[j] };
    if (P) {
      if (po) out.dc2 = P.p_o[j] * d.do_bar[j];
      if (pi) out.dc3 = dn ? P.p_i[j] * dn.di_bar[j] : 0;
      if (pf) out.dc4 = dn ? P.p_f[j] * dn.df_bar[j] : 0;
    } else {
      out.dcp = d.dc[j] - out.dc1 - out.dc_from_next; // peephole terms, shown lumped without parameters
    }
    return out;
  }));
  if (s.forget_gate && !s.coupled) {
    rows.push(row("forget gate", `\\delta\\bar f = (\\delta c \\odot ${C_PREV}${ext("f")}) \\odot \\sigma'(\\bar f)`,
      fgr ? "@df_bar = (@@dc \\cdot @@c_prev + @@xf) \\cdot @sf" : "@df_bar = @@dc \\cdot @@c_prev \\cdot @sf",
      (ctx) => ({ df_bar: ctx.d.df_bar[ctx.j], dc: ctx.d.dc[ctx.j], c_prev: ctx.v.c_prev[ctx.j],
        sf: sig1(ctx.v.f[ctx.j]), xf: fgrExtra("f", ctx) })));
  }
  if (s.input_gate) {
    const zc = s.coupled ? `(z - ${C_PREV})` : "z";
    rows.push(row(s.coupled ? "input gate (CIFG: f = 1 − i)" : "input gate",
      `\\delta\\bar\\imath = (\\delta c \\odot ${zc}${ext("i")}) \\odot \\sigma'(\\bar\\imath)`,
      fgr ? "@di_bar = (@@dc \\cdot @@zc + @@xi) \\cdot @si" : "@di_bar = @@dc \\cdot @@zc \\cdot @si",
      (ctx) => {
        const { d, v, j } = ctx;
        return { di_bar: d.di_bar[j], dc: d.dc[j], zc: s.coupled ? v.z[j] - v.c_prev[j] : v.z[j],
          si: sig1(v.i[j]), xi: fgrExtra("i", ctx) };
      }));
  }
  rows.push(row("block input", `\\delta\\bar z = \\delta c \\odot i \\odot g'(\\bar z)`,
    "@dz_bar = @@dc \\cdot @@i \\cdot @gp", ({ d, v, j }) => ({ dz_bar: d.dz_bar[j], dc: d.dc[j], i: v.i[j],
      gp: s.input_activation ? 1 - v.z[j] ** 2 : 1 })));
  const gates = ["z", ...["i", "f", "o"].filter((g) => (g === "f" ? s.forget_gate && !s.coupled : s[GATE_SWITCH[g]]))];
  rows.push(row("input", `\\delta x = ${gates.map((g) => `W_${g}^{\\top}\\delta${GATE_BAR[g]}`).join(" + ")}`,
    "\\delta x = @dx", ({ d }) => ({ dx: vecText(d.dx) })));
  rows.push(row("gradients", "dW_* = \\textstyle\\sum_t \\delta\\bar *(t)\\,x(t)^{\\top},\\ \\ "
    + "dR_* = \\textstyle\\sum_t \\delta\\bar *(t{+}1)\\,y(t)^{\\top},\\ \\ db_* = \\textstyle\\sum_t \\delta\\bar *(t)"));
  return rows;
}

function hOf({ v, j, s }) {
  return s.output_activation ? Math.tanh(v.c[j]) : v.c[j];
}

// ------------------------------------------------------------------ simple RNN
function rnnForward(hasP, loss) {
  return [
    row("pre-activation", "a = b + W\\,h(t{-}1) + U\\,x", hasP ? "@a = @b + @@Wh + @@Ux" : "@a",
      ({ v, P, j }) => (P ? { a: v.a[j], b: P.b[j], Wh: dot(P.W[j], v.h_prev), Ux: dot(P.U[j], v.x) }
        : { a: v.a[j] })),
    row("hidden state", "h = \\tanh(a)", "@h = \\tanh(@a)", ({ v, j }) => ({ h: v.h[j], a: v.a[j] })),
    row("output", "o = c + V h", "o = @o", ({ v }) => ({ o: vecText(v.o) })),
    readoutRow("rnn", loss),
    lossRow(loss),
  ];
}

function rnnBackward(loss) {
  return [
    row("output", loss === "cross_entropy" ? "\\delta o = \\hat y - \\mathbf{1}_{\\text{label}}"
      : "\\delta o = \\hat y - \\text{target}", "\\delta o = @do", ({ d }) => ({ do: vecText(d.do) })),
    row("hidden state", "\\delta h = V^{\\top}\\delta o + W^{\\top}\\delta a(t{+}1)", "@dh = @dh_readout + @@dh_from_next",
      ({ d, j }) => ({ dh: d.dh[j], dh_readout: d.dh[j] - d.dh_from_next[j], dh_from_next: d.dh_from_next[j] })),
    row("pre-activation", "\\delta a = \\delta h \\odot (1 - h^2)", "@da = @@dh \\cdot @hp",
      ({ d, v, j }) => ({ da: d.da[j], dh: d.dh[j], hp: 1 - v.h[j] ** 2 })),
    row("input", "\\delta x = U^{\\top}\\delta a", "\\delta x = @dx", ({ d }) => ({ dx: vecText(d.dx) })),
    row("gradients", "dU = \\textstyle\\sum_t \\delta a(t)\\,x(t)^{\\top},\\ \\ dW = \\textstyle\\sum_t "
      + "\\delta a(t)\\,h(t{-}1)^{\\top},\\ \\ db = \\textstyle\\sum_t \\delta a(t)"),
  ];
}

/** Equation rows for a cell ("lstm" | "rnn"), mode, structure (variant switches). */
export function equationRows({ cell, mode, structure, hasParams, loss }) {
  const s = { input_gate: true, forget_gate: true, output_gate: true, input_activation: true,
    output_activation: true, peepholes: true, coupled: false, gate_recurrence: false, ...structure };
  if (cell === "rnn") return mode === "backward" ? rnnBackward(loss) : rnnForward(hasParams, loss);
  return mode === "backward" ? lstmBackward(s, hasParams) : lstmForward(s, hasParams, loss);
}

/** Normalised structure with every switch present (what the fill functions read as ctx.s). */
export function fullStructure(structure) {
  return { input_gate: true, forget_gate: true, output_gate: true, input_activation: true,
    output_activation: true, peepholes: true, coupled: false, gate_recurrence: false, ...structure };
}
