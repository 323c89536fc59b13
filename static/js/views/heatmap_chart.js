// Unit × time heatmaps of the block input and the gates (forward: z, i, f, o; backward: their
// errors δz̄, δī, δf̄, δō), one Plotly figure with a row per quantity sharing the time axis.
// update(data) → _wrangle → _render; the cursor at t is a positioned div, so stepping is cheap,
// and the data is redrawn only when new frames arrived (and, while playing, within a budget).

import { SYMLOG, PLOT_CONFIG, ChartGate, RenderBudget, Cursor, baseLayout, binMean, colorscaleOf,
  timeBins, watchWidth } from "./plot_util.js";

const MAX_COLS = 300; // time columns drawn; longer sequences are averaged into bins
const MAX_CELLS = 20000; // per heatmap: many units get fewer, wider time bins
const GAP_MAX_UNITS = 16; // small models get a gap between rows (and the slower exact drawing)

/** Rows per cell, mode and structure: [key, label, colour family]. */
function panelsFor(cell, mode, s) {
  if (cell === "rnn") {
    return mode === "backward"
      ? [["dh", "δh", "delta"], ["da", "δa", "delta"]]
      : [["a", "a", "pre"], ["h", "h", "act"]];
  }
  if (mode === "backward") {
    const rows = [["dz_bar", "δz̄", "delta"]];
    if (s.input_gate !== false) rows.push(["di_bar", "δī", "delta"]);
    if (s.forget_gate !== false && !s.coupled) rows.push(["df_bar", "δf̄", "delta"]);
    if (s.output_gate !== false) rows.push(["do_bar", "δō", "delta"]);
    rows.push(["dc", "δc", "delta"]);
    return rows;
  }
  const gateLabel = (g, on) => (on === false ? `${g} = 1` : g);
  return [
    ["z", s.input_activation === false ? "z = z̄" : "z", s.input_activation === false ? "pre" : "act"],
    ["i", gateLabel("i", s.input_gate), "gate"],
    ["f", s.coupled ? "f = 1−i" : gateLabel("f", s.forget_gate), "gate"],
    ["o", gateLabel("o", s.output_gate), "gate"],
  ];
}

const RANGES = { gate: [0, 1], act: [-1, 1], pre: [-4, 4] };

export class HeatmapChart {
  /** container: an empty element; onSelect({unit, t}) when a cell of a heatmap is clicked. */
  constructor(container, { onSelect } = {}) {
    this.el = container;
    this.el.classList.add("heatmap-chart");
    this.plot = document.createElement("div");
    this.plot.className = "plot";
    this.el.appendChild(this.plot);
    this.cursor = new Cursor(this.plot);
    this.gate = new ChartGate(this.el);
    this.budget = new RenderBudget(800);
    this.width = 0;
    watchWidth(this.plot, (w) => { this.width = w; });
    this.onSelect = onSelect;
    this._sig = null;
    this._drawn = false;
    this._pendingT = null;
  }

  /** data: {store, mode, t, unit, playing}. */
  update(data) {
    if (!this.gate.open) return; // drawn once on screen (with Plotly loaded)
    const sig = this._signature(data);
    if (sig !== this._sig && this.budget.due(performance.now(), data.playing)) {
      const model = this._wrangle(data);
      this.budget.spend(() => this._render(model));
      this._sig = sig;
    }
    this.cursor.place(data.t);
  }

  _signature({ store, mode, unit }) {
    const src = mode === "backward" ? "bwd" : "fwd";
    const m = store.meta;
    return `${m.cell}|${JSON.stringify(m.structure)}|${m.T}|${m.hidden_size}|${mode}|${unit}|` +
      `${store.version[src]}|${this.width}`;
  }

  _wrangle({ store, mode, unit }) {
    const m = store.meta;
    const src = mode === "backward" ? "bwd" : "fwd";
    const cols = Math.max(50, Math.min(MAX_COLS, Math.floor(MAX_CELLS / Math.max(1, m.hidden_size))));
    const bins = timeBins(Math.max(1, m.T), cols);
    // Evenly spaced columns (x0, dx) let Plotly draw the heatmap as one scaled image.
    const dx = Math.max(1, m.T) / bins.length;
    const x = { x0: (dx - 1) / 2, dx };
    const panels = panelsFor(m.cell, mode, m.structure || {}).map(([key, label, family]) => {
      const rows = store.matrix(src, key);
      const raw = rows.map((row) => bins.map(([a, b]) => binMean((t) => row[t], a, b)));
      const z = family === "delta" ? raw.map((r) => r.map((v) => SYMLOG.apply(v))) : raw;
      return { key, label, family, raw, z };
    });
    // Bins with data: the selected unit's outline covers those, not the empty future.
    let first = Infinity;
    let last = -1;
    for (const p of panels) {
      for (const row of p.raw) {
        row.forEach((v, k) => {
          if (v !== null) {
            first = Math.min(first, k);
            last = Math.max(last, k);
          }
        });
      }
    }
    const span = last >= 0 ? [bins[first][0] - 0.5, bins[last][1] - 0.5] : null;
    return { panels, x, T: m.T, H: m.hidden_size, unit, span, binned: bins.length < m.T };
  }

