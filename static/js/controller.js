// What the page does when the user asks for something: one method per action, applied to the
// model (and to the second model in compare mode, so both step together). It owns the state
// (the only code that writes it), the model sessions and the variants experiment; views only
// ever see the result, through main.js's render loop, and ask for things through events.

import { ApiError } from "./api.js";
import { PROPS, State } from "./state.js";
import { ModelSession, sessionBody } from "./model_session.js";
import { TrainingControl } from "./training_control.js";
import { ExperimentRun } from "./experiments.js";
import { SequenceData } from "./sequence_data.js";
import { SequenceControl } from "./sequence_control.js";
import { StepControl } from "./step_control.js";

const HASH_EVERY_MS = 400; // the address bar follows the state, but not 60 times a second

export class Controller {
  /** state: State; onChange(): schedule a render. */
  constructor(state, { onChange }) {
    this.state = state;
    this.onChange = onChange;
    this.models = [];
    this.presets = null;
    this.playing = false;
    this.training = false;
    this.message = null;
    this.link = "rest";
    this.busy = false;
    this._hashTimer = null;
    this._openSeq = 0;
    this.stepper = new StepControl(this); // stepping, seeking, playing, the pass shown
    this.trainer = new TrainingControl(this);
    this.experiment = new ExperimentRun({ onChange: () => this.onChange() });
    // The sequence panel's data: sequences, connectivity, unit rankings (sequence_data.js).
    this.sequence = new SequenceData({ onChange: () => this.onChange(), onError: (e) => this.fail(e) });
    this.sequencePanel = new SequenceControl(this); // the panel's requests (sequence_control.js)
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

  /** GET /presets arrived: its limits bound the state from now on; values beyond them are dropped. */
  setPresets(presets) {
    this.presets = presets;
    const reset = this.state.setLimits(presets.limits);
    if (reset.length) {
      const text = `Over the server's limits, ignored: ${reset.join(", ")}`;
      const before = this.message && this.message.kind === "warning" ? `${this.message.text}. ` : "";
      this.message = { kind: "warning", text: before + text };
    }
    this._changed();
  }

  /** Set state before the first session opens (a link to a tour chapter). */
  prepare(values) {
    this.state.set(values);
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
      onLink: (kind, detail) => this._onLink(kind, detail),
      onError: (error) => this.fail(error),
      onChange: () => this.onChange(),
      limits: this.presets ? this.presets.limits : {},
    }));
    this.models = models;
    try {
      await Promise.all(models.map((m, k) => m.open(specs[k].body)));
      if (seq !== this._openSeq) return;
      const { sizes, num_layers: L = 1 } = this.primary.info;
      this.state.set({ t: Math.min(s.t, this.T - 1), unit: Math.min(s.unit, sizes.hidden_size - 1),
        layer: Math.min(s.layer, L - 1) });
      await this.each((m) => m.showLayer(this.state.get("layer"))); // before any step: no refill
      await this.stepper.restore();
    } catch (error) {
      if (seq === this._openSeq) this.fail(error);
    } finally {
      if (seq === this._openSeq) this.busy = false;
      this._changed();
    }
  }

  each(fn) {
    return Promise.all(this.models.map(fn));
  }

  _onFrame(frame, m) {
    if (m === this.primary) {
      const mode = this.state.get("mode");
      if ((frame.type === "forward" && mode === "forward") || (frame.type === "backward" && mode === "backward")) {
        this.state.set({ t: frame.t });
        this.stepper.arrived(frame.t);
      }
      if (frame.nonfinite && !(this.message && this.message.kind === "diverged")) {
        this.message = { kind: "nonfinite", text: "Some numbers overflowed (shown as n/a): the weights have diverged." };
      }
      if (frame.type === "metrics" && frame.diverged) {
        this.message = { kind: "diverged", text: `Training diverged at update ${frame.update}: the loss is no longer a finite number.` };
      }
      if (frame.type === "done") {
        if (frame.what === "train") this.training = false;
        else this.playing = false;
      }
      if (frame.type === "error") this.message = { kind: "error", text: frame.detail };
    }
    this.onChange();
    this._scheduleHash();
  }

  _onLink(kind, detail) {
    // Back after a drop (a worker died, a restart): say where the page picked up, for a while.
    const resumed = kind === "open" && detail?.reconnected;
    this.link = resumed ? `reconnected, resumed at t = ${this.state.get("t")}` : kind;
    clearTimeout(this._linkTimer);
    if (resumed) this._linkTimer = setTimeout(() => { this.link = "open"; this.onChange(); }, 8000);
    this.onChange();
  }

  // ------------------------------------------------------------------ stepping (step_control.js)
  stepForward() {
    return this.stepper.stepForward();
  }

  stepBack() {
    return this.stepper.stepBack();
  }

  bpttStep() {
    return this.stepper.bpttStep();
  }

  bpttRun() {
    return this.stepper.bpttRun();
  }

  seek(t) {
    return this.stepper.seek(t);
  }

  seekEnd() {
    return this.stepper.seekEnd();
  }

  togglePlay() {
    this.stepper.togglePlay();
  }

  play() {
    this.stepper.play();
  }

  pause() {
    this.stepper.pause();
  }

  setMode(mode) {
    return this.stepper.setMode(mode);
  }

  toggleMode() {
    return this.stepper.toggleMode();
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
    if (changed.includes("truncate") || changed.includes("clip_threshold")) {
      const { truncate, clip_threshold: clip, mode } = this.state.all();
      await this.run(async () => {
        await this.each((m) => m.update({ truncate: truncate || null, clip: clip > 0 ? "norm" : null,
          ...(clip > 0 ? { clip_threshold: clip } : {}) }));
        if (changed.includes("truncate") && mode === "backward") {
          this.stepper.lastBackwardT = null;
          await this.each((m) => m.bpttSteps(1));
        }
      });
    }
    if (changed.includes("layer")) {
      this.pause();
      await this.run(() => this.each((m) => m.showLayer(this.state.get("layer"))));
    }
    if (changed.includes("speed") && this.playing) {
      for (const m of this.models) m.setRate(this.state.get("speed"));
    }
    this._changed();
  }

  /**
   * Show a whole view (an edited address, a tour chapter): new sessions, at its t and mode,
   * when the model differs; otherwise the settings, then the mode, then the step.
   */
  async show(values) {
    let next;
    try {
      next = new State({ ...this.state.all(), ...values }, this.state.limits);
    } catch (error) {
      this.fail(error);
      return;
    }
    if (!this.primary || next.modelKey() !== this.state.modelKey()) {
      this.state.set(values);
      await this.open();
      return;
    }
    const { t, mode, ...rest } = values;
    await this.set(rest);
    if (mode !== undefined) await this.setMode(mode);
    if (t !== undefined) await this.seek(t);
  }

  // ------------------------------------------------------------------ training
  train(n = null) {
    return this.trainer.train(n);
  }

  toggleTraining() {
    return this.trainer.toggle();
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
      this.state.set({ t: 0, mode: "forward", cell: info.cell, hidden_size: info.sizes.hidden_size,
        num_layers: info.num_layers || 1, layer: 0, ...(info.cell === "lstm" ? { variant: info.variant } : {}) });
      await this.primary.showLayer(0);
      await this.primary.forwardSteps(1);
      this.message = { kind: "warning", text: `Loaded ${info.source === "upload" ? "your file" : "the sequence"}: `
        + "the link in the address bar describes the settings, not the uploaded data." };
    });
  }

  dismiss() {
    this.message = null;
    this._changed();
  }

  // ------------------------------------------------------------------ the sequence panel
  rankUnits(request) {
    return this.sequencePanel.rankUnits(request);
  }

  useText(text) {
    return this.sequencePanel.useText(text);
  }
}
