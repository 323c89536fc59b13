// The unit finder's results for one model (LSTMVis's selection): the units whose chosen quantity
// is on inside the selected span and off outside it, best first, with the engine's score
// (engine/unit_finder.py) as a bar and the means it is made of. Picking one selects that unit
// everywhere (the controller's state, as a unit chip or a heatmap click does).

import { h, setText } from "./dom.js";
import { fmtNum } from "../format.js";

const SHOWN = 8;

export class UnitFinderView {
  /** container: element to fill; onPick(unit) when a result is chosen. */
  constructor(container, { onPick } = {}) {
    this.onPick = onPick;
    this.head = h("p", { class: "uf-head" });
    this.list = h("ol", { class: "uf-list" });
    this.el = h("div", { class: "uf", "aria-live": "polite" }, this.head, this.list);
    container.appendChild(this.el);
    this._sig = null;
  }

  /** data: {rank: {result, busy, error, request} | null, unit, describe(start, stop) → text}. */
  update({ rank, unit, describe }) {
    const r = rank || {};
    const res = r.result;
    const sig = `${r.busy}|${r.error}|${res ? `${res.start}:${res.stop}:${res.quantity}:${res.polarity}` : "-"}|${unit}`;
    if (sig === this._sig) return;
    this._sig = sig;
    if (r.busy) {
      setText(this.head, "Ranking the units…");
      this.list.replaceChildren();
      return;
    }
    if (r.error) {
      setText(this.head, `Could not rank: ${r.error}`);
      this.list.replaceChildren();
      return;
    }
    if (!res) {
      setText(this.head, "Find units: drag over a part of the sequence (or give its steps) to rank the units that are on there and off elsewhere.");
      this.list.replaceChildren();
      return;
    }
    const [lo, hi] = res.steps;
    setText(this.head, `Units whose ${res.quantity} is ${res.polarity === "low" ? "low" : res.polarity === "magnitude" ? "far from 0" : "high"} at steps ${res.start}–${res.stop - 1}${describe ? ` ${describe(res.start, res.stop)}` : ""} and not at the other steps ${lo}–${hi - 1}:`);
    this.list.replaceChildren(...res.units.slice(0, SHOWN).map((u) => {
      const width = `${Math.max(0, u.score) * 100}%`;
      const pick = h("button", { type: "button", class: "uf-pick", dataset: { unit: String(u.unit) },
        "aria-pressed": String(u.unit === unit), onclick: () => this.onPick && this.onPick(u.unit) }, `unit ${u.unit}`);
      const bar = h("span", { class: "uf-bar", title: `score ${fmtNum(u.score)}` },
        h("span", { class: "uf-fill", style: `width: ${width}` }));
      return h("li", { class: u.unit === unit ? "uf-row on" : "uf-row", dataset: { unit: String(u.unit) } }, pick, bar,
        h("span", { class: "uf-score" }, fmtNum(u.score)),
        h("span", { class: "uf-means" }, `inside ${fmtNum(u.inside)} · outside ${fmtNum(u.outside)}`));
    }));
  }
}
