// Training for the controller: over the stream the server trains and reports each update
// ("metrics") with a fresh frame now and then, until "done"; without the stream the page trains
// in short REST calls and re-steps to t on the new weights after each.

const TRAIN_CHUNK = 5; // updates per REST call while training continuously
const MAX_CHUNK = 200;

export class TrainingControl {
  constructor(controller) {
    this.c = controller;
  }

  config(updates) {
    const { optimizer, lr, clip, trunc } = this.c.state.all();
    return { updates, optimizer, learning_rate: lr, clip: clip > 0 ? "norm" : null,
      clip_threshold: clip > 0 ? clip : 5, truncate: trunc || null };
  }

  /** Train n updates, or continuously with n = null (until toggle() stops it). */
  async train(n = null) {
    const c = this.c;
    if (c.training || !c.primary) return;
    c.pause();
    if (c.state.get("mode") === "backward") c.state.set({ mode: "forward" });
    c.training = true;
    c.message = null;
    c._changed();
    if (c.models.every((m) => m.streaming)) {
      for (const m of c.models) m.train(this.config(n));
      return;
    }
    let left = n;
    try {
      while (c.training && (left === null || left > 0)) {
        const chunk = left === null ? TRAIN_CHUNK : Math.min(left, MAX_CHUNK);
        const replies = await Promise.all(c.models.map((m) => m.train(this.config(chunk))));
        if (left !== null) left -= chunk;
        await this.restep();
        if (replies[0] && replies[0].diverged) break;
      }
    } catch (error) {
      c.fail(error);
    } finally {
      c.training = false;
      c._changed();
    }
  }

  toggle() {
    const c = this.c;
    if (!c.training) {
      this.train(null);
      return;
    }
    // Over the stream the server's answer ends it; the REST loop sees the flag.
    for (const m of c.models) m.stopTraining();
    if (!c.models.every((m) => m.streaming)) c.training = false;
    c._changed();
  }

  /** New parameters: the old trace is stale, so re-step to t on the trained weights. */
  async restep() {
    const t = this.c.state.get("t");
    await this.c.each(async (m) => {
      m.store.clearSteps();
      await m.refreshParams();
      await m.seek(0, "forward");
      if (t > 0) await m.forwardSteps(t);
    });
    this.c._changed();
  }
}
