// What the page does when the user asks for something: one method per action, applied to the
// model (and to the second model in compare mode, so both step together). It owns the state
// and the model sessions; views only ever see the result, through main.js's render loop.

import { ApiError } from "./api.js";
import { PROPS } from "./state.js";
import { ModelSession, sessionBody } from "./model_session.js";
import { TrainingControl } from "./training_control.js";

const HASH_EVERY_MS = 400; // the address bar follows the state, but not 60 times a second

export class Controller {
  /** state: State; onChange(): schedule a render. */
  constructor(state, { onChange }) {
    this.state = state;
    this.onChange = onChange;
    this.models = [];
    this.playing = false;
    this.training = false;
    this.message = null;
    this.link = "rest";
    this.busy = false;
    this.framesReceived = 0;
    this._lastBackwardT = null;
    this._hashTimer = null;
    this._openSeq = 0;
    this.useStream = true; // false: REST only (tests compare both paths)
    this.pendingT = null;
    this._pendingTimer = null;
    this.trainer = new TrainingControl(this);
  }

  get primary() {
    return this.models[0] || null;
  }

  get T() {
    return this.primary && this.primary.info ? this.primary.info.T : 0;
  }

  _changed() {
    this.onChange();
    this._scheduleHash();
  }

  _scheduleHash() {
    if (this._hashTimer) return;
    this._hashTimer = setTimeout(() => {
      this._hashTimer = null;
      const hash = this.state.toHash();
      if (location.hash !== hash) history.replaceState(null, "", hash || location.pathname);
    }, this.playing || this.training ? HASH_EVERY_MS : 0);
  }

  fail(error) {
    if (error instanceof ApiError && error.status === 404 && this.primary) {
      this.message = { kind: "error", text: "The session expired on the server.", retry: true };
    } else {
      this.message = { kind: "error", text: error instanceof Error ? error.message : String(error) };
    }
    console.warn("LSTM Explorer:", error);
    this._changed();
  }

  /** Run an action; errors become the banner instead of an uncaught rejection. */
  async run(fn) {
    try {
      await fn();
    } catch (error) {
      this.fail(error);
    }
    this._changed();
  }

  // ------------------------------------------------------------------ sessions
  /** (Re)create the model(s) for the state and restore the cursor: opening a link re-steps to t. */
  async open() {
    const seq = ++this._openSeq;
    this.pause();
    this.training = false;
    this.busy = true;
    this.message = null;
    this._changed();
    for (const m of this.models) m.close();
    const s = this.state.all();
    const specs = [{ label: "A", body: sessionBody(s) }];
    if (s.compare) specs.push({ label: "B", body: sessionBody(s, { cell: s.cmpCell, variant: s.cmpVariant }) });
    const models = specs.map(({ label }) => new ModelSession(label, {
      onFrame: (frame, m) => this._onFrame(frame, m),
      onStatus: (kind, info) => this._onLink(kind, info),
      useStream: this.useStream,
    }));
    this.models = models;
    try {
      await Promise.all(models.map((m, k) => m.open(specs[k].body)));
      if (seq !== this._openSeq) return;
      const T = this.T;
      const H = this.primary.info.sizes.hidden_size;
      this.state.set({ t: Math.min(s.t, T - 1), unit: Math.min(s.unit, H - 1) });
      await this._restore();
    } catch (error) {
      if (seq === this._openSeq) this.fail(error);
    } finally {
      if (seq === this._openSeq) this.busy = false;
      this._changed();
    }
  }

  /** Step every model forward to the state's t (and BPTT down to it in backward mode). */
  async _restore() {
    const { t, mode } = this.state.all();
    const T = this.T;
    if (mode === "backward") {
      await this.each((m) => m.forwardSteps(T, true));
      await this.each((m) => m.bpttStep(T - t));
    } else {
      await this.each((m) => m.forwardSteps(t + 1));
    }
  }

  each(fn) {
    return Promise.all(this.models.map(fn));
  }

