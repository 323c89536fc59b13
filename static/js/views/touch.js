// Touch and zoom for the cell diagrams. Every diagram is drawn at least at the scale where its
// smallest label renders at MIN_LABEL_PX: a slot narrower than that (a phone) pans inside its
// own box, never the page. On a touch screen a tap on the diagram takes the next step of the
// shown pass (forward: t+1, backward: one BPTT step), a swipe left or right steps forward or
// back (as → and ← do) unless the finger panned the diagram, and two fingers pinch to zoom; the
// zoom buttons of the figure toolbar do the same with a mouse or the keyboard.

export const MIN_LABEL_PX = 11;
export const ZOOM_MAX = 3;
const ZOOM_STEPS = [1, 1.25, 1.5, 2, 2.5, 3];
const SWIPE_PX = 48; // a shorter horizontal move is a tap or a wobble, not a swipe
const PAN_PX = 60; // an arrow key moves a zoomed diagram this far

/** Smallest font size (SVG user units) among the texts of svg that have any text. */
function smallestFont(svg) {
  let min = Infinity;
  for (const t of svg.querySelectorAll("text, tspan")) {
    if (!t.textContent.trim()) continue;
    const size = parseFloat(getComputedStyle(t).fontSize);
    if (size > 0 && size < min) min = size;
  }
  return Number.isFinite(min) ? min : null;
}

/** Zoom and gestures of one diagram figure (figure.dg with its .dg-scroll and svg.dg-svg). */
export class DiagramZoom {
  /** figure: the diagram's <figure>; emit(name, detail) sends a step on the bus. */
  constructor(figure, { emit }) {
    this.figure = figure;
    this.emit = emit;
    this.svg = figure.querySelector("svg.dg-svg");
    this.scroller = figure.querySelector(".dg-scroll") || this.svg.parentNode;
    this.zoom = 1;
    this.font = null; // smallest label font, measured once it is laid out
    this.onChange = () => {};
    this._touch = null;
    this._pinch = null;
    this.svg.addEventListener("click", (ev) => this._onTap(ev));
    this.scroller.addEventListener("touchstart", (ev) => this._onTouchStart(ev), { passive: true });
    // Not passive: a horizontal move the diagram cannot follow is ours (a swipe), not the
    // browser's (which would take it as "back" to the previous page).
    this.scroller.addEventListener("touchmove", (ev) => this._onTouchMove(ev), { passive: false });
    this.scroller.addEventListener("touchend", (ev) => this._onTouchEnd(ev), { passive: true });
    this.scroller.addEventListener("touchcancel", () => { this._touch = null; this._pinch = null; });
    this.scroller.addEventListener("keydown", (ev) => this._onKey(ev));
    // A diagram first laid out after apply() ran (a compare panel or a tab shown later) is
    // sized the moment it gets a box, whoever shows it.
    this._sizer = new ResizeObserver(() => { if (!this.font) this.apply(); });
    this._sizer.observe(this.scroller);
  }

  /** Stop watching the diagram's box (its figure left the page). */
  disconnect() {
    this._sizer.disconnect();
  }

  /** A diagram wider or taller than its box is reached by Tab; its arrow keys pan it. */
  _syncFocusable() {
    const sc = this.scroller;
    const pans = sc.scrollWidth > sc.clientWidth + 1 || sc.scrollHeight > sc.clientHeight + 1;
    if (pans === this.pans) return;
    this.pans = pans;
    sc.classList.toggle("pans", pans); // which touch gestures the browser keeps (responsive.css)
    if (pans) {
      sc.tabIndex = 0;
      sc.setAttribute("role", "group");
      const title = this.figure.querySelector(".dg-title")?.textContent || "diagram";
      sc.setAttribute("aria-label", `${title}: arrow keys pan`);
    } else {
      for (const a of ["tabindex", "role", "aria-label"]) sc.removeAttribute(a);
    }
  }

