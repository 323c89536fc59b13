// The sequence panel, shown with the diagrams: the text or series the model reads and predicts
// (sequence_text.js, sequence_series.js), the step shown with the model's top-5 next symbols
// (sequence_now.js), the cell unfolded over the steps around t (unfolded_lstm.js) and the unit
// finder's results (unit_finder.js) — one column per model, two in compare mode. The toolbar
// chooses what colours the steps (the selected unit's c, y, z, i, f, o — or h, a; their errors
// δ in backward mode — or the connectivity ‖∂ŷ(t)/∂x(t′)‖), ranks units for a span, and takes a
// text of your own. Views never call the server: everything goes out as events.

import { h, setText } from "./dom.js";
import { fmtNum } from "../format.js";
import { SequenceText } from "./sequence_text.js";
import { SequenceSeries } from "./sequence_series.js";
import { SequenceNow, visible } from "./sequence_now.js";
import { UnfoldedView } from "./unfolded_lstm.js";
import { UnitFinderView } from "./unit_finder.js";
// While playing, the step readout, the unfolded cell and the finder redraw at most this often
// (the text's highlight and colours, and the series' cursor, follow every step): each repaint
// of a wide SVG is raster work the diagrams need.
const SLOW_MS = 100;

import { QUANTITIES, connColor, connMax, legendOf, paintKey, put, putAttr, toggleClass, unitColor, unitLabel,
  unitValues } from "./sequence_paint.js";

export class SequencePanel {
  /**
   * container: the panel's <section>; emit(name, detail) for what the user asks; onShow() when
   * the panel scrolls into view (it is not drawn while it is out of view: `visible`).
   */
  constructor(container, { emit, onShow = () => {} }) {
    this.el = container;
    this.emit = emit;
    this.visible = true;
    this._fullAt = -Infinity;
    new IntersectionObserver((entries) => {
      const was = this.visible;
      this.visible = entries[entries.length - 1].isIntersecting;
      if (this.visible && !was) onShow();
    }, { rootMargin: "160px 0px" }).observe(container);
    this.columns = [];
    this._buildToolbar();
    this.grid = h("div", { class: "seq-grid" });
    // The unfolded cells go under the columns, each as wide as the panel: in compare mode the
    // LSTM's row sits above the RNN's, step for step.
    this.unfolds = h("div", { class: "seq-unfolds" });
    this.tip = h("div", { class: "seq-tip", role: "tooltip", hidden: true });
    this.el.append(this.toolbar, this.grid, this.unfolds, this.tip);
    this.span = null;
  }

  _buildToolbar() {
    const emit = this.emit;
    this.quantity = h("select", { name: "quantity", "aria-label": "Colour the steps by",
      onchange: () => emit("control:set", { quantity: this.quantity.value }) });
    this.paintButtons = ["unit", "connectivity"].map((p) => h("button", { type: "button", class: "seg",
      dataset: { value: p }, "aria-pressed": "false", onclick: () => emit("control:set", { paint: p }) },
    p === "unit" ? "unit j" : "connectivity"));
    this.legendBar = h("span", { class: "seq-legend-bar" });
    this.legendLo = h("span", { class: "seq-legend-end" });
    this.legendHi = h("span", { class: "seq-legend-end" });
    this.legendNote = h("span", { class: "seq-legend-note" });
    const colour = h("div", { class: "seq-colour" },
      h("span", { class: "field-label" }, "Colour by"), this.quantity,
      h("span", { class: "segmented", role: "group", "aria-label": "paint" }, ...this.paintButtons),
      h("span", { class: "seq-legend" }, this.legendLo, this.legendBar, this.legendHi), this.legendNote);
    this.from = h("input", { type: "number", name: "span_from", min: "0", value: "0", "aria-label": "first step of the span" });
    this.to = h("input", { type: "number", name: "span_to", min: "0", value: "0", "aria-label": "last step of the span" });
    this.polarity = h("select", { name: "polarity", "aria-label": "on means" },
      h("option", { value: "high" }, "high"), h("option", { value: "low" }, "low"),
      h("option", { value: "magnitude" }, "|value|"));
    const find = h("button", { type: "button", class: "seq-find", onclick: () => this._rank({
      start: Number(this.from.value), stop: Number(this.to.value) + 1 }) }, "Find units");
    const finder = h("div", { class: "seq-finder" }, h("span", { class: "field-label" }, "Steps"), this.from,
      h("span", {}, "to"), this.to, h("span", { class: "field-label" }, "on =") , this.polarity, find);
    this.ownText = h("textarea", { name: "own_text", rows: "4", "aria-label": "Your own text",
      placeholder: "Paste a text: the model then reads it one character per step." });
    this.ownFile = h("input", { type: "file", name: "own_text_file", accept: ".txt,text/plain",
      "aria-label": "A text file", onchange: async () => {
        const file = this.ownFile.files && this.ownFile.files[0];
        if (file) this.ownText.value = await file.text();
      } });
    const read = h("button", { type: "button", class: "seq-read", onclick: () => {
      if (this.ownText.value.length >= 2) emit("sequence:text", { text: this.ownText.value });
    } }, "Read this text");
    this.ownHint = h("span", { class: "field-hint" });
    const own = h("details", { class: "seq-own" }, h("summary", {}, "Use your own text"),
      this.ownText, h("div", { class: "buttons" }, this.ownFile, read), this.ownHint);
    this.toolbar = h("div", { class: "seq-toolbar" }, colour, finder, own);
  }

