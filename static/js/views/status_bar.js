// The status line (t / T, mode, loss, what is running, the connection) and the banner for
// errors and diverged training, with the one action that fixes it.

import { h, setText } from "./dom.js";
import { fmtNum } from "../format.js";

export class StatusBar {
  /** line: element for the status line; banner: element for messages; emit(name, detail). */
  constructor(line, banner, { emit }) {
    this.line = line;
    this.banner = banner;
    this.emit = emit;
    this.items = {
      t: h("span", { class: "st-t", "data-status": "t" }),
      mode: h("span", { class: "st-mode", "data-status": "mode" }),
      loss: h("span", { class: "st-loss", "data-status": "loss" }),
      run: h("span", { class: "st-run", "data-status": "run" }),
      link: h("span", { class: "st-link", "data-status": "link" }),
    };
    line.replaceChildren(...Object.values(this.items));
    this.text = h("span", { class: "banner-text" });
    this.action = h("button", { type: "button", class: "small banner-action" });
    this.close = h("button", { type: "button", class: "small banner-close", "aria-label": "dismiss",
      onclick: () => this.emit("control:dismiss") }, "×");
    banner.replaceChildren(this.text, this.action, this.close);
    banner.hidden = true;
    this._last = "";
  }

  /**
   * data: {t, T, mode, lossT, lossTotal, updates, playing, training, link, message:
   * {kind: "error"|"diverged"|"warning", text} | null}.
   */
  update(d) {
    const set = setText;
    set(this.items.t, `t = ${d.t} / ${Math.max(0, d.T - 1)}`);
    set(this.items.mode, d.mode === "backward" ? "backward (BPTT)" : "forward");
    this.items.mode.classList.toggle("bwd", d.mode === "backward");
    const lossT = d.lossT === null || d.lossT === undefined ? "—" : fmtNum(d.lossT);
    let loss = `loss(t) ${lossT}`;
    if (d.updates) loss += ` · training loss ${fmtNum(d.trainLoss)} after ${d.updates} updates`;
    set(this.items.loss, loss);
    set(this.items.run, d.training ? "training…" : d.playing ? "playing" : "paused");
    this.items.run.classList.toggle("active", Boolean(d.training || d.playing));
    set(this.items.link, d.link === "open" ? "" : d.link === "rest" ? "" : `stream: ${d.link}`);
    this._message(d.message);
  }

  _message(msg) {
    const key = msg ? `${msg.kind}|${msg.text}` : "";
    if (key === this._last) return;
    this._last = key;
    this.banner.hidden = !msg;
    if (!msg) return;
    this.banner.className = `banner ${msg.kind}`;
    this.banner.setAttribute("role", msg.kind === "warning" ? "status" : "alert");
    this.text.textContent = msg.text;
    const reset = msg.kind === "diverged" || msg.kind === "nonfinite";
    this.action.hidden = !reset && !msg.retry;
    this.action.textContent = reset ? "Reset weights" : "Retry";
    this.action.onclick = () => this.emit(reset ? "control:reset" : "control:retry", reset ? { reinit: true } : {});
  }
}
