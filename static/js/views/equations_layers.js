// The equations of one layer of a stack (docs/NOTATION.md, "Stacked layers"): layer l ≥ 1 reads
// the output of layer l − 1 as its x(t) and hands its δx back down to it; a layer below the
// top has no readout, and its δy (RNN δh) receives the δx of the layer above instead of the
// readout's error. Rows are rewritten, never computed: every slot is still a frame key.

import { fmtNum } from "../format.js";

const row = (label, sym, num = "", fill = () => ({})) => ({ label, sym, num, fill });

function vecText(arr, n = 3) {
  if (!Array.isArray(arr)) return "n/a";
  const shown = arr.slice(0, n).map(fmtNum).join(", ");
  return arr.length === 1 ? shown : `(${shown}${arr.length > n ? ", …" : ""})`;
}

/** Rows of `rows` (equations_tex.js, one layer) as layer `layer` of L draws them. */
export function layerRows(rows, { cell, mode, layer, L }) {
  const y = cell === "rnn" ? "h" : "y";
  const below = layer < L - 1;
  const sup = (k) => `^{(${k})}`;
  let out = rows;
  if (mode === "forward") {
    if (below) out = out.filter((r) => !["readout", "loss", "output"].includes(r.label));
    if (layer > 0) {
      out = [row(`input: layer ${layer - 1}'s ${y}`, `x(t) = ${y}${sup(layer - 1)}(t)`, "x = @x",
        ({ v }) => ({ x: vecText(v.x) })), ...out];
    }
    if (below) out.push(row(`to layer ${layer + 1}`, `${y}(t) \\;\\to\\; x${sup(layer + 1)}(t)`));
    return out;
  }
  return out.flatMap((r) => {
    if (below && cell === "rnn" && r.label === "output") return []; // δo: the top layer's
    if (below && (r.label === "block output" || r.label === "hidden state")) {
      const rest = cell === "rnn" ? "W^{\\top}\\delta a(t{+}1)" : "\\textstyle\\sum_* R_*^{\\top}\\,\\delta\\bar *(t{+}1)";
      return [row(`${r.label} (from layer ${layer + 1})`, `\\delta ${y} = \\delta x${sup(layer + 1)}(t) + ${rest}`,
        `@d${y} = @@d${y}_from_above + @@d${y}_from_next`)];
    }
    if (layer > 0 && r.label === "input") {
      return [{ ...r, label: `handed down to layer ${layer - 1}`,
        sym: `${r.sym} \\;\\to\\; \\delta ${y}${sup(layer - 1)}(t)` }];
    }
    return [r];
  });
}
