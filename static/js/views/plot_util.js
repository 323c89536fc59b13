// Shared plumbing of the Plotly charts: one config and look, colour scales taken from the
// diagrams' ramps (a colour means the same thing everywhere on the page), decimation for long
// sequences, a cheap cursor line, and a budget that keeps redraws from starving the diagrams.

import { FAMILIES } from "./color_scales.js";

export const PLOT_CONFIG = {
  displayModeBar: false,
  responsive: true,
  scrollZoom: false,
  doubleClick: false,
};

export const FONT = { family: "DejaVu Sans, system-ui, sans-serif", size: 11, color: "#1d2330" };

/** Plotly global (vendored script loaded with `defer` before the modules run). */
export function plotly() {
  if (typeof window.Plotly !== "object") throw new Error("Plotly is not loaded");
  return window.Plotly;
}

/** A Plotly colorscale from a diagram colour ramp, evenly spaced stops. */
export function colorscaleOf(family) {
  const ramp = (FAMILIES[family] || FAMILIES.act).ramp;
  return ramp.map((c, k) => [k / (ramp.length - 1), c]);
}

/** Symmetric log used for errors δ, the same transform the diagrams colour with. */
export const SYMLOG = {
  lin: FAMILIES.delta.lin,
  max: FAMILIES.delta.max,
  apply(v) {
    if (v === null || !Number.isFinite(v)) return null;
    return Math.sign(v) * Math.log10(1 + Math.abs(v) / this.lin);
  },
  get top() {
    return Math.log10(1 + this.max / this.lin);
  },
  /** Tick positions and labels for a symlog colour bar. */
  ticks() {
    const mags = [1e-3, 1e-1, 10];
    const vals = [0];
    const text = ["0"];
    for (const m of mags) {
      vals.unshift(-this.apply(m));
      text.unshift(`−${m}`);
      vals.push(this.apply(m));
      text.push(`${m}`);
    }
    return { tickvals: vals, ticktext: text };
  },
};

/**
 * Time bins for at most `maxCols` columns: [[t0, t1), ...] covering 0..n−1. Identity when the
 * sequence is short, so a short run shows every step exactly.
 */
export function timeBins(n, maxCols) {
  const bins = [];
  if (n <= maxCols) {
    for (let t = 0; t < n; t++) bins.push([t, t + 1]);
    return bins;
  }
  const w = n / maxCols;
  for (let k = 0; k < maxCols; k++) bins.push([Math.floor(k * w), Math.floor((k + 1) * w)]);
  return bins;
}

/** Mean of the finite values of get(t) for t in [t0, t1); null when none. */
export function binMean(get, t0, t1) {
  let s = 0;
  let n = 0;
  for (let t = t0; t < t1; t++) {
    const v = get(t);
    if (v !== null && v !== undefined && Number.isFinite(v)) {
      s += v;
      n += 1;
    }
  }
  return n ? s / n : null;
}

/**
 * Min/max decimation of a series for a line chart: two points per bin keep every peak visible
 * (a plain stride would drop spikes, which is exactly what the gradient view must not hide).
 */
export function decimateMinMax(ts, ys, maxPoints) {
  if (ts.length <= maxPoints) return { x: ts, y: ys };
  const bins = timeBins(ts.length, Math.floor(maxPoints / 2));
  const x = [];
  const y = [];
  for (const [a, b] of bins) {
    let lo = a;
    let hi = a;
    for (let k = a; k < b; k++) {
      if (ys[k] === null) continue;
      if (ys[lo] === null || ys[k] < ys[lo]) lo = k;
      if (ys[hi] === null || ys[k] > ys[hi]) hi = k;
    }
    for (const k of lo <= hi ? [lo, hi] : [hi, lo]) {
      x.push(ts[k]);
      y.push(ys[k]);
    }
  }
  return { x, y };
}

/**
 * Redraw budget: a chart redraws its data at most every `interval` ms while playing, where the
 * interval grows with what the last redraw cost, and only one chart redraws per animation frame
 * (the frame number comes from main.js), so Plotly never starves the diagrams.
 */
export class RenderBudget {
  static frame = 0; // set by the render loop: one redraw per frame, page-wide
  static spentIn = -1;

  constructor(minInterval = 250) {
    this.minInterval = minInterval;
    this.last = -Infinity;
    this.cost = 0;
  }

  due(now, playing) {
    if (!playing) return true;
    if (RenderBudget.spentIn === RenderBudget.frame) return false;
    // At most ~2.5 % of the time goes to this chart's redraws while playing: a redraw also
    // restyles, lays out and repaints the chart (about as much again), and every frame it
    // takes is a step not drawn.
    return now - this.last >= Math.max(this.minInterval, 40 * this.cost);
  }

  /** Run fn and remember how long it took. */
  spend(fn) {
    const start = performance.now();
    fn();
    this.last = performance.now();
    this.cost = this.last - start;
    RenderBudget.spentIn = RenderBudget.frame;
  }
}

/** Calls onResize(width) when the element's width changes (no layout read per frame). */
export function watchWidth(el, onResize) {
  const observer = new ResizeObserver((entries) => {
    for (const entry of entries) onResize(Math.round(entry.contentRect.width));
  });
  observer.observe(el);
  return observer;
}

/**
 * A vertical cursor line drawn as a positioned div over a Plotly chart: moving it each step is
 * a style change, not a Plotly relayout.
 */
export class Cursor {
  constructor(container, className = "chart-cursor") {
    this.gd = container;
    this.line = document.createElement("div");
    this.line.className = className;
    this.line.hidden = true;
    this.last = { hidden: true, x: null, top: null, height: null }; // what the DOM holds
    container.appendChild(this.line);
  }

  /** Place the line at data x = `t` (hidden when outside the axis or the chart not drawn). */
  place(t, axis = "xaxis") {
    const full = this.gd._fullLayout;
    const ax = full && full[axis];
    const [lo, hi] = ax && ax.range ? ax.range : [0, -1];
    if (t === null || t === undefined || !(t >= Math.min(lo, hi) && t <= Math.max(lo, hi))) {
      this._set("hidden", true, () => { this.line.hidden = true; });
      return;
    }
    // Only changed values are written: a same-value style write still dirties the style.
    const size = full._size;
    this._set("hidden", false, () => { this.line.hidden = false; });
    this._set("x", (ax._offset + ax.l2p(t)).toFixed(1), (x) => { this.line.style.transform = `translateX(${x}px)`; });
    this._set("top", size.t, (v) => { this.line.style.top = `${v}px`; });
    this._set("height", size.h, (v) => { this.line.style.height = `${v}px`; });
  }

  _set(slot, value, write) {
    if (this.last[slot] === value) return;
    this.last[slot] = value;
    write(value);
  }
}

/** A base layout: compact margins, the page's font, transparent background. */
export function baseLayout(extra = {}) {
  return {
    font: FONT,
    margin: { l: 48, r: 12, t: 26, b: 32 },
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "#ffffff",
    showlegend: false,
    hoverlabel: { font: { ...FONT, size: 12 } },
    ...extra,
  };
}
