// A number series as the model reads it: each input channel over time (named as the task or the
// CSV header names it), the target and the prediction on the data's own scale (the
// normalisation stated), a strip coloured like the text view (the selected unit's quantity, or
// the connectivity), and marks for the steps that carry an input and a target, so many-to-one
// and one-to-many read at a glance. One Plotly figure; a click seeks, a horizontal drag selects
// a span for the unit finder. Long sequences are binned (min/max for lines, means for strips).

import { PLOT_CONFIG, ChartGate, RenderBudget, Cursor, baseLayout, binMean, decimateMinMax, timeBins,
  watchWidth } from "./plot_util.js";
import { FAMILIES, position } from "./color_scales.js";
import { toDataUnits } from "./sequence_now.js";
import { CONN_RAMP, connPosition } from "./sequence_paint.js";

const MAX_POINTS = 800;
const MAX_COLS = 500;
const LINE_CHANNELS = 4; // more inputs than this (one-hot symbols) are drawn as a heatmap
// Up to this many steps a line also marks each point. Beyond it, lines only: every marker is an
// SVG element of its own, and thousands of them cost the page each frame it paints.
const MARKED = 150;
const COLORS = ["#0072b2", "#009e73", "#cc79a7", "#56b4e9"];
const TARGET = "#1d2330";
const PRED = "#d55e00";

export class SequenceSeries {
  /** container: element to fill; onSeek(t); onSpan({start, stop}) for a dragged selection. */
  constructor(container, { onSeek, onSpan } = {}) {
    this.el = document.createElement("div");
    this.el.className = "seq-series";
    container.appendChild(this.el);
    this.plot = document.createElement("div");
    this.plot.className = "plot";
    this.el.appendChild(this.plot);
    this.note = document.createElement("p");
    this.note.className = "seq-note";
    this.el.appendChild(this.note);
    this.cursor = new Cursor(this.plot);
    this.gate = new ChartGate(this.el);
    this.budget = new RenderBudget(1000); // while playing, the chart's data redraws seldom
    this.width = 0;
    watchWidth(this.plot, (w) => { this.width = w; });
    Object.assign(this, { onSeek, onSpan });
    this._sig = null;
    this._wired = false;
  }

  /**
   * data: {sequence, store, strip: {values, family | "conn", top, label}, t, playing, signature}
   * (strip.values[t]: the unit's number or the norm; null where none).
   */
  update(data) {
    if (!this.gate.open) return; // drawn once on screen (with Plotly loaded)
    const sig = `${data.signature}|${this.width}|${Boolean(data.playing)}`;
    if (data.sequence && sig !== this._sig && this.budget.due(performance.now(), data.playing)) {
      const model = this._wrangle(data);
      model.still = Boolean(data.playing);
      this.budget.spend(() => this._render(model));
      this._sig = sig;
    }
    this.cursor.place(data.t ?? null);
  }

  _wrangle({ sequence: seq, store, strip }) {
    const T = seq.T;
    const ts = Array.from({ length: T }, (_, t) => t);
    const D = seq.input_names.length;
    const ins = seq.scale ? seq.scale.inputs : null;
    const outs = seq.scale ? seq.scale.outputs : null;
    const rawIn = seq.inputs_raw || seq.inputs;
    const channels = [];
    if (D <= LINE_CHANNELS) {
      for (let d = 0; d < D; d++) {
        const y = rawIn.map((row, t) => (seq.input_mask[t] ? row[d] : null));
        channels.push({ name: seq.input_names[d], unit: ins ? ins.units[d] : "", ...decimateMinMax(ts, y, MAX_POINTS) });
      }
    }
    const bins = timeBins(T, MAX_COLS);
    const onehot = D > LINE_CHANNELS && seq.inputs
      ? seq.input_names.map((_, d) => bins.map(([a, b]) => binMean((t) => seq.inputs[t][d], a, b))) : null;
    // Target and prediction, in the data's units where the task says how (raw = z · std + mean).
    const classes = seq.loss === "cross_entropy";
    const target = [];
    const pred = [];
    for (let t = 0; t < T; t++) {
      const tg = seq.targets[t];
      const f = store.fwd[t];
      const yhat = f && f.values ? f.values.y_hat : null;
      if (classes) {
        target.push(tg === null ? null : 1);
        pred.push(tg === null || !yhat ? null : yhat[tg]); // ŷ of the right class
      } else {
        const raw = seq.targets_raw ? seq.targets_raw[t] : tg;
        target.push(raw ? raw[0] : null);
        pred.push(yhat ? (outs ? toDataUnits(outs, 0, yhat[0]) : yhat[0]) : null);
      }
    }
    const stripZ = bins.map(([a, b]) => {
      const v = binMean((t) => strip.values[t], a, b);
      if (v === null) return null;
      if (strip.family === "conn") return connPosition(v, strip.top);
      return position(strip.family, v);
    });
    const stripRaw = bins.map(([a, b]) => binMean((t) => strip.values[t], a, b));
    // Which steps carry an input and a target: two rows of an image (any step of a bin).
    const any = (mask) => bins.map(([a, b]) => (mask.slice(a, b).some(Boolean) ? 1 : 0));
    const marks = { input: any(seq.input_mask), target: any(seq.target_mask).map((v) => 2 * v),
      targets: seq.target_mask.filter(Boolean).length };
    const outName = classes ? "ŷ of the right class" : seq.output_names.join(", ");
    const outUnit = outs && outs.units[0] ? ` (${outs.units[0]})` : "";
    return { T, channels, onehot, names: seq.input_names, bins,
      target: decimateMinMax(ts, target, MAX_POINTS), pred: decimateMinMax(ts, pred, MAX_POINTS),
      targetSparse: marks.targets < T, outTitle: `${outName}${outUnit}`,
      strip: { z: stripZ, raw: stripRaw, family: strip.family, label: strip.label }, marks,
      labels: seq.step_labels, classes, note: noteOf(seq) };
  }

