// The per-unit strips of the cell diagrams: one cell per unit, coloured by value, the shown
// unit outlined. Drawn every step, so both halves avoid needless DOM work: renderStrip writes
// only cells whose colour or state changed, placeStrips measures label text (a layout read)
// once per text shape and writes transforms only after all reads.

import { el, colorFor, isDark } from "./svg_kit.js";

const STRIP_MAX_W = 60; // px: long hidden vectors shrink their cells instead of growing the strip
const STRIP_CELL = 9;

/** Fill probe p's strip with arr's values (unit outlined; −1 for none). */
export function renderStrip(p, arr, fam, unit) {
  const stripEl = p.stripEl;
  if (!arr) {
    if (stripEl.childElementCount) stripEl.replaceChildren();
    return;
  }
  const n = arr.length;
  if (stripEl.childElementCount !== n) {
    const w = cellWidth(n);
    stripEl.replaceChildren();
    for (let k = 0; k < n; k++) {
      el("rect", { x: k * w, y: 0, width: Math.max(1, w - 1), height: STRIP_CELL - 1,
        class: "cell", "data-unit": k }, stripEl);
    }
    p.cells = { fill: new Array(n).fill(null), dark: new Array(n).fill(false), sel: -1 };
  }
  const cells = stripEl.children;
  const c = p.cells;
  for (let k = 0; k < n; k++) {
    const fill = colorFor(fam, arr[k]) || "var(--dg-missing)";
    if (c.fill[k] !== fill) cells[k].style.fill = c.fill[k] = fill;
    const dark = isDark(fam, arr[k]);
    if (c.dark[k] !== dark) cells[k].classList.toggle("dark", (c.dark[k] = dark));
  }
  if (c.sel !== unit) {
    if (c.sel >= 0 && c.sel < n) cells[c.sel].classList.remove("sel");
    if (unit >= 0 && unit < n) cells[unit].classList.add("sel");
    c.sel = unit;
  }
}

/**
 * Put each following strip just right of its label's text, or under it (follow = "below").
 * A label's box is measured once per (symbol, number shape, strip size) and cached: numbers
 * use a monospace font, so "−0.123" and "−0.456" have the same box. All reads happen before
 * any transform is written: at most one layout per call, none once every shape was seen.
 */
export function placeStrips(probes) {
  const todo = [];
  for (const p of probes) {
    if (!p.follow || !p.labelEl || !p.last.show) continue;
    const sig = `${p.last.sym}|${p.last.num.replace(/[0-9]/g, "0")}|${p.stripEl.childElementCount}`;
    if (sig !== p.placed) todo.push([p, sig]);
  }
  const boxes = todo.map(([p, sig]) => p.boxes.get(sig) || measure(p, sig));
  todo.forEach(([p, sig], k) => {
    const bb = boxes[k];
    if (!bb) return; // not rendered (a hidden tab): placed once it is shown
    p.placed = sig;
    let x = bb.x;
    let y = bb.y + bb.height + 2;
    if (p.follow !== "below") {
      const end = p.labelEl.getAttribute("text-anchor") === "end";
      x = end ? bb.x - 6 - stripWidth(p.stripEl.childElementCount) : bb.x + bb.width + 5;
      y = bb.y + bb.height / 2 - 4.5;
    }
    p.stripEl.setAttribute("transform", `translate(${x.toFixed(1)},${y.toFixed(1)})`);
  });
}

/** Label box for signature sig, cached on the probe; null when the label is not rendered. */
function measure(p, sig) {
  const r = p.labelEl.getBBox();
  if (!r.width && !r.height) return null;
  const bb = { x: r.x, y: r.y, width: r.width, height: r.height };
  p.boxes.set(sig, bb);
  return bb;
}

function cellWidth(n) {
  return Math.min(STRIP_CELL, STRIP_MAX_W / n);
}

/** Width of n cells as renderStrip lays them out (what getBBox would say, without a read). */
function stripWidth(n) {
  if (!n) return 0;
  const w = cellWidth(n);
  return (n - 1) * w + Math.max(1, w - 1);
}
