// Every frame received for the current session, by step: the charts read whole histories from
// here, the diagrams and equations the frame of the step shown. Every frame is the engine's
// own (stepped, or read back from GET .../frames); the store computes nothing itself.

export class TraceStore {
  constructor() {
    this.reset({ cell: "lstm", T: 0, hidden_size: 0, input_size: 0, output_size: 0, structure: {} });
  }

  /**
   * Start over for a new model or sequence: meta = {cell, variant, structure, T, hidden_size,
   * input_size, output_size, loss, task, num_layers, layer (the layer frames show; null: one)}.
   */
  reset(meta) {
    this.meta = { ...meta };
    this.fwd = new Array(meta.T).fill(null);
    this.bwd = new Array(meta.T).fill(null);
    this.version = { fwd: 0, bwd: 0, train: 0 };
    this._cache = new Map();
    // heldout: [update, mean loss per held-out sequence] where the server measured it
    this.training = { loss: [], gradNorm: [], heldout: [], diverged: false };
  }

  /** Drop backward frames only (truncation or clipping changed). */
  clearBackward() {
    this.bwd = new Array(this.meta.T).fill(null);
    this.version.bwd += 1;
  }

  putForward(frame) {
    if (!this._inRange(frame.t) || !this._ofLayer(frame)) return;
    this.fwd[frame.t] = frame;
    this.version.fwd += 1;
  }

  putBackward(frame) {
    if (!this._inRange(frame.t) || !this._ofLayer(frame)) return;
    this.bwd[frame.t] = frame;
    this.version.bwd += 1;
  }

  putTraining(metrics) {
    this.training.loss.push(metrics.loss ?? null);
    this.training.gradNorm.push(metrics.grad_norm ?? null);
    if (metrics.heldout_loss != null) this.training.heldout.push([metrics.update, metrics.heldout_loss]);
    if (metrics.diverged) this.training.diverged = true;
    this.version.train += 1;
  }

  /** A frame of another layer (sent before the page chose this one) is not kept. */
  _ofLayer(frame) {
    return this.meta.layer === null || this.meta.layer === undefined || frame.layer === undefined
      || frame.layer === this.meta.layer;
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

  /** stack[key][l] of every step's frame (forward or backward): rows[l][t] = the H numbers of
   * layer l at t, or null where no frame has arrived (a stacked model; the overview). */
  stackRows(source, key) {
    const frames = source === "bwd" ? this.bwd : this.fwd;
    const L = this.meta.num_layers || 1;
    return Array.from({ length: L }, (_, l) => frames.map((f) => f?.stack?.[key]?.[l] ?? null));
  }

  /** delta_norms[key] per step of the backward frames (‖dy‖, ‖dc‖, ‖dx‖ ...), null where missing. */
  deltaNorms(key) {
    return this.bwd.map((f) => f?.delta_norms?.[key] ?? null);
  }
}
