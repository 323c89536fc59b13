// Figures for slides: the shown cell diagram as a standalone SVG or PNG (its numbers, a title
// line naming model, task, step and unit, and the colour legend), each chart as PNG or SVG
// (Plotly.downloadImage), and "copy link to this view" (the address holds the whole view).
// Files are named after model, task, figure, pass, step and unit, e.g.
// lstm-vanilla_sine_circuit_forward_t5_unit0.svg. Everything is made in the browser from what
// is on screen; nothing is asked of the server.

import { SVG_NS, el, FAMILIES } from "./svg_kit.js";
import { plotly } from "./plot_util.js";

const XLINK = "http://www.w3.org/2000/xmlns/";
const HEAD = 44; // title band above the diagram, in its user units
const LEGEND = 30; // legend band below it
const PNG_SCALE = 2; // pixels per user unit: sharp on a projector and a retina slide
// What makes the drawing look as it does on the page; inlined so the file needs no stylesheet.
const STYLE_PROPS = ["fill", "fill-opacity", "stroke", "stroke-width", "stroke-opacity",
  "stroke-dasharray", "stroke-dashoffset", "stroke-linecap", "stroke-linejoin", "opacity",
  "font-family", "font-size", "font-style", "font-weight", "paint-order", "text-anchor",
  "dominant-baseline", "baseline-shift", "visibility"];
const NOT_INHERITED = new Set(["opacity", "dominant-baseline", "baseline-shift"]);
// What an SVG viewer assumes when a property is not set (SVG 1.1 initial values).
const DEFAULT_LOOK = { fill: "rgb(0, 0, 0)", "fill-opacity": "1", stroke: "none", "stroke-width": "1px",
  "stroke-opacity": "1", "stroke-dasharray": "none", "stroke-dashoffset": "0px", "stroke-linecap": "butt",
  "stroke-linejoin": "miter", opacity: "1", "font-family": "", "font-size": "16px", "font-style": "normal",
  "font-weight": "400", "paint-order": "normal", "text-anchor": "start", "dominant-baseline": "auto",
  "baseline-shift": "0px", visibility: "visible" };

/** "lstm-NP+CIFG" → "lstm-NP-CIFG": safe in a file name on every system. */
function slug(text) {
  return String(text).replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "");
}

/** The model's part of a file name and of a title: ["lstm-vanilla", "LSTM (vanilla)"]. */
function modelNames(meta) {
  if (!meta || !meta.cell) return ["model", "model"];
  if (meta.cell === "rnn") return ["rnn", "simple RNN"];
  return [slug(`lstm-${meta.variant || "vanilla"}`), `LSTM (${meta.variant || "vanilla"})`];
}

/** Base file name (no extension) for figure `kind` of the view in ctx = {meta, state}. */
export function figureName(ctx, kind) {
  const s = ctx.state || {};
  const [model] = modelNames(ctx.meta);
  const task = ctx.meta && ctx.meta.task ? `_${slug(ctx.meta.task.name)}` : "";
  return `${model}${task}_${kind}_${s.mode || "forward"}_t${s.t ?? 0}_unit${s.unit ?? 0}`;
}

/** Offer blob as a download called name. */
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000); // the download has its own copy by then
}

/**
 * Copy each element's computed look onto its clone, as far as it differs from what the clone
 * inherits (a small file); drop what is not displayed and the invisible hit areas.
 */
function inlineStyles(source, copy) {
  const from = [source, ...source.querySelectorAll("*")];
  const to = [copy, ...copy.querySelectorAll("*")];
  const looks = new Map(); // element → its computed values of STYLE_PROPS
  const hidden = [];
  from.forEach((node, k) => {
    const cs = getComputedStyle(node);
    const target = to[k];
    target.removeAttribute("class");
    if (cs.display === "none" || node.classList.contains("hit")) {
      hidden.push(target);
      return;
    }
    const look = Object.fromEntries(STYLE_PROPS.map((p) => [p, cs.getPropertyValue(p)]));
    looks.set(node, look);
    const parent = looks.get(node.parentNode) || DEFAULT_LOOK;
    const own = STYLE_PROPS.filter((p) => look[p] !== (NOT_INHERITED.has(p) ? DEFAULT_LOOK[p] : parent[p]));
    if (own.length) target.setAttribute("style", own.map((p) => `${p}:${look[p]}`).join(";"));
    else target.removeAttribute("style");
  });
  for (const node of hidden) node.remove();
}