  _render(m) {
    // Rows top to bottom, in pixels: inputs, target/prediction, the strip, the marks.
    const rows = [];
    m.channels.forEach((c) => rows.push({ kind: "in", px: 56, title: c.unit ? `${c.name} (${c.unit})` : c.name, c }));
    if (m.onehot) rows.push({ kind: "onehot", px: Math.min(120, 14 * m.names.length), title: "inputs" });
    rows.push({ kind: "out", px: 96, title: m.outTitle });
    rows.push({ kind: "strip", px: 20, title: m.strip.label });
    rows.push({ kind: "marks", px: 30, title: "" });
    const gap = 18;
    const total = rows.reduce((s, r) => s + r.px, 0) + gap * (rows.length - 1);
    const margin = { l: 50, r: 12, t: 18, b: 34 };
    const layout = baseLayout({
      height: total + margin.t + margin.b, margin, dragmode: "select", selectdirection: "h",
      showlegend: true, legend: { orientation: "h", x: 1, xanchor: "right", y: 1.0, yanchor: "bottom", font: { size: 10 } },
      xaxis: { range: [-0.5, m.T - 0.5], anchor: `y${rows.length}`, zeroline: false, fixedrange: true,
        title: { text: "time step t", standoff: 4 }, gridcolor: "#eef0f4" },
      annotations: [],
    });
    const traces = [];
    let top = 1;
    rows.forEach((r, k) => {
      const h = r.px / total;
      const name = k === 0 ? "yaxis" : `yaxis${k + 1}`;
      const ya = k === 0 ? "y" : `y${k + 1}`;
      layout[name] = { domain: [Math.max(0, top - h), top], anchor: "x", fixedrange: true, zeroline: false,
        gridcolor: "#eef0f4", tickfont: { size: 9 }, nticks: 4 };
      // Row titles sit above their row, level (a rotated axis title does not fit a short row).
      if (r.title && r.kind !== "strip") {
        layout.annotations.push({ text: r.title, xref: "paper", yref: "paper", x: 0, y: top, xanchor: "left",
          yanchor: "bottom", showarrow: false, font: { size: 10, color: "#5b6475" } });
      }
      top -= h + gap / total;
      if (r.kind === "in") {
        traces.push({ type: "scatter", mode: m.T > MARKED ? "lines" : "lines+markers", x: r.c.x, y: r.c.y, yaxis: ya,
          name: r.c.name, showlegend: false, line: { color: COLORS[k % COLORS.length], width: 1.4 }, marker: { size: 3 },
          connectgaps: false, hovertemplate: `${r.c.name}: %{y:.4g} (t = %{x})<extra></extra>` });
      } else if (r.kind === "onehot") {
        const dx = m.T / m.bins.length;
        traces.push({ type: "heatmap", z: m.onehot, x0: (dx - 1) / 2, dx, yaxis: ya, showscale: false,
          colorscale: [[0, "#ffffff"], [1, "#1d2330"]], zmin: 0, zmax: 1, y: m.names,
          hovertemplate: "%{y} at t ≈ %{x:.0f}: %{z:.2f}<extra></extra>" });
        Object.assign(layout[name], { tickfont: { size: 8 }, tickvals: m.names, ticktext: m.names,
          autorange: "reversed", nticks: undefined });
      } else if (r.kind === "out") {
        const targetMode = m.targets > MARKED ? "lines" : m.targetSparse ? "markers" : "lines+markers";
        traces.push({ type: "scatter", mode: targetMode, x: m.target.x,
          y: m.target.y, yaxis: ya, name: m.classes ? "target step" : "target", connectgaps: false,
          line: { color: TARGET, width: 1.2, dash: "dot" }, marker: { size: 5, color: TARGET, symbol: "circle-open" },
          hovertemplate: "target: %{y:.4g} (t = %{x})<extra></extra>" });
        // A line needs two points: with few steps computed, markers show the prediction.
        const few = m.pred.y.filter((v) => v !== null).length < 3;
        const marked = few || (m.targetSparse && m.T <= MARKED);
        traces.push({ type: "scatter", mode: marked ? "lines+markers" : "lines", x: m.pred.x, y: m.pred.y,
          yaxis: ya, name: m.classes ? "ŷ of the right class" : "prediction", connectgaps: m.targetSparse,
          line: { color: PRED, width: 1.6 }, marker: { size: 4, color: PRED },
          hovertemplate: "prediction: %{y:.4g} (t = %{x})<extra></extra>" });
        if (m.classes) layout[name].range = [0, 1.05];
      } else if (r.kind === "strip") {
        const dx = m.T / m.bins.length;
        const conn = m.strip.family === "conn";
        const ramp = conn ? CONN_RAMP : (FAMILIES[m.strip.family] || FAMILIES.act).ramp;
        traces.push({ type: "heatmap", z: [m.strip.z], customdata: [m.strip.raw], x0: (dx - 1) / 2, dx, yaxis: ya,
          showscale: false, zmin: 0, zmax: 1, colorscale: ramp.map((c, i) => [i / (ramp.length - 1), c]),
          hovertemplate: `${m.strip.label} at t ≈ %{x:.0f}: %{customdata:.4g}<extra></extra>` });
        Object.assign(layout[name], { showticklabels: true, showgrid: false, tickvals: [0], ticktext: [m.strip.label] });
      } else {
        const dx = m.T / m.bins.length;
        traces.push({ type: "heatmap", name: "marks", z: [m.marks.input, m.marks.target], y: ["input", "target"],
          x0: (dx - 1) / 2, dx, yaxis: ya, showscale: false, zmin: 0, zmax: 2, xgap: m.bins.length <= 100 ? 1 : 0,
          ygap: 2, colorscale: [[0, "#ffffff"], [0.25, "#ffffff"], [0.26, "#0072b2"], [0.74, "#0072b2"],
            [0.75, "#1d2330"], [1, "#1d2330"]],
          hovertemplate: "%{y} at t ≈ %{x:.0f}: %{z}<extra>0: none, 1: an input, 2: a target</extra>" });
        Object.assign(layout[name], { showgrid: false, tickfont: { size: 9 }, autorange: "reversed" });
      }
    });
    // While playing the chart is drawn without its interactive layers (nobody selects a span
    // of a moving sequence): far fewer elements for the page to lay out each frame.
    this.cursor.react(traces, layout, { ...PLOT_CONFIG, staticPlot: m.still });
    if (this.note.textContent !== m.note) this.note.textContent = m.note;
    if (!this._wired) {
      this._wired = true;
      this.plot.on("plotly_click", (ev) => {
        const pt = ev && ev.points && ev.points[0];
        if (pt && this.onSeek) this.onSeek(Math.max(0, Math.min(m.T - 1, Math.round(pt.x))));
      });
      this.plot.on("plotly_selected", (ev) => {
        const range = ev && ev.range && ev.range.x;
        if (!range || !this.onSpan) return;
        const start = Math.max(0, Math.ceil(Math.min(...range)));
        const stop = Math.min(this.T ?? Infinity, Math.floor(Math.max(...range)) + 1);
        if (stop > start) this.onSpan({ start, stop });
      });
    }
    this.T = m.T;
  }
}

/** How the numbers on the chart relate to what the model reads. */
function noteOf(seq) {
  const sc = seq.scale;
  if (!sc) return "The values are drawn as the model reads them (the task does not rescale them).";
  const units = [...new Set([...sc.inputs.units, ...(sc.outputs ? sc.outputs.units : [])].filter(Boolean))];
  return `Drawn on the data's own scale${units.length ? ` (${units.join(", ")})` : ""}; the model reads `
    + `and predicts normalised values — ${sc.normalisation}.`;
}
