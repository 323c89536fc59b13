// The legend of Greff et al. Fig. 1, drawn in the same symbols the Odyssey diagram uses.

import { el, group, wire, branchDot, mulNode, sumNode, actCircle, caption } from "./svg_kit.js";

const ITEMS = [
  ["unweighted connection", (g, x, y) => wire(g, [[x, y], [x + 26, y]], { arrow: false })],
  ["weighted connection", (g, x, y) => wire(g, [[x, y], [x + 26, y]], { style: "solid weighted", arrow: false })],
  ["connection with time-lag", (g, x, y) => wire(g, [[x, y], [x + 26, y]], { style: "lag", arrow: false })],
  ["peephole (weighted, blue)", (g, x, y) => wire(g, [[x, y], [x + 26, y]], { style: "peep weighted", arrow: false })],
  ["branching point", (g, x, y) => {
    wire(g, [[x, y], [x + 26, y]], { arrow: false });
    branchDot(g, x + 13, y);
  }],
  ["multiplication", (g, x, y) => mulNode(g, null, x + 13, y, 7)],
  ["sum over all inputs", (g, x, y) => sumNode(g, null, x + 13, y, 7)],
  ["gate activation σ (sigmoid)", (g, x, y) => actCircle(g, null, x + 13, y, "sigmoid", null, 7.5)],
  ["input activation g (tanh)", (g, x, y) => actCircle(g, null, x + 13, y, "tanh", null, 7.5)],
  ["output activation h (tanh)", (g, x, y) => actCircle(g, null, x + 13, y, "tanh", null, 7.5)],
];
const COLUMNS = [[0, 4], [4, 7], [7, 10]];
const COL_X = [0, 0.345, 0.63];

/** Draw the legend box at (x, y), w × h. */
export function drawLegend(parent, x, y, w, h) {
  const g = group(parent, "legend", "legend");
  el("rect", { x, y, width: w, height: h, rx: 6, class: "legend-box" }, g);
  const rowH = (h - 8) / 4;
  COLUMNS.forEach(([from, to], c) => {
    for (let k = from; k < to; k++) {
      const ix = x + 10 + COL_X[c] * w;
      const iy = y + 4 + rowH * (k - from) + rowH / 2;
      const [text, draw] = ITEMS[k];
      draw(group(g, null, "legend-icon"), ix, iy);
      caption(g, ix + 34, iy + 4, text, { class: "legend-text" });
    }
  });
  return g;
}