  _onFrame(frame, m) {
    this.framesReceived += 1;
    if (m === this.primary) {
      const mode = this.state.get("mode");
      if ((frame.type === "forward" && mode === "forward") || (frame.type === "backward" && mode === "backward")) {
        this.state.set({ t: frame.t });
        if (frame.t === this.pendingT) this.pendingT = null;
      }
      if (frame.nonfinite && !(this.message && this.message.kind === "diverged")) {
        this.message = { kind: "nonfinite", text: "Some numbers overflowed (shown as n/a): the weights have diverged." };
      }
      if (frame.type === "metrics" && frame.diverged) {
        this.message = { kind: "diverged", text: `Training diverged at update ${frame.update}: the loss is no longer a finite number.` };
      }
      if (frame.type === "done") this._onDone(frame);
      if (frame.type === "state") this._onState(frame);
      if (frame.type === "error") this.message = { kind: "error", text: frame.detail };
    }
    this.onChange();
    this._scheduleHash();
  }

  /** The stream finished what it was doing: playing reached an end, or training stopped. */
  _onDone(frame) {
    if (frame.what === "train") {
      this.training = false;
      this.each((m) => m.settleTraining()).catch((error) => this.fail(error)).then(() => this._changed());
    } else {
      this.playing = false;
    }
  }

  /** The stream's account of what it is doing (sent after every command that changes it). */
  _onState(frame) {
    if (!this.primary.settled) return; // an answer to an older command: newer ones are on the way
    if (this.training && frame.mode !== "train" && this.models.every((m) => m.streaming)) {
      this._onDone({ what: "train" });
    }
    if (this.playing && !frame.playing) this.playing = false;
  }

  _onLink(kind) {
    this.link = kind;
    this.onChange();
  }

  // ------------------------------------------------------------------ stepping
  /**
   * The step the page is heading to: commands over the stream are answered later, so a second
   * key press must count from the first one's target, not from the frame still on screen.
   */
  _base() {
    return this.pendingT ?? this.state.get("t");
  }

  _aim(t) {
    this.pendingT = t;
    clearTimeout(this._pendingTimer);
    // Forget the aim if no frame for it comes (an error, a dropped connection).
    this._pendingTimer = setTimeout(() => { this.pendingT = null; }, 2000);
  }

  async stepForward() {
    this.pause();
    const t = this._base();
    if (t >= this.T - 1) return;
    this._aim(t + 1);
    if (this.state.get("mode") === "backward") {
      await this.run(() => this.each((m) => m.seek(t + 1, "backward")));
    } else {
      await this.run(() => this.each((m) => m.stepForward()));
    }
  }

  async stepBack() {
    this.pause();
    if (this.state.get("mode") === "backward") return this.bpttStep();
    const t = this._base();
    if (t <= 0) return;
    this._aim(t - 1);
    await this.run(() => this.each((m) => m.stepBack()));
  }

  /** One BPTT step: from the end the first time (switching to the backward view). */
  async bpttStep() {
    this.pause();
    if (this.state.get("mode") !== "backward") return this.setMode("backward");
    const t = this._base();
    if (t <= 0) return;
    this._aim(t - 1);
    await this.run(() => this.each((m) => (m.store.bwd[t - 1] ? m.seek(t - 1, "backward")
      : m.bpttStep(1, false, t))));
  }

  async bpttRun() {
    if (this.state.get("mode") !== "backward") await this.setMode("backward");
    this.play();
  }

  async seek(t) {
    const T = this.T;
    t = Math.max(0, Math.min(T - 1, t));
    const { mode, t: now } = this.state.all();
    if (t === now) return;
    this.pause();
    this._aim(t);
    await this.run(() => this.each(async (m) => {
      const s = m.store;
      if (mode === "backward") {
        if (s.bwd[t]) return m.seek(t, "backward");
        const lowest = s.bwd.findIndex((f) => f);
        return m.bpttStep((lowest < 0 ? T : lowest) - t);
      }
      if (s.fwd[t] && !s.fwd[t].synthetic) return m.seek(t, "forward");
      return t > now ? m.forwardSteps(t - now) : m.seek(t, "forward");
    }));
  }

  async seekEnd() {
    return this.seek(this.state.get("mode") === "backward" ? 0 : this.T - 1);
  }

