// Lines over time in Plotly: per-unit c and y, the gradient norms per step on a log axis (the
// vanishing/exploding view), the loss while training. One renderer for all of them; what to
// draw arrives as named series (built by chart_series.js from the trace store).
// update(data) → _wrangle → _render; Plotly.react with new arrays only when the data changed.

import { PLOT_CONFIG, ChartGate, RenderBudget, Cursor, baseLayout, decimateMinMax,
  watchWidth } from "./plot_util.js";

const MAX_POINTS = 600; // per series; min/max decimation above that keeps spikes visible

export class LineChart {
  /**
   * options: {rows: [{title, log, range}], xTitle, xRange(data) → [lo, hi] | null, height,
   * legend}; each series names its row (0-based).
   */
  constructor(container, options = {}) {
    this.el = container;
    this.el.classList.add("line-chart");
    this.options = { rows: [{ title: "" }], xTitle: "time step t", height: 220, legend: false,
      ...options };
    this.plot = document.createElement("div");
    this.plot.className = "plot";
    this.el.appendChild(this.plot);
    this.empty = document.createElement("p");
    this.empty.className = "chart-empty";
    this.el.appendChild(this.empty);
    this.cursor = new Cursor(this.plot);
    this.gate = new ChartGate(this.el);
    this.budget = new RenderBudget(400);
    this._sig = null;
    this.width = 0;
    watchWidth(this.plot, (w) => { this.width = w; });
  }

  /**
   * data: {signature, build() → {series: [{name, x, y, row, color, width, dash, fill}], xRange,
   * emptyText}, t, playing}. `signature` changes whenever the series would; build() runs only
   * when a redraw is due, so an unchanged chart costs nothing per frame.
   */
  update(data) {
    if (!this.gate.open) return; // drawn once on screen (with Plotly loaded)
    const sig = `${data.signature}|${this.width}`;
    if (sig !== this._sig && this.budget.due(performance.now(), data.playing)) {
      const model = this._wrangle(data.build());
      this.budget.spend(() => this._render(model));
      this._sig = sig;
    }
    this.cursor.place(data.t ?? null);
  }

  _wrangle({ series, xRange, emptyText }) {
    const rows = this.options.rows;
    const out = series.map((s) => {
      const row = rows[s.row || 0] || {};
      // A log axis cannot show 0 or negatives: those steps carry no error (e.g. cut by
      // truncation) and are left as gaps rather than faked as tiny numbers.
      const y = row.log ? s.y.map((v) => (v !== null && v > 0 ? v : null)) : s.y;
      const d = decimateMinMax(s.x, y, MAX_POINTS);
      const points = y.reduce((n, v) => (v !== null && Number.isFinite(v) ? n + 1 : n), 0);
      return { ...s, x: d.x, y: d.y, points };
    });
    const hasData = out.some((s) => s.y.some((v) => v !== null && Number.isFinite(v)));
    // Decades spanned per log row: labels per decade when wide, plain numbers when narrow
    // (Plotly's default in between labels 0.5 as a bare "5").
    const decades = rows.map((row, k) => {
      if (!row.log) return null;
      let lo = Infinity;
      let hi = -Infinity;
      for (const s of out) {
        if ((s.row || 0) !== k) continue;
        for (const v of s.y) if (v !== null && v > 0) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      }
      return hi > lo ? Math.log10(hi / lo) : 0;
    });
    return { series: out, xRange, hasData, emptyText, decades };
  }

  _render({ series, xRange, hasData, emptyText, decades }) {
    const { rows, xTitle, height, legend } = this.options;
    const n = rows.length;
    const gap = 0.09;
    const h = (1 - gap * (n - 1)) / n;
    const layout = baseLayout({
      height,
      showlegend: legend,
      legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom", font: { size: 11 } },
      margin: { l: 58, r: 12, t: legend ? 28 : 10, b: 36 },
      xaxis: { title: { text: xTitle, standoff: 4 }, range: xRange || undefined, anchor: n > 1 ? `y${n}` : "y",
        autorange: xRange ? false : true, zeroline: false, gridcolor: "#eef0f4" },
    });
    rows.forEach((row, k) => {
      const name = k === 0 ? "yaxis" : `yaxis${k + 1}`;
      const top = 1 - k * (h + gap);
      layout[name] = {
        domain: [top - h, top], type: row.log ? "log" : "linear", anchor: "x",
        title: { text: row.title, standoff: 2 }, gridcolor: "#eef0f4", zeroline: !row.log,
        zerolinecolor: "#d6dae2", range: row.range || undefined, exponentformat: "power",
        fixedrange: true,
      };
      // A label per decade, or per few decades when training blew up over hundreds of them.
      if (row.log && (decades[k] >= 2 || !hasData)) layout[name].dtick = Math.max(1, Math.ceil(decades[k] / 8));
      // Under two decades: labels at 1, 2 and 5 only (every digit's label would overlap).
      else if (row.log) Object.assign(layout[name], { tickformat: ".2~g", dtick: "D2" });
    });
    const traces = series.map((s) => ({
      type: "scatter",
      // A line needs two points: with few steps computed, markers make the data visible.
      mode: s.mode || (s.points < 3 ? "lines+markers" : "lines"),
      name: s.name,
      x: s.x,
      y: s.y,
      yaxis: !s.row ? "y" : `y${s.row + 1}`,
      showlegend: s.legend !== false && legend,
      line: { color: s.color, width: s.width || 1.5, dash: s.dash || "solid", shape: "linear" },
      marker: { size: s.symbol ? 6 : 4, color: s.color, symbol: s.symbol || "circle" },
      fill: s.fill || "none",
      fillcolor: s.fillcolor,
      connectgaps: false,
      hoverinfo: s.hover === false ? "skip" : undefined,
      hovertemplate: s.hover === false ? undefined : `${s.name}: %{y:.4g} (%{x})<extra></extra>`,
    }));
    this.cursor.react(traces, layout, PLOT_CONFIG);
    this.empty.textContent = hasData ? "" : emptyText || "";
    this.empty.hidden = hasData || !emptyText;
  }
}
