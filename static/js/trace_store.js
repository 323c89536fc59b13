// Every frame received for the current session, by step: the charts read whole histories from
// here, the equations read neighbouring steps (backward needs f(t+1) and δ(t+1)). The store is
// the page's copy of the engine's trace; it computes nothing itself.

export class TraceStore {
  constructor() {
    this.reset({ cell: "lstm", T: 0, H: 0, D: 0, O: 0, structure: {} });
  }

  /** Start over for a new model or sequence: meta = {cell, T, H, D, O, structure, ...}. */
  reset(meta) {
    this.meta = { ...meta };
    this.fwd = new Array(meta.T).fill(null);
    this.bwd = new Array(meta.T).fill(null);
    this.version = { fwd: 0, bwd: 0, train: 0 };
    // Targets are data, not model output: they survive new parameters (clearSteps); frames
    // rebuilt from the trace take theirs from here (filled from the trace's `targets`).
    this.targets = new Array(meta.T).fill(undefined);
    this._cache = new Map();
    this.training = { loss: [], gradNorm: [], diverged: false };
  }

  /** Drop the per-step frames (parameters changed) but keep the training history. */
  clearSteps() {
    this.fwd = new Array(this.meta.T).fill(null);
    this.bwd = new Array(this.meta.T).fill(null);
    this.version.fwd += 1;
    this.version.bwd += 1;
  }

  /** Drop backward frames only (truncation or clipping changed). */
  clearBackward() {
    this.bwd = new Array(this.meta.T).fill(null);
    this.version.bwd += 1;
  }

  putForward(frame) {
    if (!this._inRange(frame.t)) return;
    if (frame.values && frame.values.target !== undefined) this.targets[frame.t] = frame.values.target;
    this.fwd[frame.t] = frame;
    this.version.fwd += 1;
  }

  putBackward(frame) {
    if (!this._inRange(frame.t)) return;
    this.bwd[frame.t] = frame;
    this.version.bwd += 1;
  }

  putTraining(metrics) {
    this.training.loss.push(metrics.loss ?? null);
    this.training.gradNorm.push(metrics.grad_norm ?? null);
    if (metrics.diverged) this.training.diverged = true;
    this.version.train += 1;
  }

  _inRange(t) {
    return Number.isInteger(t) && t >= 0 && t < this.meta.T;
  }

  /** values[key] (forward) or deltas[key] (backward) at step t, or null. */
  at(source, key, t) {
    if (!this._inRange(t)) return null;
    const frame = (source === "bwd" ? this.bwd : this.fwd)[t];
    if (!frame) return null;
    const box = source === "bwd" ? frame.deltas : frame.values;
    return box && Array.isArray(box[key]) ? box[key] : null;
  }

  /** Number of steps with a forward frame, counted from 0 without a gap. */
  forwardReach() {
    let n = 0;
    while (n < this.meta.T && this.fwd[n]) n += 1;
    return n;
  }

  /**
   * rows[j][t] for key over all steps (null where not received), cached per version: the
   * heatmaps and line charts ask for the same matrix several times per redraw.
   */
  matrix(source, key) {
    const ver = this.version[source];
    const cacheKey = `${source}:${key}`;
    const hit = this._cache.get(cacheKey);
    if (hit && hit.ver === ver) return hit.rows;
    const frames = source === "bwd" ? this.bwd : this.fwd;
    let n = 0;
    for (const f of frames) {
      const arr = f && (source === "bwd" ? f.deltas : f.values)?.[key];
      if (Array.isArray(arr)) {
        n = arr.length;
        break;
      }
    }
    const rows = [];
    for (let j = 0; j < n; j++) rows.push(new Array(frames.length).fill(null));
    frames.forEach((f, t) => {
      const arr = f && (source === "bwd" ? f.deltas : f.values)?.[key];
      if (!Array.isArray(arr)) return;
      for (let j = 0; j < n; j++) rows[j][t] = arr[j];
    });
    this._cache.set(cacheKey, { ver, rows });
    return rows;
  }

  /** norms[key] per step of the backward frames (‖dy‖, ‖dc‖, ‖dx‖ ...), null where missing. */
  norms(key) {
    return this.bwd.map((f) => (f && f.norms && f.norms[key] !== undefined ? f.norms[key] : null));
  }

  /** loss_t per step of the forward frames. */
  stepLosses() {
    return this.fwd.map((f) => (f && f.loss_t !== undefined ? f.loss_t : null));
  }
}
