// The two transports of a session (part of the api module, see api.js). A transport moves one
// session's cursors. Both have the same methods:
//   forward(n = 1, toEnd), back(n = 1), backward(n = 1, toEnd)  steps (BPTT for backward)
//   seek(t, direction)                                          a cursor to step t
//   play(rate, direction) / pause() / setRate(rate)             stepping by itself
//   train(config) / stopTraining()                              training (config.updates null: until stopped)
//   reset(reinit, seed) → the session's description
//   detach() → what was running, resume(activity)               when the session swaps transports
// and hand every frame to onFrame in the order the server made them: "forward", "backward",
// "metrics", "error", and "done" ({what: "forward" | "backward" | "train"}) when play reaches
// an end or training stops — by itself, on divergence or after stopTraining(); pause() ends
// play without one. Commands return a promise that settles once the command is on its way
// (REST: answered); their frames may come later.

import { rest } from "./api.js";
import { Stream } from "./api_stream.js";

const TRAIN_CHUNK = 5; // updates per REST call while training until stopped; also frame_every
const STATEFUL = new Set(["play", "pause", "stop", "speed", "run_backward", "train", "reset"]);

/** The session over plain REST calls; play and training are loops of short calls. */
export class RestTransport {
  /** info: the session (id, T, cursors); limits: GET /presets limits; onFrame, onError. */
  constructor(info, { onFrame, onError, limits = {} }) {
    this.id = info.id;
    this.T = info.T;
    this.cursors = info.cursors;
    this.onFrame = onFrame;
    this.onError = onError;
    this.maxUpdates = limits.max_train_updates_per_call || TRAIN_CHUNK;
    this.activity = null;
    this._timer = null;
  }

  async _steps(request) {
    const reply = await request;
    this.cursors = reply.cursors;
    for (const frame of reply.frames) this.onFrame(frame);
    return reply;
  }

  forward(n = 1, toEnd = false) {
    return this._steps(rest.forward(this.id, { steps: Math.max(1, n), to_end: toEnd }));
  }

  back(n = 1) {
    return this._steps(rest.back(this.id, { steps: Math.max(1, n) }));
  }

  backward(n = 1, toEnd = false) {
    return this._steps(rest.backward(this.id, { steps: Math.max(1, n), to_end: toEnd }));
  }

  async seek(t, direction = "forward") {
    const frame = await rest.seek(this.id, { t, direction });
    if (direction === "forward") this.cursors = { ...this.cursors, forward_t: t + 1 };
    this.onFrame(frame);
    return frame;
  }

  play(rate, direction = "forward") {
    this._stop();
    const activity = { kind: "play", rate, direction };
    this.activity = activity;
    const tick = async () => {
      try {
        const c = (direction === "backward" ? await this.backward(1) : await this.forward(1)).cursors;
        if (this.activity !== activity) return;
        if (direction === "backward" ? c.backward_t === 0 : c.forward_t >= c.T) {
          this._end(direction);
          return;
        }
        this._timer = setTimeout(tick, 1000 / activity.rate);
      } catch (error) {
        if (this.activity !== activity) return;
        this.onError(error);
        this._end(direction);
      }
    };
    this._timer = setTimeout(tick, 0);
  }

  pause() {
    if (this.activity?.kind === "play") this._stop();
  }

  setRate(rate) {
    if (this.activity?.kind === "play") this.activity.rate = rate;
  }

  train(config) {
    this._stop();
    const activity = { kind: "train", config: { ...config }, left: config.updates ?? null, stopping: false };
    this.activity = activity;
    this._train(activity);
  }

  async _train(a) {
    try {
      while (!a.stopping && this.activity === a && (a.left === null || a.left > 0)) {
        const updates = a.left === null ? TRAIN_CHUNK : Math.min(a.left, this.maxUpdates);
        const reply = await rest.train(this.id, { ...a.config, updates });
        for (const m of reply.metrics) this.onFrame({ type: "metrics", ...m });
        if (a.left !== null) a.left -= reply.metrics.length;
        if (this.activity !== a) return; // the session moved to the stream: it goes on there
        await this._fresh();
        if (reply.diverged) break;
      }
    } catch (error) {
      this.onError(error);
    }
    if (this.activity === a) this._end("train");
  }

  /** The shown step on the new parameters (the last step when none is shown), as the stream does. */
  async _fresh() {
    const shown = this.cursors && this.cursors.forward_t > 0 ? this.cursors.forward_t - 1 : this.T - 1;
    await this.seek(shown, "forward");
  }

  stopTraining() {
    if (this.activity?.kind === "train") this.activity.stopping = true;
  }

