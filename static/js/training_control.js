// Training for the controller: the transport trains (the stream by itself, REST in short calls)
// and reports each update as a "metrics" frame, with a fresh frame of the shown step now and then
// and a "done" frame when training stops; the controller's `training` flag follows those.

export class TrainingControl {
  constructor(controller) {
    this.c = controller;
  }

  /** The TrainRequest / train command for the page's settings. */
  config(updates) {
    const { optimizer, learning_rate, clip_threshold, truncate } = this.c.state.all();
    return { updates, optimizer, learning_rate, clip: clip_threshold > 0 ? "norm" : null,
      clip_threshold: clip_threshold > 0 ? clip_threshold : 5, truncate: truncate || null };
  }

  /** Train n updates, or continuously with n = null (until toggle() stops it). */
  async train(n = null) {
    const c = this.c;
    if (c.training || !c.primary) return;
    c.pause();
    // Training shows the forward pass: the step on screen is recomputed on the new weights.
    if (c.state.get("mode") === "backward") await c.setMode("forward");
    c.training = true;
    c.message = null;
    for (const m of c.models) m.train(this.config(n));
    c._changed();
  }

  /** Start training until stopped, or stop it (the "done" frame that follows ends it). */
  toggle() {
    const c = this.c;
    if (!c.training) return this.train(null);
    for (const m of c.models) m.stopTraining();
    c._changed();
    return Promise.resolve();
  }
}
