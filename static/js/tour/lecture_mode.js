// Lecture mode: the tour on a projector. The controls are hidden, the type is large (body class
// `lecture`), and a presenter's remote works: → / PageDown next chapter, ← / PageUp previous,
// b a black screen, f full screen (where the browser allows it), Esc leaves.

import { h } from "../views/dom.js";
import { typing } from "./tour_panel.js";

export class LectureMode {
  /** tour: the TourPanel; onChange(active): after entering or leaving. */
  constructor({ tour, onChange = () => {} }) {
    this.tour = tour;
    this.onChange = onChange;
    this.active = false;
    this.black = h("div", { class: "lecture-black", hidden: true, "aria-hidden": "true",
      onclick: () => this.setBlack(false) });
    document.body.appendChild(this.black);
    // Capture on window: runs before the page's own shortcuts (→ would step time, b would
    // switch to the backward view), which lecture mode takes over.
    window.addEventListener("keydown", (ev) => this._onKey(ev), true);
  }

  enter() {
    if (this.active) return;
    this.active = true;
    document.body.classList.add("lecture");
    document.documentElement.classList.add("lecture"); // html.lecture: no costly :has()
    if (!this.tour.isOpen) this.tour.open();
    this.onChange(true);
  }

  leave() {
    if (!this.active) return;
    this.active = false;
    this.setBlack(false);
    document.body.classList.remove("lecture");
    document.documentElement.classList.remove("lecture");
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    this.onChange(false);
  }

  toggle() {
    if (this.active) this.leave();
    else this.enter();
  }

  setBlack(on) {
    this.black.hidden = !on;
    document.body.classList.toggle("lecture-blacked", on);
  }

  toggleFullscreen() {
    if (document.fullscreenElement) {
      document.exitFullscreen().catch(() => {});
    } else if (document.fullscreenEnabled) {
      // Refused without a user gesture or inside some frames: the lecture goes on windowed.
      document.documentElement.requestFullscreen().catch(() => {});
    }
  }

  _onKey(ev) {
    if (!this.active || ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev.target)) return;
    switch (ev.key) {
      case "ArrowRight": case "PageDown": case "n": this.setBlack(false); this.tour.next(); break;
      case "ArrowLeft": case "PageUp": case "p": this.setBlack(false); this.tour.prev(); break;
      case "b": case "B": case ".": this.setBlack(this.black.hidden); break;
      case "f": case "F": this.toggleFullscreen(); break;
      case "Escape":
        if (!this.black.hidden) this.setBlack(false);
        else this.leave();
        break;
      default: return;
    }
    ev.preventDefault();
    ev.stopImmediatePropagation();
  }
}