  _rank({ start, stop }) {
    if (!(Number.isInteger(start) && Number.isInteger(stop)) || stop <= start) return;
    this.from.value = String(start);
    this.to.value = String(stop - 1);
    const s = this._state;
    const quantities = this._models.map((m) => paintKey(m.store.meta, s.quantity, s.mode).key);
    this.span = { start, stop };
    this.emit("sequence:rank", { start, stop, direction: s.mode, polarity: this.polarity.value, quantities });
  }

  _column(k) {
    while (this.columns.length <= k) {
      const i = this.columns.length;
      const title = h("h3", { class: "seq-title" });
      const now = h("div", { class: "seq-now-slot" });
      const track = h("div", { class: "seq-track" });
      const finder = h("div", { class: "seq-finder-slot" });
      const node = h("section", { class: "seq-model", dataset: { panel: i ? "b" : "a" } }, title, now, track, finder);
      this.grid.appendChild(node);
      const unfoldTitle = h("h3", { class: "seq-unfold-title" });
      const unfold = h("div", { class: "seq-unfold-slot", dataset: { panel: i ? "b" : "a" } }, unfoldTitle);
      this.unfolds.appendChild(unfold);
      const col = { node, title, now: new SequenceNow(now), track, kind: null, view: null, unfoldSlot: unfold, unfoldTitle,
        unfold: new UnfoldedView(unfold, { onSeek: (t) => this.emit("control:seek", { t }) }),
        finder: new UnitFinderView(finder, { onPick: (unit) => this.emit("control:set", { unit }) }),
        values: null, colors: [], seqRef: null };
      this.columns.push(col);
    }
    return this.columns[k];
  }

  /**
   * data: {state, models (ModelSessions), names (their titles), data: SequenceData, playing,
   * limits: GET /presets "limits"}.
   */
  update({ state: s, models, names, data, playing, limits }) {
    this._state = s;
    this._models = models;
    const now = performance.now();
    const full = !playing || now - this._fullAt >= SLOW_MS;
    if (full) this._fullAt = now;
    this._toolbar(s, models, limits);
    toggleClass(this.grid, "two", models.length > 1);
    models.forEach((m, k) => this._updateColumn(this._column(k), m, names[k], s, data, playing, models.length > 1, full));
    this.columns.forEach((c, k) => {
      put(c.node, "hidden", k >= models.length);
      put(c.unfoldSlot, "hidden", k >= models.length);
    });
    // Busy while a sequence, the connectivity of t or a ranking is on its way.
    const t = s.t;
    const busy = models.some((m) => {
      const e = data.entry(m);
      if (!e) return true;
      if (!e.sequence && !e.failed) return true;
      if (e.rank.busy) return true;
      return s.paint === "connectivity" && !playing && Boolean(m.store.fwd[t]) && data.connectivity(m, t) === null
        && !data.connectivityError(m, t);
    });
    if (busy !== this._busy) {
      this._busy = busy;
      this.el.setAttribute("aria-busy", String(busy));
    }
  }

