// The buttons around the figures: under each cell diagram zoom out / in and download as SVG or
// PNG; in each chart's caption download as PNG or SVG; in the status bar "Copy link". main.js
// hands it the view on every render (update), which names the files and keeps each diagram at
// its legible scale (touch.js).

import { h, setText } from "./dom.js";
import { DiagramZoom } from "./touch.js";
import { copyText, downloadChart, downloadDiagram } from "./figure_export.js";

const CHARTS = { "card-heat": "heatmap", "card-states": "states", "card-norms": "error-norms", "card-loss": "loss" };
const COPIED_MS = 2500;

/** A button whose accessible name starts with words only a screen reader hears. */
function labelled(hiddenText, visible, onclick, cls = "small") {
  return h("button", { type: "button", class: cls, onclick },
    h("span", { class: "sr-only" }, hiddenText), visible);
}

export class FigureTools {
  /** diagrams: the element holding the diagram slots; bar: the status bar; emit: the bus. */
  constructor(diagrams, bar, { emit, onError }) {
    this.emit = emit;
    this.onError = onError;
    this.ctx = { meta: null, state: null };
    this.zooms = new Map(); // figure → DiagramZoom
    this.diagrams = diagrams;
    this.figures = diagrams.getElementsByTagName("figure"); // live: compare mode adds its own
    for (const slot of diagrams.querySelectorAll(".diagram-slot")) this._diagramTools(slot);
    for (const [id, kind] of Object.entries(CHARTS)) this._chartTools(document.getElementById(id), kind);
    this.copyStatus = h("span", { class: "copy-status", role: "status" });
    this.copyButton = h("button", { type: "button", class: "copy-link", id: "copy-link",
      title: "Copy the address of exactly this view", onclick: () => this.copyLink() }, "Copy link");
    const help = bar.querySelector(".help-button");
    bar.insertBefore(h("span", { class: "copy-wrap" }, this.copyButton, this.copyStatus), help);
    window.addEventListener("resize", () => this.refresh());
    const tablist = diagrams.parentNode.querySelector("[role=tablist]");
    if (tablist) tablist.addEventListener("keydown", (ev) => this._onTabKey(ev, tablist));
  }

  /** ← and → move between the diagram tabs and show the one they reach (ARIA tabs pattern). */
  _onTabKey(ev, tablist) {
    if (ev.key !== "ArrowLeft" && ev.key !== "ArrowRight") return;
    const tabs = [...tablist.querySelectorAll("[role=tab]")];
    const k = tabs.indexOf(ev.target);
    if (k < 0) return;
    ev.preventDefault();
    ev.stopPropagation(); // not a step in time
    const next = tabs[(k + (ev.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
    next.focus();
    next.click();
  }

  _diagramTools(slot) {
    const figure = slot.querySelector("figure.dg");
    if (!figure) return;
    const kind = slot.dataset.kind;
    const name = figure.querySelector(".dg-title")?.textContent || kind;
    const zoom = new DiagramZoom(figure, { emit: this.emit });
    this.zooms.set(figure, zoom);
    const level = h("output", { class: "zoom-level", "aria-live": "off" }, "100 %");
    zoom.onChange = (z) => setText(level, `${Math.round(z * 100)} %`);
    const save = (format) => () => {
      downloadDiagram(figure, kind, format, this.ctx).catch((error) => this.onError(error));
    };
    const tools = h("div", { class: "dg-tools", role: "group", "aria-label": `${name}: zoom and download` },
      h("button", { type: "button", class: "small zoom-out", "aria-label": "Zoom out", title: "Zoom out",
        onclick: () => zoom.zoomOut() }, "−"),
      level,
      h("button", { type: "button", class: "small zoom-in", "aria-label": "Zoom in", title: "Zoom in (or pinch)",
        onclick: () => zoom.zoomIn() }, "+"),
      h("span", { class: "dg-tools-gap" }),
      labelled(`Download the ${name} diagram as `, "SVG", save("svg"), "small download-svg"),
      labelled(`Download the ${name} diagram as `, "PNG", save("png"), "small download-png"),
      h("span", { class: "dg-touch-hint" }, "Tap: next step · swipe: step · drag: pan · pinch: zoom"));
    figure.appendChild(tools);
  }

  _chartTools(card, kind) {
    if (!card) return;
    const plot = () => card.querySelector(".js-plotly-plot");
    const title = card.querySelector("figcaption .cap-title, figcaption")?.textContent.trim() || kind;
    const save = (format) => () => {
      const gd = plot();
      if (!gd) return; // not drawn yet: nothing to save
      Promise.resolve(downloadChart(gd, kind, format, this.ctx)).catch((error) => this.onError(error));
    };
    const short = title.split(/[,—(]/)[0].trim();
    card.querySelector("figcaption").appendChild(h("span", { class: "chart-tools" },
      labelled(`Download the chart “${short}” as `, "PNG", save("png"), "small download-png"),
      labelled(`Download the chart “${short}” as `, "SVG", save("svg"), "small download-svg")));
  }

  async copyLink() {
    try {
      await copyText(location.href);
      setText(this.copyStatus, "Link copied");
    } catch (error) {
      setText(this.copyStatus, "Copy failed: select the address bar");
    }
    clearTimeout(this._copied);
    this._copied = setTimeout(() => setText(this.copyStatus, ""), COPIED_MS);
  }

  /** ctx: {meta, state} of the view on screen. */
  update(ctx) {
    this.ctx = ctx;
    // The compare panels' diagrams: kept legible and zoomable too (their toolbar is the page's).
    // Checked on every render, not only when the look changes: a panel may replace its figure
    // (another cell kind) while the number of figures stays the same.
    let added = false;
    for (const figure of this.figures) {
      if (figure.matches("figure.dg") && !this.zooms.has(figure)) {
        this.zooms.set(figure, new DiagramZoom(figure, { emit: this.emit }));
        added = true;
      }
    }
    const look = `${ctx.meta?.cell}|${ctx.meta?.variant}|${ctx.state?.diagram}|${ctx.state?.compare}|`
      + `${this.figures.length}`;
    if (look !== this._look || added) {
      this._look = look;
      for (const [figure, zoom] of this.zooms) {
        if (!figure.isConnected) {
          zoom.disconnect();
          this.zooms.delete(figure);
        }
      }
      this.refresh();
    }
  }

  /** Size every diagram again (a tab shown, a theme or a window change). */
  refresh() {
    for (const zoom of this.zooms.values()) zoom.apply();
  }

  /** Measure the labels again (their size came from a theme). */
  remeasure() {
    for (const zoom of this.zooms.values()) zoom.remeasure();
  }
}
