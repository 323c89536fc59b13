// Keyboard shortcuts and the help popover that lists them. Keys become the same events the
// buttons emit, so a shortcut can never do something a button cannot.

import { h } from "./dom.js";

export const SHORTCUTS = [
  ["Space", "play / pause", "control:play-toggle"],
  ["→", "step forward", "control:step-forward"],
  ["←", "step back (rewind)", "control:step-back"],
  ["Shift + ←", "one BPTT step (from the end)", "control:bptt-step"],
  ["b", "toggle forward / backward view", "control:mode-toggle"],
  ["1 / 2", "circuit / Space Odyssey diagram", null],
  ["Home / End", "first / last step", null],
  ["t", "train continuously / stop", "control:train-toggle"],
  ["?", "this help", "control:help"],
];

/** Is the key press meant for a form control (typing a number, moving a slider)? */
function typing(target) {
  const tag = target && target.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  return tag === "INPUT" && !["checkbox", "radio", "button", "range"].includes(target.type);
}

/** Does Space act on this element itself (a focused button, checkbox, disclosure)? */
function pressable(target) {
  if (!(target instanceof Element)) return false;
  if (target.matches("button, summary, [role=button], [role=tab], [role=radio], a[href]")) return true;
  return target.tagName === "INPUT" && ["checkbox", "radio", "button"].includes(target.type);
}

export class Shortcuts {
  /** button: the element that opens the help; emit(name, detail). */
  constructor(button, { emit }) {
    this.emit = emit;
    this.button = button;
    this.popover = h("div", { class: "help-popover", role: "dialog", "aria-label": "Keyboard shortcuts",
      hidden: true },
    h("h2", {}, "Keyboard shortcuts"),
    h("table", {}, h("tbody", {}, SHORTCUTS.map(([key, what]) =>
      h("tr", {}, h("th", {}, h("kbd", {}, key)), h("td", {}, what))))),
    h("p", { class: "hint" }, "Hover any wire or node of a diagram for its value and name. "
      + "Click a heatmap cell to jump to that unit and step. The address bar keeps the whole view: "
      + "copy it to share exactly what you see."),
    h("button", { type: "button", class: "small", onclick: () => this.toggle(false) }, "Close"));
    document.body.appendChild(this.popover);
    button.addEventListener("click", () => this.toggle());
    document.addEventListener("keydown", (ev) => this._onKey(ev));
  }

  toggle(show = this.popover.hidden) {
    this.popover.hidden = !show;
    this.button.setAttribute("aria-expanded", String(show));
    if (show) {
      const r = this.button.getBoundingClientRect();
      this.popover.style.top = `${r.bottom + 8 + window.scrollY}px`;
      this.popover.style.right = `${Math.max(8, window.innerWidth - r.right)}px`;
    }
  }

  _onKey(ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev.target)) return;
    let name = null;
    let detail = {};
    switch (ev.key) {
      case " ":
        if (pressable(ev.target)) return; // Space presses the focused button, as it should
        name = "control:play-toggle";
        break;
      case "ArrowRight": name = ev.shiftKey ? null : "control:step-forward"; break;
      case "ArrowLeft": name = ev.shiftKey ? "control:bptt-step" : "control:step-back"; break;
      case "b": case "B": name = "control:mode-toggle"; break;
      case "1": name = "control:set"; detail = { diagram: "circuit" }; break;
      case "2": name = "control:set"; detail = { diagram: "odyssey" }; break;
      case "Home": name = "control:seek"; detail = { t: 0 }; break;
      case "End": name = "control:seek-end"; break;
      case "t": name = "control:train-toggle"; break;
      case "?": this.toggle(); ev.preventDefault(); return;
      case "Escape": this.toggle(false); return;
      default: return;
    }
    if (!name) return;
    ev.preventDefault(); // space would scroll the page and click the focused button
    this.emit(name, detail);
  }
}