  _toolbar(s, models, limits) {
    const cell = models.some((m) => m.store.meta.cell === "lstm") ? "lstm" : "rnn";
    const sig = `${cell}|${s.mode}`;
    if (sig !== this._qsig) {
      this._qsig = sig;
      const delta = s.mode === "backward";
      this.quantity.replaceChildren(...QUANTITIES[cell].map(([key, label]) =>
        h("option", { value: key }, delta ? `δ of ${label}` : label)));
    }
    put(this.quantity, "disabled", s.paint === "connectivity"); // the connectivity is no unit's
    const offered = QUANTITIES[cell].some(([key]) => key === s.quantity);
    if (this.quantity.value !== s.quantity && offered) this.quantity.value = s.quantity;
    this.paintButtons.forEach((b) => {
      const on = b.dataset.value === s.paint;
      toggleClass(b, "on", on);
      putAttr(b, "aria-pressed", String(on));
    });
    const T = models[0] ? models[0].store.meta.T : 0;
    put(this.from, "max", String(Math.max(0, T - 1)));
    put(this.to, "max", String(Math.max(0, T - 1)));
    if (limits && limits.max_sequence_length) {
      setText(this.ownHint, `Up to ${limits.max_sequence_length + 1} characters; one input and one output per distinct character. Replaces model A.`);
    }
  }

  _updateColumn(col, m, name, s, data, playing, two, full) {
    const store = m.store;
    const meta = store.meta;
    const e = data.entry(m);
    const seq = e ? e.sequence : null;
    setText(col.title, two ? name : "");
    put(col.title, "hidden", !two);
    setText(col.unfoldTitle, two ? name : "");
    put(col.unfoldTitle, "hidden", !two);
    const t = Math.min(s.t, Math.max(0, meta.T - 1));
    const unit = Math.min(s.unit, Math.max(0, meta.hidden_size - 1));
    const paint = paintKey(meta, s.quantity, s.mode);
    const labels = this._labels(seq);
    if (full) col.now.update({ t, frame: store.fwd[t], sequence: seq, labels });
    // What colours the steps: the unit's quantity, or the connectivity of ŷ(t).
    let strip;
    let colors;
    const got = s.paint === "connectivity" ? data.connectivity(m, t) : null;
    const last = s.paint !== "connectivity" ? null : got ? { t, norms: got } : data.lastConnectivity(m);
    // Nothing new to colour (no frame arrived, same unit and quantity): the same arrays, so
    // the views see at once that there is nothing to repaint.
    const key = s.paint === "connectivity" ? (last && last.norms) || `none|${m.id}|${meta.T}`
      : `${m.id}|${m._epoch}|${paint.key}|${paint.family}|${unit}|${store.version[paint.source]}`;
    if (col.stripKey === key && col.strip) {
      strip = col.strip;
      colors = col.stripColors;
    } else if (s.paint === "connectivity") {
      const norms = last && last.norms ? last.norms : [];
      const top = connMax(norms);
      const values = Array.from({ length: meta.T }, (_, k) => (k < norms.length ? norms[k] : null));
      colors = values.map((v) => (v === null ? null : connColor(v, top)));
      strip = { values, family: "conn", top, label: last ? `‖∂ŷ(${last.t})/∂x‖` : "‖∂ŷ/∂x‖",
        conn: last ? { t: last.t, top } : null, sig: `conn|${last ? last.t : "-"}|${norms.length}|${top}` };
    } else {
      const values = unitValues(store, paint, unit);
      colors = this._colors(col, values, paint.family);
      strip = { values, family: paint.family, label: unitLabel(paint, unit), conn: null,
        sig: `unit|${paint.key}|${unit}|${store.version[paint.source]}` };
    }
    col.strip = strip;
    col.stripColors = colors;
    col.stripKey = key;
    if (k0(col, m)) {
      this._legend(paint, unit, strip.conn);
      const why = s.paint === "connectivity" ? data.connectivityError(m, t) : null;
      if (why) setText(this.legendNote, `connectivity of step ${t}: ${why}`);
    }
    this._track(col, seq, store, strip, colors, t, playing, m);
    if (col.view && col.kind === "text") col.view.markSpan(this.span);
    if (!full) return;
    col.unfold.update({ cell: meta.cell, store, t, T: meta.T, unit, mode: s.mode,
      token: seq ? (k) => this._token(seq, k) : null });
    col.finder.update({ rank: e ? e.rank : null, unit,
      describe: seq && seq.vocabulary ? (a, b) => `(‘${this._snippet(seq, a, b)}’)` : null });
  }

