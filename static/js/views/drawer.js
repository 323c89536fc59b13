// The controls as a drawer on narrow screens: below 900 px (or below 1700 px while the tour
// panel takes the right of the page) the sidebar leaves the layout and slides in over the page
// from a "Controls" button in the status bar; the diagrams get the whole width. Closed, the
// drawer is inert (out of the tab order and the accessibility tree); open, focus moves into it,
// Escape or a tap beside it closes it and focus returns to the button. A pair of step buttons
// stays in the status bar, so a phone can step without opening the drawer.

import { h } from "./dom.js";

const NARROW = "(max-width: 899px)";
const NARROW_BESIDE_TOUR = "(max-width: 1699px)"; // the tour panel leaves too little for both
const BEHIND = ".site-header, .appbar, .banner, .content";
const FOCUSABLE = "button, input, select, textarea, summary, a[href], [tabindex]:not([tabindex='-1'])";

export class ControlsDrawer {
  /** panel: the sidebar (#controls); bar: the status bar it is opened from; emit(name, detail). */
  constructor(panel, bar, { emit }) {
    this.panel = panel;
    this.emit = emit;
    this.isOpen = false;
    this.active = false;
    this.button = h("button", { type: "button", class: "drawer-button", id: "drawer-button",
      "aria-controls": panel.id, "aria-expanded": "false", onclick: () => this.toggle() },
    h("span", { class: "drawer-icon", "aria-hidden": "true" }, "☰"), " Controls");
    this.quick = h("div", { class: "quick-step", role: "group", "aria-label": "Step" },
      h("button", { type: "button", class: "quick-back", "aria-label": "Step back", title: "Step back",
        onclick: () => emit("control:step-back") }, "◀"),
      h("button", { type: "button", class: "quick-fwd", "aria-label": "Step forward", title: "Step forward",
        onclick: () => emit("control:step-forward") }, "▶"));
    bar.prepend(this.button, this.quick);
    this.head = h("div", { class: "drawer-head" },
      h("h2", { class: "drawer-title", id: "drawer-title" }, "Controls"),
      h("button", { type: "button", class: "drawer-close", onclick: () => this.close() }, "Close"));
    panel.prepend(this.head);
    this.scrim = h("div", { class: "drawer-scrim", hidden: true, onclick: () => this.close() });
    document.body.appendChild(this.scrim);

    this.queries = [NARROW, NARROW_BESIDE_TOUR].map((q) => window.matchMedia(q));
    for (const q of this.queries) q.addEventListener("change", () => this._apply());
    // The tour opens and closes by a class on body: follow it.
    new MutationObserver(() => this._apply()).observe(document.body, { attributes: true,
      attributeFilter: ["class"] });
    panel.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape" && this.isOpen) {
        ev.stopPropagation();
        this.close();
      }
    });
    this._apply();
  }

  /** Drawer or sidebar, from the width and whether the tour panel is open. */
  _apply() {
    const tour = document.body.classList.contains("tour-open");
    const active = this.queries[0].matches || (tour && this.queries[1].matches);
    if (active === this.active) return;
    this.active = active;
    document.body.classList.toggle("drawer-mode", active);
    if (!active) this.close({ restoreFocus: false });
    this._sync();
  }

  toggle() {
    if (this.isOpen) this.close();
    else this.open();
  }

  open() {
    if (!this.active) return;
    this.isOpen = true;
    this._sync();
    const first = this.panel.querySelector(".drawer-close") || this.panel.querySelector(FOCUSABLE);
    if (first) first.focus();
  }

  close({ restoreFocus = true } = {}) {
    const was = this.isOpen;
    this.isOpen = false;
    this._sync();
    if (was && restoreFocus && this.active) this.button.focus();
  }

  _sync() {
    const open = this.active && this.isOpen;
    document.body.classList.toggle("drawer-open", open);
    this.button.setAttribute("aria-expanded", String(open));
    this.scrim.hidden = !open;
    // A closed drawer is off screen: nothing in it may take focus or be read out.
    this.panel.inert = this.active && !open;
    // Open, it is modal: Tab stays inside it, the page behind the scrim is out of reach.
    for (const node of document.querySelectorAll(BEHIND)) node.inert = open;
  }
}
