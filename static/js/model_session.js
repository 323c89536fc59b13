// One model on the server: its session, the page's copy of its trace (TraceStore), its
// parameters, and the channel that moves its cursors. Commands go over the session's
// WebSocket stream when it is open (one ordered channel), else over REST with the same
// meaning, so the page works while the stream reconnects.

import { rest, Stream } from "./api.js";
import { TraceStore } from "./trace_store.js";

const FILL_DELAY_MS = 60; // batch gap-filling trace reads while frames stream in
// Stream commands the server answers with a "state" frame (the others answer with a step frame).
const STATEFUL = new Set(["play", "pause", "stop", "speed", "run_backward", "train", "reset"]);

/** The SessionCreate body for a page state (and an optional cell/variant override). */
export function sessionBody(state, override = {}) {
  const cell = override.cell || state.cell;
  const options = state.length ? { length: state.length } : {};
  return {
    cell,
    variant: cell === "lstm" ? override.variant || state.variant : "vanilla",
    hidden_size: state.hidden,
    seed: state.seed,
    init: { scheme: state.init },
    task: { name: state.task, options },
    truncate: state.trunc || null,
    clip: state.clip > 0 ? "norm" : null,
    clip_threshold: state.clip > 0 ? state.clip : 5,
  };
}

export class ModelSession {
  /** onFrame(frame, session) for every frame put in the store; onStatus(kind, info). */
  constructor(label, { onFrame = () => {}, onStatus = () => {}, useStream = true } = {}) {
    this.label = label;
    this.onFrame = onFrame;
    this.onStatus = onStatus;
    this.useStream = useStream;
    this.store = new TraceStore();
    this.info = null;
    this.params = null;
    this.stream = null;
    this._fillTimer = null;
    this._timer = null; // REST fallback of play / continuous training
    this.trainingActive = false; // training over the stream: forward frames come from new params
    this.paramsStale = false;
    this.cursors = null;
    this._freshT = null;
    this._overwrite = false;
    this.awaiting = 0;
  }

  get id() {
    return this.info ? this.info.id : null;
  }

  get streaming() {
    return Boolean(this.stream && this.stream.open);
  }

  /** Create the session, read its parameters, open its stream. */
  async open(body) {
    this.close();
    this.info = await rest.createSession(body);
    this._resetStore();
    await this.refreshParams();
    this._openStream();
    return this.info;
  }

  /** Take over a session created elsewhere (an upload): the old one is closed. */
  async adopt(info) {
    this.close();
    this.info = info;
    this._resetStore();
    await this.refreshParams();
    this._openStream();
    return info;
  }

  _openStream() {
    if (!this.useStream) return;
    this.stream = new Stream(this.info.id, { onStatus: (kind, info) => this.onStatus(kind, info) });
    this.stream.on("*", (frame) => this._receive(frame));
  }

  _resetStore() {
    const i = this.info;
    this.store.reset({ cell: i.cell, variant: i.variant, structure: i.structure, T: i.T,
      H: i.sizes.hidden_size, D: i.sizes.input_size, O: i.sizes.output_size, loss: i.loss,
      task: i.task });
  }

  close() {
    this._stopTimer();
    if (this.stream) this.stream.close();
    this.stream = null;
    if (this.info) rest.deleteSession(this.info.id).catch(() => null);
    this.info = null;
  }

  async refreshParams() {
    const reply = await rest.params(this.id);
    this.params = reply.params;
    return this.params;
  }

  async refreshInfo() {
    this.info = await rest.session(this.id);
    return this.info;
  }

  /** Every frame, from the stream or a REST reply, goes through here. */
  _receive(frame) {
    if (!frame || typeof frame !== "object") return;
    if (frame.type === "forward" && this.trainingActive) {
      // A fresh frame from new parameters: every other step shown is stale. They are replaced
      // from the trace shortly (not cleared now, which would make the charts flash).
      if (!this.paramsStale) this.store.clearBackward();
      this.paramsStale = true;
      this._freshT = frame.t;
      this._scheduleFill(true);
    }
    if (frame.type === "state" || frame.type === "done") this.cursors = frame.cursors;
    if ((frame.type === "state" || frame.type === "error") && this.awaiting > 0) this.awaiting -= 1;
    if (frame.type === "done" && frame.what === "train") this.trainingActive = false;
    if (frame.type === "forward") this.store.putForward(frame);
    else if (frame.type === "backward") this.store.putBackward(frame);
    else if (frame.type === "metrics") this.store.putTraining(frame);
    if (frame.type === "forward" || frame.type === "backward") this._checkGap(frame);
    this.onFrame(frame, this);
  }