  _render({ panels, x, T, H, unit, span, binned }) {
    const n = panels.length;
    const gap = 0.035;
    const h = (1 - gap * (n - 1)) / n;
    const rowPx = Math.max(44, Math.min(84, H * 9));
    const layout = baseLayout({
      height: n * rowPx + (n - 1) * 8 + 58,
      margin: { l: 64, r: 78, t: 10, b: 40 },
      // The time axis sits under the last row, shared by all of them.
      xaxis: { range: [-0.5, Math.max(T, 1) - 0.5], anchor: n > 1 ? `y${n}` : "y",
        title: { text: binned ? "time step t (binned)" : "time step t", standoff: 6 },
        zeroline: false, showgrid: false, ticks: "outside", ticklen: 3, fixedrange: true },
      shapes: [],
    });
    const families = [...new Set(panels.map((p) => p.family))];
    const traces = panels.map((p, k) => {
      const ya = k === 0 ? "y" : `y${k + 1}`;
      const axisName = k === 0 ? "yaxis" : `yaxis${k + 1}`;
      const top = 1 - k * (h + gap);
      layout[axisName] = {
        domain: [top - h, top], autorange: "reversed", title: { text: p.label, standoff: 4,
          font: { size: 15 } }, showgrid: false, zeroline: false, ticks: "", fixedrange: true,
        tickfont: { size: 9 }, dtick: H <= 8 ? 1 : undefined, anchor: "x",
      };
      if (span) {
        layout.shapes.push({ type: "rect", xref: "x", yref: ya, x0: span[0], x1: span[1],
          y0: unit - 0.5, y1: unit + 0.5, line: { color: "#111", width: 1.2 }, fillcolor: "rgba(0,0,0,0)" });
      }
      const ca = families.indexOf(p.family);
      return {
        type: "heatmap", x0: x.x0, dx: x.dx, z: p.z, xaxis: "x", yaxis: ya,
        coloraxis: ca === 0 ? "coloraxis" : `coloraxis${ca + 1}`,
        zsmooth: H <= GAP_MAX_UNITS ? false : "fast", ygap: H <= GAP_MAX_UNITS ? 1 : 0,
        // Errors are drawn on a symlog scale: the hover shows the raw δ from customdata (which
        // costs a second matrix, so forward rows hover their z directly).
        customdata: p.family === "delta" ? p.raw : undefined,
        hovertemplate: `${p.label}  unit %{y}, t ≈ %{x:.0f}: %{${p.family === "delta" ? "customdata" : "z"}:.4g}<extra></extra>`,
      };
    });
    families.forEach((fam, k) => {
      const name = k === 0 ? "coloraxis" : `coloraxis${k + 1}`;
      const rows = panels.map((p, j) => (p.family === fam ? j : -1)).filter((j) => j >= 0);
      const y0 = 1 - (rows[rows.length - 1] + 1) * h - rows[rows.length - 1] * gap;
      const y1 = 1 - rows[0] * (h + gap);
      const bar = { thickness: 9, len: Math.max(0.18, y1 - y0), y: (y0 + y1) / 2, yanchor: "middle",
        x: 1.01, xpad: 4, outlinewidth: 0, tickfont: { size: 9 } };
      if (fam === "delta") {
        layout[name] = { colorscale: colorscaleOf("delta"), cmin: -SYMLOG.top, cmax: SYMLOG.top,
          colorbar: { ...bar, ...SYMLOG.ticks(), title: { text: "δ", side: "top" } } };
      } else {
        const [cmin, cmax] = RANGES[fam];
        layout[name] = { colorscale: colorscaleOf(fam), cmin, cmax,
          colorbar: { ...bar, tickvals: [cmin, (cmin + cmax) / 2, cmax] } };
      }
    });
    this.cursor.react(traces, layout, PLOT_CONFIG);
    if (!this._drawn) {
      this._drawn = true;
      this.plot.on("plotly_click", (ev) => {
        const pt = ev && ev.points && ev.points[0];
        if (pt && this.onSelect) this.onSelect({ unit: Math.round(pt.y), t: Math.round(pt.x) });
      });
    }
  }
}
