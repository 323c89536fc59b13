// Lines over time in Plotly: per-unit c and y, the gradient norms per step on a log axis (the
// vanishing/exploding view), the loss while training. One renderer for all of them; what to
// draw arrives as named series (built by chart_series.js from the trace store).
// update(data) → _wrangle → _render; Plotly.react with new arrays only when the data changed.

import { PLOT_CONFIG, RenderBudget, Cursor, baseLayout, decimateMinMax, plotly } from "./plot_util.js";

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
    this.budget = new RenderBudget(150);
    this._sig = null;
  }

  /**
   * data: {series: [{name, x, y, row, color, width, dash, fill, legend}], signature, t,
   * xRange, playing, emptyText}. `signature` changes whenever the series do.
   */
  update(data) {
    const sig = `${data.signature}|${this.plot.clientWidth}`;
    if (sig !== this._sig && this.budget.due(performance.now(), data.playing)) {
      const model = this._wrangle(data);
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
      return { ...s, x: d.x, y: d.y };
    });
    const hasData = out.some((s) => s.y.some((v) => v !== null && Number.isFinite(v)));
    return { series: out, xRange, hasData, emptyText };
  }

  _render({ series, xRange, hasData, emptyText }) {
    const { rows, xTitle, height, legend } = this.options;
    const n = rows.length;
    const gap = 0.09;
    const h = (1 - gap * (n - 1)) / n;
    const layout = baseLayout({
      height,
      showlegend: legend,
      legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom", font: { size: 11 } },
      margin: { l: 58, r: 12, t: legend ? 28 : 10, b: 36 },
      xaxis: { title: { text: xTitle, standoff: 4 }, range: xRange || undefined,
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
    });
    const traces = series.map((s) => ({
      type: "scatter",
      mode: s.mode || "lines",
      name: s.name,
      x: s.x,
      y: s.y,
      yaxis: !s.row ? "y" : `y${s.row + 1}`,
      showlegend: s.legend !== false && legend,
      line: { color: s.color, width: s.width || 1.5, dash: s.dash || "solid", shape: "linear" },
      marker: { size: 4, color: s.color },
      fill: s.fill || "none",
      fillcolor: s.fillcolor,
      connectgaps: false,
      hoverinfo: s.hover === false ? "skip" : undefined,
      hovertemplate: s.hover === false ? undefined : `${s.name}: %{y:.4g} (%{x})<extra></extra>`,
    }));
    plotly().react(this.plot, traces, layout, PLOT_CONFIG);
    this.empty.textContent = hasData ? "" : emptyText || "";
    this.empty.hidden = hasData || !emptyText;
  }
}