  async reset(reinit = false, seed = null) {
    this._stop();
    const info = await rest.reset(this.id, seed === null ? { reinit } : { reinit, seed });
    this.cursors = info.cursors;
    return info;
  }

  detach() {
    const a = this.activity;
    this._stop();
    return a;
  }

  resume(a) {
    if (a.kind === "play") this.play(a.rate, a.direction);
    else if (!a.stopping) this.train({ ...a.config, updates: a.left });
  }

  close() {
    this._stop();
  }

  _end(what) {
    this._stop();
    this.onFrame({ type: "done", what });
  }

  _stop() {
    clearTimeout(this._timer);
    this._timer = null;
    this.activity = null;
  }
}

/**
 * The session over its WebSocket stream: one ordered channel for stepping, play and training.
 * What the stream has no command for (several steps at once, BPTT steps, reset with new
 * weights) goes over `fallback`, a RestTransport of the same session.
 */
export class StreamTransport {
  constructor(info, { onFrame, onLink, fallback }) {
    this.onFrame = onFrame;
    this.fallback = fallback;
    this.activity = null;
    this.awaiting = 0; // stateful commands whose "state" answer is still to come
    this._greeting = false;
    this.stream = new Stream(info.id, {
      onStatus: (kind, detail) => {
        if (kind === "open") {
          this._greeting = true;
          this.awaiting = 0;
        }
        onLink(kind, detail);
      },
    });
    this.stream.on("*", (frame) => this._receive(frame));
  }

  get open() {
    return this.stream.open;
  }

  _send(cmd) {
    if (STATEFUL.has(cmd.cmd)) this.awaiting += 1;
    return Promise.resolve(this.stream.send(cmd));
  }

  forward(n = 1, toEnd = false) {
    return n === 1 && !toEnd ? this._send({ cmd: "step_forward" }) : this.fallback.forward(n, toEnd);
  }

  back(n = 1) {
    return n === 1 ? this._send({ cmd: "step_back" }) : this.fallback.back(n);
  }

  backward(n = 1, toEnd = false) {
    return this.fallback.backward(n, toEnd);
  }

  seek(t, direction = "forward") {
    return this._send({ cmd: "seek", t, direction });
  }

  play(rate, direction = "forward") {
    this.activity = { kind: "play", rate, direction };
    this._send(direction === "backward" ? { cmd: "run_backward", rate } : { cmd: "play", rate, direction });
  }

  pause() {
    this.activity = null;
    this._send({ cmd: "pause" });
  }

  setRate(rate) {
    if (this.activity?.kind === "play") this.activity.rate = rate;
    this._send({ cmd: "speed", rate });
  }

  train(config) {
    this.activity = { kind: "train", config: { ...config }, left: config.updates ?? null, stopping: false };
    this._send({ cmd: "train", frame_every: TRAIN_CHUNK, ...config });
  }

  stopTraining() {
    if (this.activity?.kind !== "train") return;
    this.activity.stopping = true;
    this._send({ cmd: "stop" });
  }

  async reset(reinit = false, seed = null) {
    if (this.activity) this.pause();
    return this.fallback.reset(reinit, seed);
  }

  detach() {
    const a = this.activity;
    this.activity = null;
    return a;
  }

  resume(a) {
    if (a.kind === "play") this.play(a.rate, a.direction);
    else if (!a.stopping) this.train({ ...a.config, updates: a.left });
  }

  close() {
    this.activity = null;
    this.stream.close();
  }

  /** Step frames pass through; "state" answers end what the page asked to stop (or the server refused). */
  _receive(frame) {
    if (!frame || typeof frame !== "object") return;
    if (frame.type === "state") {
      if (this._greeting) {
        this._greeting = false; // where the session stands on connecting: not an answer
        return;
      }
      if (this.awaiting > 0) this.awaiting -= 1;
      const a = this.activity;
      if (this.awaiting > 0 || !a) return; // an answer to an older command: newer ones are on the way
      if (a.kind === "train" && frame.mode !== "train") this._end("train");
      else if (a.kind === "play" && !frame.playing) this._end(a.direction);
      return;
    }
    if (frame.type === "error" && this.awaiting > 0) this.awaiting -= 1;
    if (frame.type === "metrics" && this.activity?.kind === "train" && this.activity.left !== null) {
      this.activity.left -= 1;
    }
    if (frame.type === "done") {
      if (!this.activity) return; // paused or stopped by the page already
      this.activity = null;
    }
    this.onFrame(frame);
  }

  _end(what) {
    this.activity = null;
    this.onFrame({ type: "done", what });
  }
}