  togglePlay() {
    if (this.playing) this.pause();
    else this.play();
    this._changed();
  }

  play() {
    if (this.training || !this.primary) return;
    const { mode, t, speed } = this.state.all();
    const atEnd = mode === "backward" ? t === 0 && this.primary.store.bwd[0] : t >= this.T - 1;
    this.playing = true;
    const start = atEnd ? this.run(() => this.each((m) => (mode === "backward"
      ? m.reset().then(() => m.forwardSteps(this.T, true)) : m.seek(0, "forward")))) : Promise.resolve();
    start.then(() => {
      if (!this.playing) return;
      const done = (error) => {
        this.playing = false;
        if (error) this.fail(error);
        this._changed();
      };
      this.models.forEach((m, k) => m.play(speed, mode, k === 0 ? done : () => {}));
    });
    this._changed();
  }

  pause() {
    if (!this.playing) return;
    this.playing = false;
    for (const m of this.models) m.pause();
    this._changed();
  }

  async setMode(mode) {
    const { mode: now, t } = this.state.all();
    if (mode === now || !this.primary) return;
    this.pause();
    await this.run(async () => {
      if (mode === "backward") {
        this.state.set({ mode });
        const store = this.primary.store;
        if (store.bwd.some((f) => f)) {
          const back = this._lastBackwardT ?? store.bwd.findIndex((f) => f);
          await this.each((m) => m.seek(back, "backward"));
        } else {
          if (store.forwardReach() < this.T) await this.each((m) => m.forwardSteps(this.T, true));
          await this.each((m) => m.bpttStep(1));
        }
      } else {
        this._lastBackwardT = t;
        this.state.set({ mode });
        await this.each((m) => m.seek(t, "forward"));
      }
    });
  }

  toggleMode() {
    return this.setMode(this.state.get("mode") === "backward" ? "forward" : "backward");
  }

  // ------------------------------------------------------------------ settings
  /** Apply control:set changes: model changes reopen the sessions, others are local or PATCH. */
  async set(changes) {
    let changed;
    try {
      changed = this.state.set(changes);
    } catch (error) {
      this.fail(error);
      return;
    }
    if (!changed.length) return;
    if (changed.some((n) => PROPS[n].model)) {
      if (changed.includes("task") || changed.includes("cell")) this.state.set({ t: 0, mode: "forward" });
      return this.open();
    }
    if (changed.includes("trunc") || changed.includes("clip")) {
      const { trunc, clip, mode } = this.state.all();
      await this.run(async () => {
        await this.each((m) => m.update({ truncate: trunc || null, clip: clip > 0 ? "norm" : null,
          ...(clip > 0 ? { clip_threshold: clip } : {}) }));
        if (changed.includes("trunc") && mode === "backward") {
          this._lastBackwardT = null;
          await this.each((m) => m.bpttStep(1));
        }
      });
    }
    if (changed.includes("speed") && this.playing) {
      for (const m of this.models) m.setRate(this.state.get("speed"));
    }
    this._changed();
  }

  // ------------------------------------------------------------------ training
  train(n = null) {
    return this.trainer.train(n);
  }

  toggleTraining() {
    this.trainer.toggle();
  }

  async reset({ reinit = false } = {}) {
    this.pause();
    this.training = false;
    this.message = null;
    await this.run(async () => {
      this.state.set({ t: 0, mode: "forward" });
      await this.each(async (m) => {
        await m.reset(reinit);
        await m.forwardSteps(1);
      });
    });
  }

  /** A session made from an upload replaces model A; the view starts again at t = 0. */
  async adopt(info) {
    this.pause();
    this.training = false;
    await this.run(async () => {
      await this.primary.adopt(info);
      this.state.set({ t: 0, mode: "forward", cell: info.cell, hidden: info.sizes.hidden_size,
        ...(info.cell === "lstm" ? { variant: info.variant } : {}) });
      await this.primary.forwardSteps(1);
      this.message = { kind: "warning", text: `Loaded ${info.source === "upload" ? "your file" : "the sequence"}: `
        + "the link in the address bar describes the settings, not the uploaded data." };
    });
  }

  dismiss() {
    this.message = null;
    this._changed();
  }
}
