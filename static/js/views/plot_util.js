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

/** The Plotly global, once loadPlotly() has brought it (a ChartGate says when). */
export function plotly() {
  if (!plotlyLoaded()) throw new Error("Plotly is not loaded");
  return window.Plotly;
}

export function plotlyLoaded() {
  return typeof window.Plotly === "object";
}

// Plotly is 4.8 MB: about 0.8 s of script on a desktop before anything else can run, seconds on
// a phone. The page loads it when the first chart comes on screen, so the diagrams come first
// and a page whose charts stay hidden or are never scrolled to never pays for it.
// Beside this module, wherever the page is served from (app/static_assets.py: versioned).
const PLOTLY_SRC = new URL("../../vendor/plotly/plotly.min.js", import.meta.url).href;
let plotlyLoading = null;

/** Load plotly.min.js once; resolves when window.Plotly is there. */
export function loadPlotly() {
  if (!plotlyLoading) {
    plotlyLoading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = PLOTLY_SRC;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => {
        plotlyLoading = null; // a later chart may try again
        reject(new Error("the chart library (plotly.min.js) did not load"));
      };
      document.head.appendChild(script);
    });
  }
  return plotlyLoading;
}

// Someone scrolling is on the way to the charts: start the download then.
window.addEventListener("scroll", () => loadPlotly().catch(() => null), { once: true, passive: true });

/**
 * Whether a chart may draw: its element has been on screen (once is enough) and Plotly is
 * loaded. When both come true, onReady() runs and a bubbling "chart-ready" event asks the page
 * to render again (main.js). Gates watch the screen only from ChartGate.arm() on: until the
 * page has drawn its first step the diagrams are empty and every chart would look on screen.
 */
export class ChartGate {
  static armed = false;
  static waiting = [];

  /** The page has its layout (its first step drawn): start watching. */
  static arm() {
    if (ChartGate.armed) return;
    ChartGate.armed = true;
    for (const gate of ChartGate.waiting.splice(0)) gate.observer.observe(gate.el);
  }

  constructor(el, onReady = null) {
    this.el = el;
    this.seen = false;
    this.observer = new IntersectionObserver((entries) => {
      if (!entries.some((e) => e.isIntersecting)) return;
      this.seen = true;
      this.observer.disconnect();
      const ready = () => {
        if (onReady) onReady();
        el.dispatchEvent(new CustomEvent("chart-ready", { bubbles: true }));
      };
      if (plotlyLoaded()) ready();
      else loadPlotly().then(ready, (error) => console.error(error));
    });
    if (ChartGate.armed) this.observer.observe(el);
    else ChartGate.waiting.push(this);
  }

  get open() {
    return this.seen && plotlyLoaded();
  }
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
    this.placed = [t, axis];
    const full = this.gd._fullLayout;
    // Mid-draw (a first Plotly.react still laying out) the layout has axes but no size yet:
    // hidden until the draw ends (drawn()).
    const ax = full && full._size && full[axis];
    const [lo, hi] = ax && ax.range ? ax.range : [NaN, NaN];
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

  /** Plotly.react on the chart this line lies on; then the line follows the axes it drew. */
  react(traces, layout, config) {
    return plotly().react(this.gd, traces, layout, config).then(() => this.drawn());
  }

  /** A Plotly.react finished: the axes may have moved. */
  drawn() {
    if (this.placed) this.place(...this.placed);
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
