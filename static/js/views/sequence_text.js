// The text the model reads, one character per step, wrapped as it is written: spaces and
// newlines visible, the step shown outlined, the character it must predict underlined, every
// character coloured by what it is given (a unit's value, or the connectivity). Hover shows the
// number, a click seeks there, a dragged selection is a span for the unit finder.
//
// Long texts stay cheap: the characters are built once per sequence; a render repaints only the
// characters whose colour changed and moves two classes; each line is its own block with
// `content-visibility: auto`, so the lines scrolled out of view are not laid out or painted.

import { h } from "./dom.js";

const CHUNK = 160; // characters per block when the text has no newline for that long

/** How a character is drawn: the space as a faint dot over a real (breakable) space. */
function glyph(ch) {
  if (ch === "\n") return "⏎";
  if (ch === "\t") return "⇥";
  return ch;
}

export class SequenceText {
  /**
   * container: element to fill; onSeek(t) on a click; onSpan({start, stop}) on a selection;
   * onHover(t | null, {x, y}) while the pointer is over a character.
   */
  constructor(container, { onSeek, onSpan, onHover } = {}) {
    this.el = h("div", { class: "seq-text", role: "group", "aria-label": "The text, one character per step" });
    container.appendChild(this.el);
    Object.assign(this, { onSeek, onSpan, onHover });
    this.spans = [];
    this.painted = [];
    this.shown = -1;
    this.next = -1;
    this.span = null;
    this._sig = null;
    this._scrollT = -1;
    this.el.addEventListener("click", (e) => this._click(e));
    this.el.addEventListener("mouseup", () => this._select());
    this.el.addEventListener("pointerover", (e) => this._hover(e));
    this.el.addEventListener("pointerleave", () => this.onHover && this.onHover(null));
  }

  /** A new sequence: tokens (per step) spelled with `vocabulary`; `last` the final target. */
  setSequence({ tokens, vocabulary, last = null }) {
    const sig = `${tokens.length}|${tokens.join(",")}|${vocabulary.join("")}|${last}`;
    if (sig === this._sig) return;
    this._sig = sig;
    const chars = tokens.map((k) => (k === null ? "?" : vocabulary[k]));
    if (last !== null && last !== undefined) chars.push(vocabulary[last]); // the last step's target
    this.T = tokens.length;
    this.spans = [];
    this.painted = new Array(chars.length).fill(undefined);
    this._colors = null;
    this._values = null;
    const lines = [];
    let line = null;
    chars.forEach((ch, t) => {
      if (!line || (line.n >= CHUNK && ch === " ") || line.n >= 2 * CHUNK) {
        line = { node: h("div", { class: "seq-line" }), n: 0 };
        lines.push(line.node);
      }
      const cls = ch === " " ? "ch sp" : ch === "\n" ? "ch nl" : "ch";
      const span = h("span", { class: t >= this.T ? `${cls} after` : cls, dataset: { t: String(t) } }, glyph(ch));
      line.node.appendChild(span);
      line.n += 1;
      this.spans.push(span);
      if (ch === "\n") line = null;
    });
    this.el.replaceChildren(...lines);
    this.chars = chars;
    this.shown = -1;
    this.next = -1;
    this.span = null;
    this._scrollT = -1;
  }

  /**
   * Show step t: colors[k] = {bg, dark} (or null) and values[k] (the number coloured) for every
   * step; t is the step shown (its successor is the character to predict).
   */
  update({ t, colors, values }) {
    if (colors === this._colors && values === this._values) {
      this._mark(t);
      return;
    }
    const n = Math.min(this.T, colors.length);
    const same = this._colors && this._colors.length === colors.length ? this._colors : null;
    for (let k = 0; k < n; k++) {
      const c = colors[k];
      if (same && same[k] === c && this._values[k] === values[k] && this.painted[k] !== undefined) continue;
      const bg = c ? c.bg : null;
      const v = values[k] === null || values[k] === undefined ? "" : String(values[k]);
      const key = `${bg}|${c && c.dark}|${v}`;
      if (this.painted[k] === key) continue;
      this.painted[k] = key;
      const s = this.spans[k];
      s.style.backgroundColor = bg || "";
      s.classList.toggle("dark", Boolean(c && c.dark));
      s.dataset.v = v; // the number behind the colour, as the engine sent it (hover shows it)
    }
    this._colors = colors;
    this._values = values;
    this._mark(t);
  }

