// Turns the trace store into the named series the line charts draw. Kept apart from the
// renderer so LineChart knows nothing about LSTMs, and the choice of what to plot sits here.

// Okabe–Ito colours: distinguishable with every common colour-vision deficiency.
export const COLORS = {
  blue: "#0072B2", vermillion: "#D55E00", green: "#009E73", orange: "#E69F00",
  sky: "#56B4E9", purple: "#CC79A7", black: "#1d2330", grey: "#c3c8d2",
};
const NORM_COLORS = { dy: COLORS.blue, dh: COLORS.blue, dc: COLORS.vermillion, dx: COLORS.green };
const NORM_LABELS = { dy: "‖δy‖", dh: "‖δh‖", dc: "‖δc‖", dx: "‖δx‖" };
const MAX_UNIT_LINES = 12; // beyond this, all units are drawn as a min–max band

const steps = new Map();
function timeAxis(T) {
  if (!steps.has(T)) steps.set(T, Array.from({ length: T }, (_, t) => t));
  return steps.get(T);
}

/** Rows of the states chart for a cell. */
export function stateRows(cell) {
  return cell === "rnn"
    ? [{ title: "h" }, { title: "ŷ, target" }]
    : [{ title: "c" }, { title: "y" }, { title: "ŷ, target" }];
}

function unitSeries(rows, row, unit, color, label) {
  const T = rows.length ? rows[0].length : 0;
  const x = timeAxis(T);
  const out = [];
  if (rows.length <= MAX_UNIT_LINES) {
    rows.forEach((y, j) => {
      if (j !== unit) out.push({ name: `${label} unit ${j}`, x, y, row, color: COLORS.grey, width: 1 });
    });
  } else {
    const lo = x.map((t) => bound(rows, t, Math.min));
    const hi = x.map((t) => bound(rows, t, Math.max));
    out.push({ name: `${label} min`, x, y: lo, row, color: "rgba(0,0,0,0)", hover: false });
    out.push({ name: `${label} all units (min–max)`, x, y: hi, row, color: "rgba(0,0,0,0)",
      fill: "tonexty", fillcolor: "rgba(120,130,150,0.22)", hover: false });
  }
  if (rows[unit]) out.push({ name: `${label} unit ${unit}`, x, y: rows[unit], row, color, width: 2.2 });
  return out;
}

function bound(rows, t, fn) {
  let v = null;
  for (const r of rows) if (r[t] !== null) v = v === null ? r[t] : fn(v, r[t]);
  return v;
}

/** c, y (or h) per unit and the prediction against the target, over time (lazy, see LineChart). */
export function stateSeries(store, unit) {
  return { signature: `s|${store.version.fwd}|${unit}|${store.meta.T}`, build: () => buildStates(store, unit) };
}

function buildStates(store, unit) {
  const { cell, T } = store.meta;
  const series = [];
  const keys = cell === "rnn" ? [["h", COLORS.blue]] : [["c", COLORS.vermillion], ["y", COLORS.blue]];
  keys.forEach(([key, color], row) => {
    series.push(...unitSeries(store.matrix("fwd", key), row, unit, color, key));
  });
  const predRow = keys.length;
  const yHat = store.matrix("fwd", "y_hat");
  const O = Math.min(yHat.length, 3);
  const x = timeAxis(T);
  const palette = [COLORS.black, COLORS.purple, COLORS.orange];
  for (let k = 0; k < O; k++) {
    series.push({ name: O > 1 ? `ŷ${k}` : "ŷ", x, y: yHat[k], row: predRow, color: palette[k], width: 2 });
    const target = store.fwd.map((f) => (Array.isArray(f?.values?.target) ? f.values.target[k] : null));
    if (target.some((v) => v !== null && v !== undefined)) {
      series.push({ name: O > 1 ? `target${k}` : "target", x, y: target, row: predRow,
        color: palette[k], mode: "markers", width: 1 });
    }
  }
  return { series, xRange: [-0.5, T - 0.5] };
}

// Each norm has its own marker shape as well as its colour: colour is never the only cue.
const NORM_SYMBOLS = { dy: "circle", dh: "circle", dc: "square", dx: "triangle-up" };

/** ‖δ‖ per step for one or two models (compare mode: the second dashed). */
export function normSeries(entries) {
  const signature = `n|${entries.map(({ store }) => `${store.meta.cell}|${store.version.bwd}|${store.meta.T}`).join("|")}`;
  return { signature, build: () => buildNorms(entries) };
}

function buildNorms(entries) {
  const series = [];
  let T = 0;
  entries.forEach(({ store, label }, k) => {
    const keys = store.meta.cell === "rnn" ? ["dh", "dx"] : ["dy", "dc", "dx"];
    T = Math.max(T, store.meta.T);
    const x = timeAxis(store.meta.T);
    for (const key of keys) {
      series.push({ name: label ? `${label} ${NORM_LABELS[key]}` : NORM_LABELS[key], x,
        y: store.deltaNorms(key), color: NORM_COLORS[key], width: k === 0 ? 2 : 1.8,
        dash: k === 0 ? "solid" : "dash", mode: "lines+markers", symbol: NORM_SYMBOLS[key] });
    }
  });
  return { series, xRange: [-0.5, T - 0.5],
    emptyText: "Run BPTT (shift+← or “BPTT step”) to see how the error shrinks or grows going back in time." };
}

/** Training loss per update, one line per model. */
export function lossSeries(entries) {
  const signature = `l|${entries.map(({ store }) => store.version.train).join("|")}|${entries.length}`;
  return { signature, build: () => buildLoss(entries) };
}

function buildLoss(entries) {
  const series = [];
  entries.forEach(({ store, label }, k) => {
    const loss = store.training.loss;
    const x = Array.from({ length: loss.length }, (_, u) => u + 1);
    series.push({ name: label ? `${label} training loss` : "training loss", x, y: loss,
      color: k === 0 ? COLORS.black : COLORS.purple, width: 2, dash: k === 0 ? "solid" : "dash" });
    const held = store.training.heldout;
    if (held.length) {
      series.push({ name: label ? `${label} held-out loss` : "held-out loss",
        x: held.map(([u]) => u), y: held.map(([, v]) => v), color: COLORS.vermillion, width: 2,
        dash: k === 0 ? "solid" : "dash", mode: "lines+markers" });
    }
  });
  const n = Math.max(0, ...entries.map(({ store }) => store.training.loss.length));
  return { series, xRange: n ? null : [0, 10],
    emptyText: "Train (t key or “Train”) to watch the loss fall." };
}
