// Compare mode: two models side by side on the same seed and data (LSTM vs RNN, or two
// variants), stepping together. Each panel draws its cell with the diagram class it needs;
// the shared gradient-norm chart is a LineChart fed with both traces (see main.js).

import { CircuitDiagram } from "./circuit_diagram.js";
import { OdysseyDiagram } from "./odyssey_diagram.js";
import { RnnDiagram } from "./rnn_diagram.js";
import { h } from "./dom.js";
import { fmtNum } from "../format.js";

const DIAGRAMS = { circuit: CircuitDiagram, odyssey: OdysseyDiagram, rnn: RnnDiagram };

export class CompareView {
  constructor(container, { onHover } = {}) {
    this.el = container;
    this.el.classList.add("compare");
    this.onHover = onHover;
    this.panels = [0, 1].map((k) => {
      const title = h("h3", { class: "compare-title" });
      const stats = h("p", { class: "compare-stats" });
      const body = h("div", { class: "compare-diagram" });
      const node = h("section", { class: "compare-panel", dataset: { panel: k ? "b" : "a" } }, title, stats, body);
      this.el.appendChild(node);
      return { node, title, stats, body, diagram: null, kind: null, sig: null };
    });
  }

  /** models: [{label, cell, variant, structure}, ...] (two); diagram: "circuit" | "odyssey". */
  setModels(models, diagram) {
    models.forEach((m, k) => {
      const p = this.panels[k];
      const kind = m.cell === "rnn" ? "rnn" : diagram;
      const sig = `${kind}|${m.cell}|${m.variant}|${JSON.stringify(m.structure)}`;
      p.title.textContent = m.label;
      if (sig === p.sig) return;
      if (kind !== p.kind) {
        p.body.replaceChildren();
        p.diagram = new DIAGRAMS[kind](p.body, { onHover: this.onHover });
        p.kind = kind;
      }
      p.diagram.setStructure({ cell: m.cell, variant: m.variant, structure: m.structure });
      p.sig = sig;
    });
  }

  /** data: {mode, unit, t, stores: [storeA, storeB]}. */
  update({ mode, unit, t, stores }) {
    stores.forEach((store, k) => {
      const p = this.panels[k];
      if (!p.diagram || !store) return;
      const f = store.fwd[t];
      const b = store.bwd[t];
      p.diagram.update({ mode, unit: Math.min(unit, store.meta.hidden_size - 1), t, T: store.meta.T,
        values: f ? f.values : null, deltas: b ? b.deltas : null, cut_to_prev: Boolean(b && b.cut_to_prev) });
      const norms = Object.entries(b?.delta_norms ?? {}).map(([key, v]) => `‖δ${key.slice(1)}‖ = ${fmtNum(v)}`);
      const loss = f && f.loss_t !== null && f.loss_t !== undefined ? `loss(t) = ${fmtNum(f.loss_t)}` : "no target at t";
      p.stats.textContent = mode === "backward" ? (norms.join(" · ") || "BPTT has not reached t") : loss;
    });
  }
}
