// The step shown, in words and bars: what the model reads at t and must predict, and (for a
// classification) its five most likely next symbols with their probabilities ŷ as bars, the
// right one marked; for numbers, input, target and prediction on the data's own scale.
// Everything shown is a frame's y_hat and target or the sequence's data, formatted.

import { h, setText } from "./dom.js";
import { fmtNum } from "../format.js";
import { put } from "./sequence_paint.js";

const TOP = 5;

/** A symbol as the page shows it: space and newline made visible. */
export function visible(ch) {
  if (ch === " ") return "␣";
  if (ch === "\n") return "⏎";
  if (ch === "\t") return "⇥";
  return ch;
}

/**
 * A z-scored value in the data's own units, raw = z · std + mean: the task's normalisation
 * (GET …/sequence "scale"), a change of units for display, not a computation of the model.
 */
export function toDataUnits(part, k, z) {
  if (z === null || z === undefined || !part) return z ?? null;
  const std = part.std[k];
  const mean = part.mean[k];
  return z * std + mean;
}

export class SequenceNow {
  constructor(container) {
    this.line = h("p", { class: "seq-now-line", "aria-live": "off" });
    this.bars = h("ol", { class: "seq-top", "aria-label": "The model's five most likely next symbols" });
    this.rows = Array.from({ length: TOP }, () => {
      const label = h("span", { class: "seq-top-label" });
      const fill = h("span", { class: "seq-top-fill" });
      const value = h("span", { class: "seq-top-value" });
      const li = h("li", { class: "seq-top-row" }, label, h("span", { class: "seq-top-bar" }, fill), value);
      this.bars.appendChild(li);
      return { li, label, fill, value, width: null };
    });
    this.extra = h("p", { class: "seq-top-extra" });
    this.el = h("div", { class: "seq-now" }, this.line, this.bars, this.extra);
    container.appendChild(this.el);
  }

  /**
   * data: {t, T, frame (forward frame of t or null), sequence, labels (symbol of each class),
   * describe(t) → "reads ‘e’" (the series' own wording)}.
   */
  update({ t, frame, sequence, labels }) {
    const seq = sequence;
    if (!seq) {
      setText(this.line, "");
      put(this.bars, "hidden", true);
      return;
    }
    const classes = seq.loss === "cross_entropy";
    setText(this.line, classes ? this._classLine(t, seq, labels) : this._numberLine(t, seq, frame));
    put(this.bars, "hidden", !classes);
    if (classes) this._bars(frame, seq.targets[t], labels);
    else setText(this.extra, "");
  }

  _classLine(t, seq, labels) {
    const tok = seq.tokens ? seq.tokens[t] : null;
    const reads = tok !== null && tok !== undefined && seq.vocabulary ? `reads ‘${visible(seq.vocabulary[tok])}’`
      : `reads ${seq.input_names.filter((_, d) => seq.inputs?.[t]?.[d]).join(", ") || "nothing"}`;
    const target = seq.targets[t];
    const next = target === null || target === undefined ? "no target at this step"
      : `must predict ‘${labels[target]}’`;
    return `t = ${t}: ${reads} · ${next}`;
  }

  _numberLine(t, seq, frame) {
    const raw = seq.inputs_raw ? seq.inputs_raw[t] : seq.inputs[t];
    const units = seq.scale ? seq.scale.inputs.units : [];
    const when = seq.step_labels ? ` (${seq.step_labels[t]})` : "";
    const input = seq.input_mask[t] ? seq.input_names.map((n, d) => `${n} ${fmtNum(raw[d])}${units[d] ? ` ${units[d]}` : ""}`).join(", ")
      : "no input";
    const target = seq.targets[t];
    const outs = seq.scale && seq.scale.outputs;
    const tr = seq.targets_raw && seq.targets_raw[t];
    const targetText = target === null ? "no target" : `target ${(tr || target).map((v) => fmtNum(v)).join(", ")}`;
    const yhat = frame && frame.values && frame.values.y_hat;
    let pred = "prediction not computed yet";
    if (yhat) {
      const shown = outs ? yhat.map((v, k) => toDataUnits(outs, k, v)) : yhat;
      pred = `prediction ${shown.map((v) => fmtNum(v)).join(", ")}`;
    }
    const unit = outs && outs.units[0] ? ` ${outs.units[0]}` : "";
    return `t = ${t}${when}: ${input} · ${targetText}${target === null ? "" : unit} · ${pred}${yhat ? unit : ""}`;
  }

  _bars(frame, target, labels) {
    const p = frame && frame.values && frame.values.y_hat;
    if (!Array.isArray(p)) {
      this.rows.forEach((r) => put(r.li, "hidden", true));
      setText(this.extra, "ŷ not computed yet at this step");
      return;
    }
    const order = p.map((v, k) => [v, k]).sort((a, b) => b[0] - a[0]);
    this.rows.forEach((r, i) => {
      const item = order[i];
      put(r.li, "hidden", !item);
      if (!item) return;
      const [v, k] = item;
      setText(r.label, labels[k] ?? String(k));
      setText(r.value, fmtNum(v));
      const width = `${Math.max(0, Math.min(1, v || 0)) * 100}%`;
      if (r.width !== width) {
        r.fill.style.width = width;
        r.width = width;
      }
      r.li.classList.toggle("target", k === target);
      put(r.li.dataset, "k", String(k));
    });
    if (target === null || target === undefined) {
      setText(this.extra, "");
    } else {
      const rank = order.findIndex(([, k]) => k === target);
      setText(this.extra, rank < TOP ? ""
        : `the one to predict, ‘${labels[target]}’: ŷ = ${fmtNum(p[target])} (rank ${rank + 1} of ${p.length})`);
    }
  }
}
