// Themes: "auto" follows the system (prefers-color-scheme, prefers-contrast), or the reader
// picks light, dark or high contrast (for projectors, in lecture mode too: the picker stays in
// the header). The choice is a reader's preference, kept in this browser, not in the shared
// link. static/css/themes.css holds the colours; the fixed colour scales of the diagrams and
// charts are the same in every theme (a colour always means the same number).

import { h } from "./dom.js";

export const THEMES = [["auto", "Auto"], ["light", "Light"], ["dark", "Dark"], ["contrast", "High contrast"]];
const STORE_KEY = "lstm-explorer:theme";

function stored() {
  try {
    return localStorage.getItem(STORE_KEY);
  } catch {
    return null; // storage blocked (private mode, sandboxed frame): the theme is not remembered
  }
}

export class ThemePicker {
  /** header: where the picker goes; onChange(theme): after the page took a new theme. */
  constructor(header, { onChange = () => {} } = {}) {
    this.onChange = onChange;
    this.select = h("select", { name: "theme", id: "theme-select", "aria-label": "Theme",
      onchange: (ev) => this.set(ev.target.value) },
    THEMES.map(([value, text]) => h("option", { value }, text)));
    header.appendChild(h("label", { class: "theme-picker" },
      h("span", { class: "theme-label" }, "Theme"), this.select));
    const first = stored();
    this.set(THEMES.some(([v]) => v === first) ? first : "auto", { save: false });
    // "auto" follows a change of the system setting without a reload (CSS media queries do the
    // colours; the diagrams re-measure their labels, whose weight may change).
    for (const q of ["(prefers-color-scheme: dark)", "(prefers-contrast: more)"]) {
      window.matchMedia(q).addEventListener("change", () => this.onChange(this.effective));
    }
  }

  /** The theme in force: auto resolved from the system settings. */
  get effective() {
    if (this.theme !== "auto") return this.theme;
    if (window.matchMedia("(prefers-contrast: more)").matches) return "contrast";
    return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  set(theme, { save = true } = {}) {
    this.theme = theme;
    this.select.value = theme;
    const root = document.documentElement;
    if (theme === "auto") delete root.dataset.theme;
    else root.dataset.theme = theme;
    if (save) {
      try {
        localStorage.setItem(STORE_KEY, theme);
      } catch {
        // not remembered: see stored()
      }
    }
    this.onChange(this.effective);
  }
}
