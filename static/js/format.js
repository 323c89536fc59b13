// The page's one number formatter: every number shown in text (diagram labels, equations,
// status line, compare panels, the experiment card) goes through fmtNum, so one value reads
// the same everywhere. tests/browser/explorer.py has its Python twin (js_fmt).

const MINUS = "\u2212";

/**
 * `digits` significant digits (3 by default) with a real minus sign; exponent form outside
 * [1e−3, 1e4); "n/a" for a missing or NaN value, ±∞ for infinities. The options are an object
 * so that arr.map(fmtNum) (which passes the index second) formats with the default.
 */
export function fmtNum(v, { digits = 3 } = {}) {
  if (v === null || v === undefined || Number.isNaN(v)) return "n/a";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : `${MINUS}∞`;
  const a = Math.abs(v);
  const s = a === 0 || (a >= 1e-3 && a < 1e4) ? v.toPrecision(digits) : v.toExponential(digits - 1);
  return s.replace("e+", "e").replace("e-", `e${MINUS}`).replace(/^-/, MINUS);
}
