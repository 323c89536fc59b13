// One model on the server: its session, the page's copy of its frames (TraceStore), its
// parameters, and the transport that moves its cursors: the WebSocket stream while it is open,
// REST otherwise (api.js). The session swaps transports as the stream opens and closes and
// never asks which one it holds; what was playing or training goes on over the other one.

import { ApiError, rest } from "./api.js";
import { RestTransport, StreamTransport } from "./api_transport.js";
import { TraceStore } from "./trace_store.js";

const FILL_DELAY_MS = 60; // batch gap-filling reads while frames stream in

/** The SessionCreate body for a page state (and an optional cell/variant override). */
export function sessionBody(state, override = {}) {
  const cell = override.cell || state.cell;
  const options = state.length ? { length: state.length } : {};
  return {
    cell,
    variant: cell === "lstm" ? override.variant || state.variant : "vanilla",
    hidden_size: state.hidden_size,
    num_layers: state.num_layers,
    seed: state.seed,
    init: { scheme: state.init },
    task: { name: state.task, options },
    truncate: state.truncate || null,
    clip: state.clip_threshold > 0 ? "norm" : null,
    clip_threshold: state.clip_threshold > 0 ? state.clip_threshold : 5,
  };
}

export class ModelSession {
  /**
   * onFrame(frame, session) for every frame received; onLink(kind) for the stream's status;
   * onError(error) for what failed in the background; onChange() when the store or the
   * parameters changed without a frame; limits: GET /presets limits.
   */
  constructor(label, { onFrame = () => {}, onLink = () => {}, onError = () => {}, onChange = () => {},
    limits = {} } = {}) {
    Object.assign(this, { label, onFrame, onLink, onError, onChange, limits });
    this.store = new TraceStore();
    this.info = null;
    this.params = null;
    this.transport = null;
    this._rest = null;
    this._stream = null;
    this.trainingActive = false; // forward frames come from new parameters while training
    this.paramsStale = false;
    this._freshT = null;
    this._fill = { timer: null, running: false, again: false, overwrite: false };
    this._epoch = 0; // bumped whenever the store starts over: late fills are dropped
  }

  get id() {
    return this.info ? this.info.id : null;
  }

  /** Create the session, read its parameters, open its stream. */
  async open(body) {
    this.close();
    return this._start(await rest.createSession(body));
  }

  /** Take over a session created elsewhere (an upload): the old one is closed. */
  async adopt(info) {
    this.close();
    return this._start(info);
  }

  async _start(info) {
    this.info = info;
    this._resetStore();
    const handlers = { onFrame: (frame) => this._receive(frame), onError: (e) => this.onError(e) };
    this._rest = new RestTransport(info, { ...handlers, limits: this.limits });
    this.transport = this._rest;
    await this.refreshParams();
    this._stream = new StreamTransport(info, { ...handlers, fallback: this._rest,
      onLink: (kind, detail) => this._link(kind, detail) });
    return info;
  }

  /** The stream opened (use it) or went away (back to REST). */
  _link(kind, detail) {
    if (!this.transport) return; // closed: a late word from the old stream
    const next = kind === "open" ? this._stream : this._rest;
    if (next !== this.transport) {
      const activity = this.transport.detach();
      this.transport = next;
      if (activity) next.resume(activity);
    }
    this.onLink(kind, detail);
  }

  _resetStore() {
    const i = this.info;
    this._epoch += 1;
    this.store.reset({ cell: i.cell, variant: i.variant, structure: i.structure, T: i.T,
      hidden_size: i.sizes.hidden_size, input_size: i.sizes.input_size,
      output_size: i.sizes.output_size, loss: i.loss, task: i.task,
      num_layers: i.num_layers || 1, layer: i.layer ?? null });
  }

  close() {
    if (this._stream) this._stream.close();
    if (this._rest) this._rest.close();
    this._stream = this._rest = this.transport = null;
    clearTimeout(this._fill.timer);
    this._fill = { timer: null, running: false, again: false, overwrite: false };
    if (this.info) rest.deleteSession(this.info.id).catch(() => null);
    this.info = null;
  }

  async refreshParams() {
    const reply = await rest.params(this.id);
    this.params = reply.params;
    return this.params;
  }

  /** Every frame, from the stream or a REST reply, goes through here. */
  _receive(frame) {
    if (!frame || typeof frame !== "object") return;
    const s = this.store;
    if (frame.type === "forward") {
      if (this.trainingActive) {
        // A fresh frame from new parameters: every other step shown is stale. They are replaced
        // shortly (not cleared now, which would make the charts flash).
        if (!this.paramsStale) s.clearBackward();
        this.paramsStale = true;
        this._freshT = frame.t;
        this._scheduleFill(true);
      }
      s.putForward(frame);
      if (frame.t > 0 && !s.fwd[frame.t - 1]) this._scheduleFill(false);
    } else if (frame.type === "backward") {
      s.putBackward(frame);
      if (frame.t < s.meta.T - 1 && !s.bwd[frame.t + 1]) this._scheduleFill(false);
    } else if (frame.type === "metrics") {
      s.putTraining(frame);
    } else if (frame.type === "done" && frame.what === "train") {
      this._settleTraining();
    }
    this.onFrame(frame, this);
  }

  /** Training ended: the equations' terms need the final parameters. */
  _settleTraining() {
    this.trainingActive = false;
    if (!this.paramsStale) return;
    this.paramsStale = false;
    this.refreshParams().then(() => this.onChange(), (error) => this.onError(error));
  }

  // ------------------------------------------------------------------ commands
  /** Next forward step (replayed when computed). */
  stepForward() {
    return this.transport.forward(1);
  }

  stepBack() {
    return this.transport.back(1);
  }

