// The cell unfolded over time, "covered with a black box" as the article does: a row of blocks
// for the steps around t, the current one being the cell drawn above. Forward, the LSTM passes
// c (the highway, top rail) and y (bottom rail) from block to block, each rail coloured and
// labelled with the selected unit's value; the simple RNN passes h. Backward, the rails carry
// the errors back to the left: δc ⊙ f along the highway and Σ R*ᵀ δ*̄ through y (RNN: Wᵀ δa),
// so the highway's long reach and the RNN's fading error show on one screen. Every number is a
// frame term (c, y, h; dc_prev_highway, dy_prev, dh_prev, dc_from_next, dy_from_next, …).

import { el } from "./svg_kit.js";
import { colorFor } from "./color_scales.js";
import { fmtNum } from "../format.js";
import { setText } from "./dom.js";
import { watchWidth } from "./plot_util.js";
import { put, toggleClass } from "./sequence_paint.js";

const HGT = 150;
const PITCH = 116; // one block and the rails to the next, in SVG units (≈ px at full size)
const TAIL = 24; // the rails leaving the last block
const PAD = 56; // room on the left for the rails' names
const BW = 64; // block width
const BH = 74;
const TOP = 42;
const RAIL = { hi: TOP + 18, lo: TOP + BH - 18 };

/** What each rail carries, per cell and direction: frame key inside a step and at the edges. */
const RAILS = {
  lstm: [
    { name: "c", at: "hi", fwd: "c", inFwd: "c_prev", bwd: "dc_prev_highway", inBwd: "dc_from_next",
      fam: "cell", symF: "c", symB: "δc⊙f" },
    { name: "y", at: "lo", fwd: "y", inFwd: "y_prev", bwd: "dy_prev", inBwd: "dy_from_next",
      fam: "act", symF: "y", symB: "Σ Rᵀδ" },
  ],
  rnn: [
    { name: "h", at: "lo", fwd: "h", inFwd: "h_prev", bwd: "dh_prev", inBwd: "dh_from_next",
      fam: "act", symF: "h", symB: "Wᵀδa" },
  ],
};

export class UnfoldedView {
  /** container: element to fill; onSeek(t) when a block is clicked. As many blocks as fit. */
  constructor(container, { onSeek } = {}) {
    this.n = 7;
    this.onSeek = onSeek;
    this.root = document.createElement("figure");
    this.root.className = "seq-unfold";
    this.caption = document.createElement("figcaption");
    this.caption.className = "seq-unfold-caption";
    this.svg = el("svg", { class: "seq-unfold-svg", role: "img",
      "aria-label": "The cell unfolded over the steps around t" });
    this.root.append(this.caption, this.svg);
    container.appendChild(this.root);
    this.cell = null;
    this.width = 0;
    watchWidth(this.root, (w) => { this.width = w; });
    this.svg.addEventListener("click", (e) => {
      const g = e.target.closest("[data-step]");
      if (g && this.onSeek && g.dataset.step !== "") this.onSeek(Number(g.dataset.step));
    });
  }

  _build(cell, n) {
    this.cell = cell;
    this.n = n;
    const W = PAD + n * PITCH + TAIL;
    this.svg.setAttribute("viewBox", `0 0 ${W} ${HGT}`);
    this.svg.replaceChildren();
    const pitch = PITCH;
    this.pitch = pitch;
    this.blocks = [];
    this.segments = [];
    const rails = RAILS[cell];
    // Segments k = 0 … n: k = 0 enters the first block from the left, k = n leaves the last.
    for (let k = 0; k <= this.n; k++) {
      const x0 = k === 0 ? 4 : PAD + (k - 1) * pitch + (pitch + BW) / 2;
      const x1 = k === this.n ? W - 4 : PAD + k * pitch + (pitch - BW) / 2;
      const seg = rails.map((r) => {
        const y = RAIL[r.at];
        const g = el("g", { class: "seg", "data-rail": r.name }, this.svg);
        const line = el("line", { x1: x0, x2: x1, y1: y, y2: y, class: "seg-line" }, g);
        const head = el("path", { class: "seg-head" }, g);
        const label = el("text", { x: (x0 + x1) / 2 + (k === 0 ? 14 : 0), y: y - 8, "text-anchor": "middle",
          class: "seg-label" }, g);
        return { g, line, head, label, x0, x1, y, rail: r };
      });
      this.segments.push(seg);
    }
    this.railNames = rails.map((r) => el("text", { x: 4, y: RAIL[r.at] - 8, class: "rail-name" }, this.svg));
    for (let k = 0; k < this.n; k++) {
      const x = PAD + k * pitch + (pitch - BW) / 2;
      const g = el("g", { class: "blk", "data-step": "" }, this.svg);
      const box = el("rect", { x, y: TOP, width: BW, height: BH, rx: 9, class: "blk-box" }, g);
      const head = el("text", { x: x + BW / 2, y: TOP - 8, "text-anchor": "middle", class: "blk-step" }, g);
      const tok = el("text", { x: x + BW / 2, y: TOP + BH + 18, "text-anchor": "middle", class: "blk-token" }, g);
      const name = el("text", { x: x + BW / 2, y: TOP + BH / 2 + 4, "text-anchor": "middle", class: "blk-name" }, g);
      setText(name, cell === "rnn" ? "RNN" : "LSTM");
      for (const r of rails) {
        el("text", { x: x + 6, y: RAIL[r.at] + 4, class: "blk-port" }, g).textContent = r.name;
      }
      this.blocks.push({ g, box, head, tok });
    }
  }