  /** Colours of the unit's values, recomputed only where a value changed. */
  _colors(col, values, family) {
    const prev = col.values;
    const same = prev && prev.length === values.length && col.family === family;
    const out = same ? col.colors.slice() : new Array(values.length);
    for (let k = 0; k < values.length; k++) {
      if (same && prev[k] === values[k]) continue;
      out[k] = values[k] === null ? null : unitColor(family, values[k]);
    }
    col.values = values;
    col.family = family;
    col.colors = out;
    return out;
  }

  _track(col, seq, store, strip, colors, t, playing, m) {
    if (!seq) return;
    const kind = seq.vocabulary ? "text" : "series";
    if (kind !== col.kind) {
      col.track.replaceChildren();
      col.view = kind === "text"
        ? new SequenceText(col.track, { onSeek: (k) => this.emit("control:seek", { t: k }),
          onSpan: (span) => this._rank(span), onHover: (k, at) => this._hover(col, k, at) })
        : new SequenceSeries(col.track, { onSeek: (k) => this.emit("control:seek", { t: k }),
          onSpan: (span) => this._rank(span) });
      col.kind = kind;
      col.seqRef = null;
    }
    if (kind === "text") {
      if (col.seqRef !== seq) {
        const last = seq.targets[seq.T - 1];
        col.view.setSequence({ tokens: seq.tokens, vocabulary: seq.vocabulary, last: Number.isInteger(last) ? last : null });
        col.seqRef = seq;
      }
      col.view.update({ t, colors, values: strip.values });
    } else {
      col.view.update({ sequence: seq, store, strip, t, playing,
        signature: `${m.id}|${store.version.fwd}|${strip.sig}` });
    }
  }

  _legend(paint, unit, conn) {
    const l = legendOf(paint, unit, conn);
    put(this.legendBar, "style.background", l.gradient);
    setText(this.legendLo, l.lo);
    setText(this.legendHi, l.hi);
    setText(this.legendNote, l.note);
  }

  _labels(seq) {
    if (!seq) return [];
    return seq.vocabulary ? seq.vocabulary.map(visible) : seq.output_names;
  }

  _token(seq, k) {
    if (seq.vocabulary && seq.tokens) return seq.tokens[k] === null ? "" : `‘${visible(seq.vocabulary[seq.tokens[k]])}’`;
    if (!seq.input_mask[k]) return "no input";
    const row = (seq.inputs_raw || seq.inputs)[k];
    if (row.length === 1) return `x ${fmtNum(row[0])}`;
    const on = row.filter((v) => v !== 0);
    if (on.length === 1 && on[0] === 1) return seq.input_names[row.indexOf(1)]; // a one-hot symbol
    return `${row.length} inputs`;
  }

  _snippet(seq, a, b) {
    const chars = seq.tokens.slice(a, Math.min(b, a + 24)).map((k) => (k === null ? "?" : visible(seq.vocabulary[k])));
    return chars.join("") + (b - a > 24 ? "…" : "");
  }

  /** The hover card of a character: its step, what it reads and predicts, the number shown. */
  _hover(col, k, at) {
    if (k === null) {
      this.tip.hidden = true;
      return;
    }
    const v = col.strip && col.strip.values[k];
    const label = col.strip && col.strip.family === "conn"
      ? (col.strip.conn ? `‖∂ŷ(${col.strip.conn.t})/∂x(${k})‖` : "connectivity") : col.strip ? col.strip.label : "";
    const seq = col.seqRef;
    const reads = seq && k < seq.T ? this._token(seq, k) : "";
    setText(this.tip, `t = ${k} ${reads} · ${label} = ${v === null || v === undefined ? "not computed yet" : fmtNum(v)}`);
    this.tip.hidden = false;
    this.tip.style.transform = `translate(${Math.round(at.x)}px, ${Math.round(at.y + 6)}px)`;
  }
}

/** The toolbar's legend follows the first column. */
function k0(col, m) {
  return col.node.dataset.panel === "a" && m;
}