  _receiveAll(reply) {
    for (const frame of reply.frames || []) this._receive(frame);
    if (reply.cursors) this.cursors = reply.cursors;
    return reply;
  }

  /** Send a stream command, counting those whose "state" answer is still to come. */
  _send(cmd) {
    if (STATEFUL.has(cmd.cmd)) this.awaiting += 1;
    return this.stream.send(cmd);
  }

  /** No stream command is waiting for its answer: a "state" frame tells how things stand now. */
  get settled() {
    return this.awaiting === 0;
  }

  // ------------------------------------------------------------------ commands
  /** Next forward step (replayed when computed). */
  async stepForward() {
    if (this.streaming) return this._send({ cmd: "step_forward" });
    return this._receiveAll(await rest.forward(this.id, { steps: 1 }));
  }

  async stepBack() {
    if (this.streaming) return this._send({ cmd: "step_back" });
    return this._receiveAll(await rest.back(this.id, { steps: 1 }));
  }

  /** Move a cursor to step t; missing history in between is filled from the session trace. */
  async seek(t, direction = "forward") {
    if (this.streaming) return this._send({ cmd: "seek", t, direction });
    const frame = await rest.seek(this.id, { t, direction });
    this._receive(frame);
    return frame;
  }

  /** `n` forward steps (or to the end) in one call: every frame lands in the store. */
  async forwardSteps(n, toEnd = false) {
    return this._receiveAll(await rest.forward(this.id, { steps: Math.max(1, n), to_end: toEnd }));
  }

  /**
   * BPTT `steps` steps towards 0 (the forward pass is completed first by the server). Over the
   * stream one step is a backward seek to t − 1, which computes exactly that step.
   */
  async bpttStep(steps = 1, toEnd = false, from = null) {
    if (this.streaming && steps === 1 && !toEnd && from !== null && from > 0) {
      return this._send({ cmd: "seek", t: from - 1, direction: "backward" });
    }
    return this._receiveAll(await rest.backward(this.id, { steps, to_end: toEnd }));
  }

  /** Play forward (or BPTT) at `rate` steps/s until pause or the end. */
  play(rate, direction = "forward", onEnd = () => {}) {
    if (this.streaming) {
      const cmd = direction === "backward" ? { cmd: "run_backward", rate } : { cmd: "play", rate, direction };
      return this._send(cmd);
    }
    this._stopTimer();
    const tick = async () => {
      try {
        const reply = direction === "backward" ? await this.bpttStep(1) : await this.forwardSteps(1);
        const c = reply.cursors;
        const done = direction === "backward" ? c.backward_t === 0 : c.forward_t >= c.T;
        if (done) {
          this._stopTimer();
          onEnd();
          return;
        }
      } catch (error) {
        this._stopTimer();
        onEnd(error);
        return;
      }
      if (this._timer) this._timer = setTimeout(tick, 1000 / rate);
    };
    this._timer = setTimeout(tick, 0);
    return true;
  }

  pause() {
    this._stopTimer();
    if (this.streaming) this._send({ cmd: "pause" });
  }

  setRate(rate) {
    if (this.streaming) this._send({ cmd: "speed", rate });
  }

  _stopTimer() {
    if (this._timer) clearTimeout(this._timer);
    this._timer = null;
  }

  /** Train: {updates (null = until stop), optimizer, learning_rate, clip, clip_threshold, truncate}. */
  async train(config) {
    if (this.streaming) {
      this.trainingActive = true;
      return this._send({ cmd: "train", frame_every: 5, ...config });
    }
    const reply = await rest.train(this.id, { ...config, updates: config.updates || 10 });
    for (const m of reply.metrics) this._receive({ type: "metrics", ...m });
    return reply;
  }