  /**
   * data: {cell, store, t, T, unit, mode, token(t) → the input as text}. Steps outside 0…T−1 are
   * drawn faded.
   */
  update({ cell, store, t, T, unit, mode, token }) {
    // An odd number of blocks (3 … 9), t in the middle, each at least 84 px wide.
    const fit = this.width ? Math.floor((this.width - PAD - TAIL) / 84) : 7;
    const n = Math.max(3, Math.min(9, fit % 2 ? fit : fit - 1));
    if (cell !== this.cell || n !== this.n) this._build(cell, n);
    const back = mode === "backward";
    const half = Math.floor(this.n / 2);
    const first = Math.max(0, Math.min(t - half, T - this.n));
    const steps = Array.from({ length: this.n }, (_, k) => first + k);
    const rails = RAILS[cell];
    rails.forEach((r, i) => setText(this.railNames[i], back ? r.symB : r.symF));
    setText(this.caption, back
      ? `BPTT, unit ${unit}: the errors flow back to the left${cell === "rnn" ? " through h (Wᵀ δa)"
        : " along the highway (δc ⊙ f) and through y (Σ R*ᵀ δ*̄)"}`
      : `Unfolded over time, unit ${unit}: ${cell === "rnn" ? "h passes" : "c (the highway) and y pass"} from block to block`);
    this.blocks.forEach((b, k) => {
      const s = steps[k];
      const inside = s >= 0 && s < T;
      put(b.g.dataset, "step", inside ? String(s) : "");
      toggleClass(b.g, "absent", !inside);
      toggleClass(b.g, "current", s === t);
      setText(b.head, !inside ? "" : s === t ? `t = ${s} (drawn above)` : `t = ${s}`);
      setText(b.tok, inside && token ? token(s) : "");
    });
    for (let k = 0; k <= this.n; k++) {
      rails.forEach((r, i) => {
        const seg = this.segments[k][i];
        // Forward: segment k carries the value of the block on its left (k − 1), or the first
        // block's previous state. Backward: what the block on its right (k) sends back, or what
        // arrives at the last block from beyond the window.
        let v = null;
        let cut = false;
        if (!back) {
          const f = k === 0 ? store.fwd[steps[0]] : store.fwd[steps[k - 1]];
          const key = k === 0 ? r.inFwd : r.fwd;
          v = valueOf(f && f.values, key, unit);
          if (k === this.n && steps[k - 1] >= T - 1) v = null; // nothing after the last step
        } else if (k < this.n) {
          const b = store.bwd[steps[k]];
          v = valueOf(b && b.deltas, r.bwd, unit);
          cut = Boolean(b && b.cut_to_prev);
          if (steps[k] === 0) v = null; // step 0 sends the initial-state gradient, off the page
        } else {
          const b = store.bwd[steps[this.n - 1]];
          v = valueOf(b && b.deltas, r.inBwd, unit);
        }
        const color = colorFor(back ? "delta" : r.fam, v);
        put(seg.line, "style.stroke", color || "");
        toggleClass(seg.g, "empty", v === null);
        toggleClass(seg.g, "cut", cut);
        toggleClass(seg.g, "back", back);
        setText(seg.label, v === null ? "" : fmtNum(v));
        this._arrow(seg, back, color);
      });
    }
  }

  _arrow(seg, back, color) {
    const dir = back ? -1 : 1;
    const tip = back ? seg.x0 : seg.x1;
    const y = seg.y;
    const d = `M ${tip} ${y} L ${tip - 9 * dir} ${y - 5} L ${tip - 9 * dir} ${y + 5} Z`;
    if (seg.head.getAttribute("d") !== d) seg.head.setAttribute("d", d);
    put(seg.head, "style.fill", color || "");
  }
}

function valueOf(box, key, unit) {
  const arr = box && box[key];
  const v = Array.isArray(arr) ? arr[unit] : null;
  return v === undefined ? null : v;
}
