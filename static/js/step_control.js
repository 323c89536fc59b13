// Moving through the sequence for the controller: a step forward or back, a BPTT step, seek,
// play and pause, and the switch between the forward and the backward pass, applied to every
// model at once. Commands over the stream are answered later, so it keeps the step the page is
// heading to; the controller's `playing` flag follows play, pause and the "done" frame.

const AIM_FORGET_MS = 2000;

export class StepControl {
  constructor(controller) {
    this.c = controller;
    this.pendingT = null; // the step the page is heading to (null: the one on screen)
    this._pendingTimer = null;
    this.lastBackwardT = null; // where BPTT was shown when the page went back to forward
  }

  /** Step every model forward to the state's t (and BPTT down to it in backward mode). */
  async restore() {
    const c = this.c;
    const { t, mode } = c.state.all();
    const T = c.T;
    if (mode === "backward") {
      await c.each((m) => m.forwardSteps(T, true));
      await c.each((m) => m.bpttSteps(T - t));
    } else {
      await c.each((m) => m.forwardSteps(t + 1));
    }
  }

  /** The primary model showed step t: the step aimed at, if it was that one, is reached. */
  arrived(t) {
    if (t === this.pendingT) this.pendingT = null;
  }

  /**
   * The step the page is heading to: commands over the stream are answered later, so a second
   * key press must count from the first one's target, not from the frame still on screen.
   */
  _base() {
    return this.pendingT ?? this.c.state.get("t");
  }

  _aim(t) {
    this.pendingT = t;
    clearTimeout(this._pendingTimer);
    // Forget the aim if no frame for it comes (an error, a dropped connection).
    this._pendingTimer = setTimeout(() => { this.pendingT = null; }, AIM_FORGET_MS);
  }

  async stepForward() {
    const c = this.c;
    this.pause();
    const t = this._base();
    if (t >= c.T - 1) return;
    this._aim(t + 1);
    if (c.state.get("mode") === "backward") {
      await c.run(() => c.each((m) => m.seek(t + 1, "backward")));
    } else {
      await c.run(() => c.each((m) => m.stepForward()));
    }
  }

  async stepBack() {
    const c = this.c;
    this.pause();
    if (c.state.get("mode") === "backward") return this.bpttStep();
    const t = this._base();
    if (t <= 0) return;
    this._aim(t - 1);
    await c.run(() => c.each((m) => m.stepBack()));
  }

  /** One BPTT step: to t − 1, computing it if BPTT has not been there (the first one switches view). */
  async bpttStep() {
    const c = this.c;
    this.pause();
    if (c.state.get("mode") !== "backward") return this.setMode("backward");
    const t = this._base();
    if (t <= 0) return;
    this._aim(t - 1);
    await c.run(() => c.each((m) => m.seek(t - 1, "backward")));
  }

  async bpttRun() {
    if (this.c.state.get("mode") !== "backward") await this.setMode("backward");
    this.play();
  }

  async seek(t) {
    const c = this.c;
    const T = c.T;
    t = Math.max(0, Math.min(T - 1, t));
    const { mode, t: now } = c.state.all();
    if (t === now) return;
    this.pause();
    this._aim(t);
    await c.run(() => c.each(async (m) => {
      const s = m.store;
      if (mode === "backward") {
        if (s.bwd[t]) return m.seek(t, "backward");
        const lowest = s.bwd.findIndex((f) => f);
        return m.bpttSteps((lowest < 0 ? T : lowest) - t);
      }
      return s.fwd[t] || t < now ? m.seek(t, "forward") : m.forwardSteps(t - now);
    }));
  }

  async seekEnd() {
    return this.seek(this.c.state.get("mode") === "backward" ? 0 : this.c.T - 1);
  }

  togglePlay() {
    if (this.c.playing) this.pause();
    else this.play();
    this.c._changed();
  }

  play() {
    const c = this.c;
    if (c.training || !c.primary) return;
    const { mode, t, speed } = c.state.all();
    const atEnd = mode === "backward" ? t === 0 && c.primary.store.bwd[0] : t >= c.T - 1;
    c.playing = true;
    const start = atEnd ? c.run(() => c.each((m) => (mode === "backward"
      ? m.reset().then(() => m.forwardSteps(c.T, true)) : m.seek(0, "forward")))) : Promise.resolve();
    start.then(() => {
      if (c.playing) for (const m of c.models) m.play(speed, mode);
    });
    c._changed();
  }

  pause() {
    const c = this.c;
    if (!c.playing) return;
    c.playing = false;
    for (const m of c.models) m.pause();
    c._changed();
  }

  async setMode(mode) {
    const c = this.c;
    const { mode: now, t } = c.state.all();
    if (mode === now || !c.primary) return;
    this.pause();
    await c.run(async () => {
      if (mode === "backward") {
        c.state.set({ mode });
        const store = c.primary.store;
        if (store.bwd.some((f) => f)) {
          const back = this.lastBackwardT ?? store.bwd.findIndex((f) => f);
          await c.each((m) => m.seek(back, "backward"));
        } else {
          if (store.forwardReach() < c.T) await c.each((m) => m.forwardSteps(c.T, true));
          await c.each((m) => m.bpttSteps(1));
        }
      } else {
        this.lastBackwardT = t;
        c.state.set({ mode });
        await c.each((m) => m.seek(t, "forward"));
      }
    });
  }

  toggleMode() {
    return this.setMode(this.c.state.get("mode") === "backward" ? "forward" : "backward");
  }
}
