// The guided tour's panel: chapter title and text, previous / next, progress dots and the list
// of chapters. Opening a chapter applies its state through the controller (so the address bar
// holds it: #…&tour=3 is a link to chapter 3) and outlines the diagram parts it talks about.
// The panel reads the state; only the controller writes it.

import { h } from "../views/dom.js";
import { CHAPTERS, TOUR_BASE } from "./chapters.js";

// Panels a chapter may hide; closing the tour gives them back as they were before it.
const VIEW_KEYS = ["heat", "lines", "eq"];
const HIGHLIGHT = "tour-highlight";
const FOCUS = "tour-focus";

/** The full page state of chapter n (1-based). */
export function chapterState(n) {
  return { ...TOUR_BASE, ...CHAPTERS[n - 1].state, tour: n };
}

/** Is the key press meant for a form control? */
export function typing(target) {
  const tag = target && target.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  return tag === "INPUT" && !["checkbox", "radio", "button", "range"].includes(target.type);
}

export class TourPanel {
  /**
   * state, controller: the page's (state.js, controller.js); diagrams: the element holding the
   * diagram slots; onChapter(n, chapter): called after a chapter (or 0: none) is shown.
   */
  constructor({ state, controller, diagrams, onChapter = () => {} }) {
    this.state = state;
    this.controller = controller;
    this.diagrams = diagrams;
    this.onChapter = onChapter;
    this.chapter = 0;
    this._wanted = 0;
    this._applying = null;
    this._savedView = {};
    this.el = this._build();
    document.body.appendChild(this.el);
    // Diagrams rebuild their SVG when the cell or variant changes: outline the new parts too.
    this._observer = new MutationObserver(() => this._scheduleHighlight());
    this._observer.observe(diagrams, { childList: true, subtree: true });
    document.addEventListener("keydown", (ev) => this._onKey(ev));
  }

  get isOpen() {
    return this.chapter > 0;
  }

  get current() {
    return this.chapter ? CHAPTERS[this.chapter - 1] : null;
  }

  /** Open chapter n (default: the one in the state, else 1); apply=false only shows it. */
  open(n = this.state.get("tour") || 1, { apply = true } = {}) {
    return this.go(n, { apply });
  }

  close() {
    this.chapter = 0;
    this._wanted = 0;
    this.el.hidden = true;
    document.body.classList.remove("tour-open");
    this._highlight([]);
    this._focus(null);
    this.controller.set({ tour: 0, ...this._savedView });
    this.onChapter(0, null);
  }

  toggle() {
    if (this.isOpen) this.close();
    else this.open();
  }

  next() {
    if (this.chapter < CHAPTERS.length) this.go(this.chapter + 1);
  }

  prev() {
    if (this.chapter > 1) this.go(this.chapter - 1);
  }

  /** Show chapter n at once; its state follows (the latest wins when clicks come quickly). */
  go(n, { apply = true } = {}) {
    n = Math.max(1, Math.min(CHAPTERS.length, Math.round(n)));
    if (!this.isOpen) {
      const s = this.state.all();
      this._savedView = Object.fromEntries(VIEW_KEYS.map((k) => [k, apply ? s[k] : true]));
    }
    this.chapter = n;
    this.el.hidden = false;
    document.body.classList.add("tour-open");
    this._render();
    this._highlight(this.current.highlight || []);
    this._focus(this.current.focus || null);
    this.onChapter(n, this.current);
    if (!apply) return Promise.resolve();
    this._wanted = n;
    if (!this._applying) {
      this._applying = this._applyLatest().finally(() => {
        this._applying = null;
      });
    }
    return this._applying;
  }

  async _applyLatest() {
    let done = -1;
    while (this._wanted && done !== this._wanted) {
      done = this._wanted;
      await this._apply(chapterState(done));
    }
  }

  /** New sessions when the model differs; otherwise only the view, the mode and the step. */
  async _apply(target) {
    await this.controller.show(target);
    this._scheduleHighlight();
  }

  // ---------------------------------------------------------------- highlight
  _scheduleHighlight() {
    if (this._raf || !this.isOpen) return;
    this._raf = requestAnimationFrame(() => {
      this._raf = null;
      if (this.isOpen) this._highlight(this.current.highlight || []);
    });
  }