/** The figure's legend (what its legend bar says) drawn as SVG at height y. */
function drawLegend(svg, figure, y) {
  const backward = figure.classList.contains("mode-backward");
  const fams = backward ? ["delta"] : ["gate", "act"];
  const items = [...figure.querySelectorAll(".dg-legend-bar .dg-legend-item")];
  const g = el("g", { transform: `translate(8,${y})`, "font-size": 12, fill: "#5b6475",
    "font-family": "DejaVu Sans, sans-serif" }, svg);
  const defs = el("defs", {}, svg);
  let x = 0;
  items.forEach((item, k) => {
    const fam = FAMILIES[fams[k]] || FAMILIES.act;
    const [lo, , hi, label] = [...item.children].map((c) => c.textContent);
    const id = `export-ramp-${k}`;
    const grad = el("linearGradient", { id, x1: 0, x2: 1, y1: 0, y2: 0 }, defs);
    fam.ramp.forEach((c, j) => el("stop", { offset: j / (fam.ramp.length - 1), "stop-color": c }, grad));
    const text = (s, at) => {
      const t = el("text", { x: at, y: 13 }, g);
      t.textContent = s;
      return t;
    };
    text(lo, x);
    x += 7 * lo.length + 6;
    el("rect", { x, y: 4, width: 64, height: 10, fill: `url(#${id})`, stroke: "#c9ced8" }, g);
    x += 70;
    text(hi, x);
    x += 7 * hi.length + 6;
    text(label, x);
    x += 7 * label.length + 24;
  });
}

/**
 * A standalone SVG document of a diagram figure (figure.dg): the drawing as on screen with its
 * numbers, a title band (model, task, figure, step, unit) and the legend. Returns its text.
 */
export function diagramSvg(figure, ctx) {
  const svg = figure.querySelector("svg.dg-svg");
  const vb = svg.viewBox.baseVal;
  const copy = svg.cloneNode(true);
  inlineStyles(svg, copy);
  const out = document.createElementNS(SVG_NS, "svg");
  out.setAttributeNS(XLINK, "xmlns", SVG_NS);
  const height = vb.height + HEAD + LEGEND;
  out.setAttribute("viewBox", `0 0 ${vb.width} ${height}`);
  out.setAttribute("width", String(vb.width));
  out.setAttribute("height", String(height));
  out.setAttribute("font-family", "DejaVu Sans, Liberation Sans, sans-serif");
  el("rect", { x: 0, y: 0, width: vb.width, height, fill: "#ffffff" }, out);
  const [, model] = modelNames(ctx.meta);
  const title = figure.querySelector(".dg-title")?.textContent || "";
  const task = ctx.meta && ctx.meta.task ? ` on “${ctx.meta.task.name}”` : "";
  const heading = el("text", { x: 8, y: 18, "font-size": 14, "font-weight": 600, fill: "#1d2330" }, out);
  heading.textContent = `${model}${task}: ${title}`;
  const status = el("text", { x: 8, y: 36, "font-size": 12, fill: "#5b6475" }, out);
  status.textContent = figure.querySelector(".dg-status")?.textContent || "";
  const body = el("g", { transform: `translate(0,${HEAD})` }, out);
  body.append(...copy.childNodes);
  drawLegend(out, figure, HEAD + vb.height + 6);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(out)}`;
}

/** The SVG text rendered to a PNG blob at PNG_SCALE pixels per unit. */
export function svgToPng(text) {
  return new Promise((resolve, reject) => {
    const url = URL.createObjectURL(new Blob([text], { type: "image/svg+xml" }));
    const img = new Image();
    img.onload = () => {
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(img.naturalWidth * PNG_SCALE);
      canvas.height = Math.round(img.naturalHeight * PNG_SCALE);
      const c2d = canvas.getContext("2d");
      c2d.scale(PNG_SCALE, PNG_SCALE);
      c2d.drawImage(img, 0, 0);
      URL.revokeObjectURL(url);
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("PNG encoding failed"))), "image/png");
    };
    img.onerror = () => {
      URL.revokeObjectURL(url);
      reject(new Error("the diagram could not be rendered as an image"));
    };
    img.src = url;
  });
}

/** Download the diagram figure as "svg" or "png". */
export async function downloadDiagram(figure, kind, format, ctx) {
  const text = diagramSvg(figure, ctx);
  const name = `${figureName(ctx, kind)}.${format}`;
  if (format === "svg") saveBlob(new Blob([text], { type: "image/svg+xml" }), name);
  else saveBlob(await svgToPng(text), name);
}

/** Download a Plotly chart (its graph div) as "png" or "svg", at its size on screen. */
export function downloadChart(plot, kind, format, ctx) {
  const r = plot.getBoundingClientRect();
  return plotly().downloadImage(plot, { format, filename: figureName(ctx, kind),
    width: Math.max(320, Math.round(r.width)), height: Math.max(200, Math.round(r.height)),
    scale: format === "png" ? PNG_SCALE : 1 });
}

/** Put text on the clipboard; where the Clipboard API is missing (plain http), a selection. */
export async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  const ok = document.execCommand("copy");
  area.remove();
  if (!ok) throw new Error("the browser refused to copy");
}
