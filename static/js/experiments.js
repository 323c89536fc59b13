// The variants experiment as the controller runs it: read the defaults (and Greff et al.'s
// finding), start a run on the server, poll its progress until it finishes, cancel it. The
// experiment card (tour/experiment_view.js) draws `view()` and asks for these through events.

import { rest } from "./api.js";

const POLL_MS = 400;
export const FINISHED = new Set(["complete", "stopped", "cancelled", "abandoned", "failed"]);

export class ExperimentRun {
  /** onChange(): something the card shows changed. */
  constructor({ onChange }) {
    this.onChange = onChange;
    this.defaults = null; // GET /experiments/defaults: defaults, limits, finding
    this.snapshot = null; // the latest GET /experiments/{id}
    this.message = null; // what went wrong, in a sentence
    this.starting = false;
    this.id = null;
    this._timer = null;
    this._loading = null;
  }

  /** What the card draws: {defaults, snapshot, message, running}. */
  view() {
    const running = this.starting
      || Boolean(this.id && this.snapshot && !FINISHED.has(this.snapshot.status));
    return { defaults: this.defaults, snapshot: this.snapshot, message: this.message, running };
  }

  /** The defaults, once (the card asks when it is first shown). */
  loadDefaults() {
    if (this.defaults || this._loading) return this._loading;
    this._loading = rest.experimentDefaults().then((defaults) => {
      this.defaults = defaults;
    }, (error) => {
      this.message = `Could not read the experiment's defaults: ${error.message}`;
    }).finally(() => {
      this._loading = null;
      this.onChange();
    });
    return this._loading;
  }

  /** POST /experiments with `body`, then poll it. */
  async start(body) {
    this._stopPolling();
    this.message = null;
    this.starting = true;
    this.onChange();
    try {
      const created = await rest.startExperiment(body);
      this.id = created.id;
      this.snapshot = null;
      await this._poll();
    } catch (error) {
      this.message = error.status === 429
        ? "The server is running as many experiments as it allows; try again in a moment."
        : `Could not start: ${error.message}`;
    } finally {
      this.starting = false;
      this.onChange();
    }
  }

  /** DELETE: the server stops and forgets it, answering with the runs that had finished. */
  async cancel() {
    const id = this.id;
    if (!id) return;
    this._stopPolling();
    this.id = null;
    try {
      this.snapshot = await rest.cancelExperiment(id);
    } catch (error) {
      this.message = `Could not cancel: ${error.message}`;
    }
    this.onChange();
  }

  async _poll() {
    const id = this.id;
    try {
      const snap = await rest.experiment(id);
      if (id !== this.id) return; // cancelled (or restarted) while this answer was on its way
      this.snapshot = snap;
      if (snap.error) this.message = `The experiment failed: ${snap.error}`;
      if (!FINISHED.has(snap.status)) this._timer = setTimeout(() => this._poll(), POLL_MS);
    } catch (error) {
      if (id !== this.id) return;
      this.message = `Lost the experiment: ${error.message}`;
      this.id = null;
    }
    this.onChange();
  }

  _stopPolling() {
    clearTimeout(this._timer);
    this._timer = null;
  }
}