  stopTraining() {
    this._stopTimer();
    if (this.streaming) this._send({ cmd: "stop" });
  }

  /** After training over the stream: the final parameters, for the equations' terms. */
  async settleTraining() {
    this.trainingActive = false;
    if (this.paramsStale) {
      this.paramsStale = false;
      await this.refreshParams();
    }
  }

  async reset(reinit = false, seed = null) {
    this.pause();
    this.info = await rest.reset(this.id, seed === null ? { reinit } : { reinit, seed });
    const training = this.store.training;
    this._resetStore();
    if (!reinit) this.store.training = training;
    if (reinit) await this.refreshParams();
    return this.info;
  }

  async update(body) {
    this.info = await rest.updateSession(this.id, body);
    if ("truncate" in body) this.store.clearBackward();
    return this.info;
  }

  // ------------------------------------------------------------------ history gaps
  _checkGap(frame) {
    const s = this.store;
    const gap = frame.type === "forward"
      ? frame.t > 0 && !s.fwd[frame.t - 1]
      : frame.t < s.meta.T - 1 && !s.bwd[frame.t + 1];
    if (gap) this._scheduleFill(false);
  }

  _scheduleFill(overwrite) {
    this._overwrite = this._overwrite || overwrite;
    if (this._fillTimer) return;
    this._fillTimer = setTimeout(() => {
      const ow = this._overwrite;
      this._overwrite = false;
      this._fillFromTrace(ow).catch((error) => this.onStatus("error", { error }));
    }, FILL_DELAY_MS);
  }

  /**
   * Fill steps the page never received a frame for (a seek across many steps) from the
   * session's whole trace. These frames are rebuilt from arrays: enough for the charts and
   * equations, with every step's target from the trace's `targets`.
   */
  async _fillFromTrace(overwrite = false) {
    if (!this.id) {
      this._fillTimer = null;
      return;
    }
    const trace = await rest.sessionTrace(this.id);
    this._fillTimer = null;
    const s = this.store;
    const fwd = trace.forward || {};
    const n = trace.cursors.computed_forward;
    const H = s.meta.H;
    const zeros = new Array(H).fill(0);
    // Targets are data: the trace has every step's (null where none), computed or not.
    (trace.targets || []).forEach((target, t) => {
      if (t < s.meta.T) s.targets[t] = target;
    });
    if (overwrite) {
      // New parameters: what lies beyond the recomputed steps is from the old ones.
      for (let t = n; t < s.meta.T; t++) if (t !== this._freshT) s.fwd[t] = null;
    }
    for (let t = 0; t < n && t < s.meta.T; t++) {
      if (s.fwd[t] && (!overwrite || t === this._freshT)) continue;
      const values = {};
      for (const [key, rows] of Object.entries(fwd)) values[key] = rows[t];
      if (s.meta.cell === "rnn") values.h_prev = t > 0 ? fwd.h[t - 1] : zeros;
      else {
        values.y_prev = t > 0 ? fwd.y[t - 1] : zeros;
        values.c_prev = t > 0 ? fwd.c[t - 1] : zeros;
      }
      values.target = s.targets[t];
      s.fwd[t] = { type: "forward", t, T: s.meta.T, values, synthetic: true,
        loss_t: trace.target_mask[t] ? trace.loss_per_step[t] : null };
    }
    s.version.fwd += 1;
    const lo = trace.cursors.computed_backward;
    const bwd = trace.backward || {};
    for (let t = lo; t < s.meta.T && Object.keys(bwd).length; t++) {
      if (s.bwd[t]) continue;
      const deltas = {};
      for (const [key, rows] of Object.entries(bwd)) deltas[key] = rows[t];
      const norms = {};
      for (const [key, arr] of Object.entries(trace.delta_norms || {})) norms[key] = arr[t];
      s.bwd[t] = { type: "backward", t, T: s.meta.T, deltas, norms, synthetic: true };
    }
    s.version.bwd += 1;
    this.onFrame({ type: "filled" }, this);
  }
}