  _onKey(ev) {
    if (ev.target !== this.scroller || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const PAN = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[ev.key];
    if (!PAN) return;
    ev.preventDefault();
    ev.stopPropagation(); // panning, not stepping (the page's → and ← step)
    this.scroller.scrollBy(PAN[0] * PAN_PX, PAN[1] * PAN_PX);
  }

  /** Re-measure the labels (after a theme changes their size) and apply the zoom. */
  remeasure() {
    this.font = null;
    this.apply();
  }

  /** Size the svg: never below the legible scale, times the zoom. */
  apply() {
    if (!this.font) this.font = this.svg.getClientRects().length ? smallestFont(this.svg) : null;
    if (!this.font) return; // not laid out yet (a hidden tab): sized when it is shown
    const vb = this.svg.viewBox.baseVal;
    const k = MIN_LABEL_PX / this.font; // px per user unit at which the smallest label is legible
    const minW = vb.width * k;
    const minH = vb.height * k;
    const s = this.svg.style;
    s.minWidth = `${Math.ceil(minW)}px`;
    s.minHeight = `${Math.ceil(minH)}px`;
    const zoomed = this.zoom > 1;
    this.figure.classList.toggle("zoomed", zoomed);
    if (zoomed) {
      const base = Math.max(this.scroller.clientWidth, minW);
      s.width = `${(base * this.zoom).toFixed(1)}px`;
    } else {
      s.width = "";
    }
    this._syncFocusable();
    this.onChange(this.zoom);
  }

  /** Set the zoom (1 … ZOOM_MAX), keeping the point under (cx, cy) of the scroller in place. */
  setZoom(z, cx = this.scroller.clientWidth / 2, cy = this.scroller.clientHeight / 2) {
    const zoom = Math.min(ZOOM_MAX, Math.max(1, z));
    if (Math.abs(zoom - this.zoom) < 1e-3) return;
    const sc = this.scroller;
    const before = this.svg.getBoundingClientRect();
    const fx = (sc.scrollLeft + cx) / (before.width || 1);
    const fy = (sc.scrollTop + cy) / (before.height || 1);
    this.zoom = zoom;
    this.apply();
    const after = this.svg.getBoundingClientRect();
    sc.scrollLeft = fx * after.width - cx;
    sc.scrollTop = fy * after.height - cy;
  }

  zoomIn() {
    this.setZoom(ZOOM_STEPS.find((z) => z > this.zoom + 1e-3) ?? ZOOM_MAX);
  }

  zoomOut() {
    this.setZoom([...ZOOM_STEPS].reverse().find((z) => z < this.zoom - 1e-3) ?? 1);
  }

  get backward() {
    return this.figure.classList.contains("mode-backward");
  }

  /** A tap (touch only: a mouse click keeps meaning "pick this unit" or nothing). */
  _onTap(ev) {
    if (ev.pointerType !== "touch") return;
    if (ev.target instanceof Element && ev.target.closest("rect.cell")) return; // picks a unit
    this.emit(this.backward ? "control:step-back" : "control:step-forward");
  }

  _onTouchStart(ev) {
    const sc = this.scroller;
    if (ev.touches.length === 2) {
      const [a, b] = ev.touches;
      const r = sc.getBoundingClientRect();
      this._pinch = { dist: Math.hypot(a.clientX - b.clientX, a.clientY - b.clientY), zoom: this.zoom,
        cx: (a.clientX + b.clientX) / 2 - r.left, cy: (a.clientY + b.clientY) / 2 - r.top };
      this._touch = null;
      return;
    }
    if (ev.touches.length !== 1) return;
    const t = ev.touches[0];
    this._touch = { x: t.clientX, y: t.clientY, left: sc.scrollLeft, top: sc.scrollTop };
  }

  _onTouchMove(ev) {
    if (this._touch && ev.touches.length === 1) {
      const t = ev.touches[0];
      const dx = t.clientX - this._touch.x;
      const sc = this.scroller;
      const canFollow = dx < 0 ? sc.scrollLeft < sc.scrollWidth - sc.clientWidth - 1 : sc.scrollLeft > 0;
      if (Math.abs(dx) > Math.abs(t.clientY - this._touch.y) && !canFollow && ev.cancelable) ev.preventDefault();
      return;
    }
    if (!this._pinch || ev.touches.length !== 2) return;
    const [a, b] = ev.touches;
    const dist = Math.hypot(a.clientX - b.clientX, a.clientY - b.clientY);
    const p = this._pinch;
    if (p.dist > 0) this.setZoom(p.zoom * (dist / p.dist), p.cx, p.cy);
  }

  _onTouchEnd(ev) {
    if (this._pinch) {
      if (ev.touches.length === 0) this._pinch = null;
      return;
    }
    const start = this._touch;
    this._touch = null;
    if (!start || ev.changedTouches.length !== 1) return;
    const t = ev.changedTouches[0];
    const dx = t.clientX - start.x;
    const dy = t.clientY - start.y;
    if (Math.abs(dx) < SWIPE_PX || Math.abs(dx) < 1.5 * Math.abs(dy)) return;
    // A finger that moved the zoomed diagram was panning, not asking for a step.
    const sc = this.scroller;
    if (Math.abs(sc.scrollLeft - start.left) > 1 || Math.abs(sc.scrollTop - start.top) > 1) return;
    this.emit(dx < 0 ? "control:step-forward" : "control:step-back");
  }
}