  /** Add the highlight class to every element with one of `keys` as its data-key. */
  _highlight(keys) {
    const wanted = new Set(keys);
    for (const el of this.diagrams.querySelectorAll(`.${HIGHLIGHT}`)) {
      if (!wanted.has(el.dataset.key)) el.classList.remove(HIGHLIGHT);
    }
    if (!keys.length) return;
    const selector = keys.map((k) => `[data-key="${CSS.escape(k)}"]`).join(",");
    for (const el of this.diagrams.querySelectorAll(selector)) {
      if (!el.classList.contains(HIGHLIGHT)) el.classList.add(HIGHLIGHT);
    }
  }

  _focus(id) {
    for (const el of document.querySelectorAll(`.${FOCUS}`)) {
      if (el.id !== id) el.classList.remove(FOCUS);
    }
    if (id) document.getElementById(id)?.classList.add(FOCUS);
  }

  // ---------------------------------------------------------------- DOM
  _build() {
    this.kicker = h("span", { class: "tour-kicker" });
    this.title = h("h2", { class: "tour-title", id: "tour-title", tabindex: "-1" });
    // Focusable: a long chapter scrolls by keyboard too.
    this.body = h("div", { class: "tour-body", tabindex: "0", role: "region", "aria-label": "Chapter text" });
    this.prevButton = h("button", { type: "button", class: "tour-prev", onclick: () => this.prev() },
      "← Previous");
    this.nextButton = h("button", { type: "button", class: "tour-next primary",
      onclick: () => this.next() }, "Next →");
    this.dots = h("ol", { class: "tour-dots", "aria-label": "Chapters" },
      CHAPTERS.map((c, k) => h("li", {}, h("button", { type: "button", class: "tour-dot",
        title: c.title, "aria-label": c.title, onclick: () => this.go(k + 1) }))));
    this.list = h("ol", { class: "tour-list" }, CHAPTERS.map((c, k) => h("li", {},
      h("button", { type: "button", class: "tour-link", onclick: () => this.go(k + 1) },
        c.title.replace(/^\d+ · /, "")))));
    return h("aside", { class: "tour-panel", id: "tour", hidden: true,
      "aria-labelledby": "tour-title" },
    h("div", { class: "tour-head" }, this.kicker,
      h("button", { type: "button", class: "tour-close small", title: "Close the tour",
        "aria-label": "Close the tour", onclick: () => this.close() }, "✕")),
    this.title,
    this.body,
    h("nav", { class: "tour-nav", "aria-label": "Tour navigation" },
      this.prevButton, this.dots, this.nextButton),
    h("details", { class: "tour-toc" }, h("summary", {}, "All chapters"), this.list),
    h("p", { class: "tour-keys hint" }, h("kbd", {}, "n"), " / ", h("kbd", {}, "p"),
      " or ", h("kbd", {}, "PgDn"), " / ", h("kbd", {}, "PgUp"), ": next / previous chapter"));
  }

  _render() {
    const c = this.current;
    const n = this.chapter;
    this.el.dataset.chapter = c.id;
    this.kicker.textContent = `Guided tour · chapter ${n} of ${CHAPTERS.length}`;
    this.title.textContent = c.title;
    this.body.innerHTML = c.body; // our own static text (chapters.js), never server data
    this.body.scrollTop = 0;
    this.prevButton.disabled = n <= 1;
    this.nextButton.disabled = n >= CHAPTERS.length;
    this.dots.querySelectorAll(".tour-dot").forEach((dot, k) => {
      dot.classList.toggle("done", k + 1 < n);
      if (k + 1 === n) dot.setAttribute("aria-current", "step");
      else dot.removeAttribute("aria-current");
    });
    this.list.querySelectorAll(".tour-link").forEach((link, k) => {
      if (k + 1 === n) link.setAttribute("aria-current", "step");
      else link.removeAttribute("aria-current");
    });
  }

  _onKey(ev) {
    if (!this.isOpen || ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev.target)) return;
    if (ev.key === "n" || ev.key === "PageDown") this.next();
    else if (ev.key === "p" || ev.key === "PageUp") this.prev();
    else return;
    ev.preventDefault();
  }
}