  _mark(t) {
    if (t === this.shown) return;
    const old = this.spans[this.shown];
    if (old) {
      old.classList.remove("now");
      old.removeAttribute("aria-current");
    }
    if (this.spans[this.next]) this.spans[this.next].classList.remove("next");
    this.shown = t;
    this.next = t + 1;
    if (this.spans[t]) {
      this.spans[t].classList.add("now");
      this.spans[t].setAttribute("aria-current", "step");
    }
    if (this.spans[this.next]) this.spans[this.next].classList.add("next");
    this._keepInView(t);
  }

  /**
   * Scroll the box (never the page) so that step t is inside it. An IntersectionObserver says
   * whether it is, after the browser's own layout: reading positions here, in the middle of a
   * render, would force a second layout of the page on every step.
   */
  _keepInView(t) {
    const s = this.spans[t];
    if (!s || t === this._scrollT) return;
    this._scrollT = t;
    if (!this._io) {
      this._io = new IntersectionObserver((entries) => this._scrollTo(entries), { root: this.el, threshold: 1 });
    }
    this._io.disconnect();
    this._io.observe(s);
  }

  _scrollTo(entries) {
    const box = this.el;
    for (const e of entries) {
      if (e.target !== this.spans[this.shown] || e.intersectionRatio >= 1 || !box.clientHeight) continue;
      // Positions read here, after the frame's layout, cost nothing extra. Each line contains
      // its layout (content-visibility), so the line is the span's offsetParent.
      let top = 0;
      for (let node = e.target; node && node !== box; node = node.offsetParent) top += node.offsetTop;
      box.scrollTop = Math.max(0, top - box.clientHeight / 3);
    }
  }

  /** Mark the steps of a span [start, stop) (the unit finder's selection), or none. */
  markSpan(span) {
    const same = (a, b) => (a && b ? a.start === b.start && a.stop === b.stop : a === b);
    if (same(span, this.span)) return;
    if (this.span) for (let k = this.span.start; k < this.span.stop; k++) this.spans[k]?.classList.remove("in-span");
    this.span = span ? { ...span } : null;
    if (span) for (let k = span.start; k < span.stop; k++) this.spans[k]?.classList.add("in-span");
  }

  _stepOf(node) {
    const el = node && (node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement);
    const ch = el && el.closest(".ch");
    return ch && this.el.contains(ch) ? Number(ch.dataset.t) : null;
  }

  _click(e) {
    const sel = window.getSelection();
    if (sel && !sel.isCollapsed && this.el.contains(sel.anchorNode)) return; // a selection, not a click
    const t = this._stepOf(e.target);
    if (t !== null && t < this.T && this.onSeek) this.onSeek(t);
  }

  _select() {
    const sel = window.getSelection();
    if (!sel || sel.isCollapsed || !this.el.contains(sel.anchorNode) || !this.el.contains(sel.focusNode)) return;
    const a = this._stepOf(sel.anchorNode);
    const b = this._stepOf(sel.focusNode);
    if (a === null || b === null) return;
    const start = Math.min(a, b);
    const stop = Math.min(this.T, Math.max(a, b) + 1);
    if (stop > start && this.onSpan) this.onSpan({ start, stop });
  }

  _hover(e) {
    if (!this.onHover) return;
    const t = this._stepOf(e.target);
    if (t === null) return;
    const r = e.target.getBoundingClientRect();
    this.onHover(t, { x: r.left + r.width / 2, y: r.bottom });
  }
}