  /** Move a cursor to step t; a gap in the history before it is filled from the server. */
  seek(t, direction = "forward") {
    return this.transport.seek(t, direction);
  }

  /** `n` forward steps (or to the end). */
  forwardSteps(n, toEnd = false) {
    return this.transport.forward(Math.max(1, n), toEnd);
  }

  /** BPTT `n` steps towards 0 (the server completes the forward pass first). */
  bpttSteps(n = 1, toEnd = false) {
    return this.transport.backward(Math.max(1, n), toEnd);
  }

  /** Play forward (or BPTT) at `rate` steps/s until pause or the end (a "done" frame). */
  play(rate, direction = "forward") {
    this.transport.play(rate, direction);
  }

  pause() {
    if (this.transport) this.transport.pause();
  }

  setRate(rate) {
    this.transport.setRate(rate);
  }

  /** Train: {updates (null = until stopTraining), optimizer, learning_rate, clip, ...}. */
  train(config) {
    this.trainingActive = true;
    this.transport.train(config);
  }

  stopTraining() {
    this.transport.stopTraining();
  }

  async reset(reinit = false, seed = null) {
    this.trainingActive = false; // a reset stops training: what follows is not fresh
    // The steps a gap-fill asks for are gone once the server has reset (a 422): stop the fill
    // and let a call already on its way come back first.
    clearTimeout(this._fill.timer);
    this._fill.timer = null;
    this._epoch += 1;
    await this._fillRun;
    this.info = await this.transport.reset(reinit, seed);
    const training = this.store.training;
    this._resetStore();
    if (!reinit) this.store.training = training;
    if (reinit) await this.refreshParams();
    return this.info;
  }

  /**
   * Show `layer` of a stacked model: the server's frames change layer, and the store is filled
   * again with the same steps, now of that layer (GET .../frames: nothing is recomputed).
   */
  async showLayer(layer) {
    if (!this.info || (this.info.num_layers || 1) < 2 || this.info.layer === layer) return;
    this.info = await rest.updateSession(this.id, { layer });
    const s = this.store;
    const top = s.fwd.findLastIndex((frame) => frame);
    const low = s.bwd.findIndex((frame) => frame);
    const training = s.training;
    this._resetStore();
    s.training = training;
    const epoch = this._epoch;
    this.onChange();
    if (top >= 0) await this._fetch("forward", 0, top + 1, (t) => !s.fwd[t], epoch);
    if (low >= 0) await this._fetch("backward", low, s.meta.T, (t) => !s.bwd[t], epoch);
  }

  async update(body) {
    this.info = await rest.updateSession(this.id, body);
    if ("truncate" in body) this.store.clearBackward();
    return this.info;
  }

  // ------------------------------------------------------------------ history gaps
  /** Fill, soon, the steps computed on the server that the store has no frame for. */
  _scheduleFill(overwrite) {
    const f = this._fill;
    f.overwrite = f.overwrite || overwrite;
    if (f.running) {
      f.again = true;
      return;
    }
    if (f.timer) return;
    f.timer = setTimeout(() => { this._fillRun = this._runFill(); }, FILL_DELAY_MS);
  }

  async _runFill() {
    const f = this._fill;
    f.timer = null;
    f.running = true;
    const epoch = this._epoch;
    try {
      do {
        f.again = false;
        const overwrite = f.overwrite;
        f.overwrite = false;
        await this._fillGaps(overwrite, epoch);
      } while (f.again && epoch === this._epoch);
    } catch (error) {
      // 422: the server's computed steps changed meanwhile (a reset, new weights); the next
      // frame asks again. Anything else is worth a banner.
      if (!(error instanceof ApiError && error.status === 422)) this.onError(error);
    } finally {
      if (this._fill === f) f.running = false;
    }
    if (epoch === this._epoch) this.onChange();
  }

  /** Frames are on their way to fill a gap (the charts are incomplete). */
  get filling() {
    return Boolean(this._fill.timer || this._fill.running);
  }

  /**
   * Forward: every step up to the newest forward frame is computed on the server; backward,
   * every step from the lowest backward frame to T − 1. The frames missing in between (and,
   * with new parameters, every forward frame but the fresh one) come from GET .../frames, built
   * by the engine exactly as stepped frames are.
   */
  async _fillGaps(overwrite, epoch) {
    const s = this.store;
    const T = s.meta.T;
    if (overwrite) {
      // New parameters: what lies beyond the recomputed steps is from the old ones.
      for (let t = (this._freshT ?? -1) + 1; t < T; t++) s.fwd[t] = null;
      s.version.fwd += 1;
    }
    const stale = (t) => !s.fwd[t] || (overwrite && t !== this._freshT);
    const top = s.fwd.findLastIndex((frame) => frame);
    await this._fetch("forward", 0, top + 1, stale, epoch);
    const low = s.bwd.findIndex((frame) => frame);
    if (low >= 0) await this._fetch("backward", low, T, (t) => !s.bwd[t], epoch);
  }

  /** Fetch the runs of steps in [lo, hi) where missing(t), as few calls as the server allows. */
  async _fetch(direction, lo, hi, missing, epoch) {
    let t = lo;
    while (t < hi) {
      while (t < hi && !missing(t)) t += 1;
      let stop = t;
      while (stop < hi && missing(stop)) stop += 1;
      if (t >= stop || epoch !== this._epoch) return; // the store started over: not ours to fill
      const reply = await rest.frames(this.id, { direction, start: t, stop });
      if (epoch !== this._epoch || !reply.frames.length) return;
      for (const frame of reply.frames) {
        if (direction === "forward") this.store.putForward(frame);
        else this.store.putBackward(frame);
      }
      t = reply.frames[reply.frames.length - 1].t + 1;
    }
  }
}
