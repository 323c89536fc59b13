// Colour scales for the diagrams: one fixed domain per quantity family, so a colour means the
// same number at every step (auto-ranging per frame would make a tiny value look as loud as a
// large one). ColorBrewer ramps, all readable by the common kinds of colour blindness.

// Sequential, 0 → 1: gates are valves, white = closed, dark green = open.
const GREENS = ["#f7fcf5", "#e5f5e0", "#c7e9c0", "#a1d99b", "#74c476", "#41ab5d", "#238b45",
  "#006d2c", "#00441b"];
// Diverging for forward signed values: blue < 0 < red (RdBu, reversed).
const RDBU = ["#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7", "#fddbc7", "#f4a582",
  "#d6604d", "#b2182b"];
// Diverging for errors δ: purple < 0 < orange (PuOr), so backward never looks like forward.
const PUOR = ["#542788", "#8073ac", "#b2abd2", "#d8daeb", "#f7f7f7", "#fee0b6", "#fdb863",
  "#e08214", "#b35806"];

/** Fixed domains per family: [kind, lo, hi]. Colour saturates outside; the text never does. */
export const FAMILIES = {
  gate: { kind: "seq", lo: 0, hi: 1, ramp: GREENS, note: "gate activation, 0 (closed) … 1 (open)" },
  act: { kind: "div", max: 1, ramp: RDBU, note: "activation in [−1, 1]" },
  pre: { kind: "div", max: 4, ramp: RDBU, note: "pre-activation, saturates beyond ±4" },
  cell: { kind: "div", max: 2, ramp: RDBU, note: "cell state, colour saturates beyond ±2" },
  io: { kind: "div", max: 2, ramp: RDBU, note: "input / readout, colour saturates beyond ±2" },
  delta: { kind: "symlog", lin: 1e-4, max: 10, ramp: PUOR,
    note: "error δ, log magnitude: 1e−4 … 10" },
};

function hexToRgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
const RGB = new Map();
function rgbOf(hex) {
  if (!RGB.has(hex)) RGB.set(hex, hexToRgb(hex));
  return RGB.get(hex);
}

/** [r, g, b] at position u ∈ [0, 1] of a ramp (linear in RGB between ColorBrewer stops). */
export function rgbAt(ramp, u) {
  const p = Math.min(1, Math.max(0, u)) * (ramp.length - 1);
  const k = Math.min(ramp.length - 2, Math.floor(p));
  const a = rgbOf(ramp[k]);
  const b = rgbOf(ramp[k + 1]);
  const w = p - k;
  return a.map((v, j) => Math.round(v + (b[j] - v) * w));
}

/** CSS colour at position u ∈ [0, 1] of a ramp. */
export function rampAt(ramp, u) {
  const c = rgbAt(ramp, u);
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

/** [r, g, b] of value v in `family` (for pixels); null for a missing or non-finite value. */
export function rgbFor(family, v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return null;
  return rgbAt((FAMILIES[family] || FAMILIES.act).ramp, position(family, v));
}

/** Position in [0, 1] of value v in a family's domain (0.5 = zero for diverging ones). */
export function position(family, v) {
  const f = FAMILIES[family] || FAMILIES.act;
  if (f.kind === "seq") return (v - f.lo) / (f.hi - f.lo);
  if (f.kind === "div") return 0.5 + 0.5 * Math.max(-1, Math.min(1, v / f.max));
  // Symmetric log: |δ| = 1e−4 is already visibly tinted, 10 is full colour.
  const m = Math.log10(1 + Math.abs(v) / f.lin) / Math.log10(1 + f.max / f.lin);
  return 0.5 + 0.5 * Math.sign(v) * Math.min(1, m);
}

/** CSS colour of value v in `family`; null for a missing or non-finite value. */
export function colorFor(family, v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return null;
  const f = FAMILIES[family] || FAMILIES.act;
  return rampAt(f.ramp, position(family, v));
}

/** True when text on this colour should be white (dark background). */
export function isDark(family, v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return false;
  const u = position(family, v);
  return FAMILIES[family]?.kind === "seq" ? u > 0.7 : Math.abs(u - 0.5) > 0.38;
}

/** A CSS linear-gradient of a family's ramp, for legends. */
export function gradientCss(family) {
  const ramp = (FAMILIES[family] || FAMILIES.act).ramp;
  return `linear-gradient(to right, ${ramp.join(", ")})`;
}
