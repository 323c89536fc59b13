// The variants experiment, run on the server and watched here: a progress bar, a box plot of
// each variant's held-out loss (every run a point), the result in one sentence, and what Greff
// et al. found beside it. The result is shown as it comes out, whether or not it agrees.

import { rest } from "../api.js";
import { h, field } from "../views/dom.js";
import { FONT, PLOT_CONFIG, plotly } from "../views/plot_util.js";

const POLL_MS = 400;
const FINISHED = new Set(["complete", "stopped", "cancelled", "abandoned", "failed"]);
const VANILLA = "#0072B2";
const OTHER = "#5b6475";
// Task set-ups that learn within the default budget (measured, docs/EXPERIMENT.md).
const SETUPS = {
  sine: { task_options: { length: 20 }, learning_rate: 0.01, label: "sine (next value, T = 20)" },
  adding: { task_options: { length: 10 }, learning_rate: 0.01, label: "adding (T = 10)" },
  copy: { task_options: { delay: 10 }, learning_rate: 0.005, label: "copy (delay 10)" },
};

/**
 * A padded log-axis range and ticks at 1, 2 and 5 × 10^k inside it (Plotly's own minor labels
 * read "9 8 7", and it may leave the lowest box without a label).
 */
function logAxis(values) {
  const lo = Math.min(...values) / 1.3;
  const hi = Math.max(...values) * 1.3;
  const ticks = [];
  for (let k = Math.floor(Math.log10(lo)); k <= Math.ceil(Math.log10(hi)); k += 1) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** k;
      if (v >= lo && v <= hi) ticks.push(v);
    }
  }
  return { range: [Math.log10(lo), Math.log10(hi)], tickvals: ticks,
    ticktext: ticks.map((v) => String(Number(v.toPrecision(1)))) };
}

const fmt = (x) => (x === null || x === undefined ? "n/a" : Number(x).toPrecision(3));
const median = (xs) => {
  const s = xs.filter((x) => x !== null).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export class ExperimentView {
  /** el: the (empty) container; api: the functions that talk to the server (api.js). */
  constructor(el, { api = rest } = {}) {
    this.el = el;
    this.api = api;
    this.id = null;
    this.snapshot = null;
    this.defaults = null;
    this._timer = null;
    this._plotted = false;
    this._build();
  }

  /** Show or hide; the first showing fetches the defaults (and Greff's finding). */
  show(on) {
    this.el.hidden = !on;
    if (!on) return;
    if (!this.defaults) this._loadDefaults();
    if (this._plotted) plotly().Plots.resize(this.plot);
  }

  /** The request the form describes. */
  request() {
    const task = this.taskSelect.value;
    const setup = SETUPS[task];
    const body = { task, task_options: setup.task_options, learning_rate: setup.learning_rate,
      seeds: Array.from({ length: Number(this.seedsInput.value) }, (_, k) => k),
      updates: Number(this.updatesInput.value) };
    if (this.defaults) {
      body.hidden_size = this.defaults.defaults.hidden_size;
      body.variants = this.defaults.defaults.variants;
    }
    return body;
  }

  async start() {
    this._stopPolling();
    this._message(null);
    this.runButton.disabled = true;
    try {
      const created = await this.api.startExperiment(this.request());
      this.id = created.id;
      this.snapshot = null;
      this._poll();
    } catch (error) {
      this.runButton.disabled = false;
      this._message(error.status === 429
        ? "The server is running as many experiments as it allows; try again in a moment."
        : `Could not start: ${error.message}`);
    }
  }

  /** DELETE: the server stops and forgets it, answering with the runs that had finished. */
  async cancel() {
    const id = this.id;
    if (!id) return;
    this._stopPolling();
    this.id = null;
    this.cancelButton.disabled = true;
    try {
      this.update(await this.api.cancelExperiment(id));
    } catch (error) {
      this._message(`Could not cancel: ${error.message}`);
      this.runButton.disabled = false;
    }
  }

  async _poll() {
    const id = this.id;
    try {
      const snap = await this.api.experiment(id);
      if (id !== this.id) return; // cancelled (or restarted) while this answer was on its way
      this.update(snap);
      if (!FINISHED.has(snap.status)) this._timer = setTimeout(() => this._poll(), POLL_MS);
    } catch (error) {
      if (id !== this.id) return;
      this._message(`Lost the experiment: ${error.message}`);
      this.runButton.disabled = false;
    }
  }

  _stopPolling() {
    clearTimeout(this._timer);
    this._timer = null;
  }

  async _loadDefaults() {
    try {
      this.defaults = await this.api.experimentDefaults();
      const d = this.defaults.defaults;
      this.seedsInput.value = String(d.seeds.length);
      this.updatesInput.value = String(d.updates);
      if (d.task in SETUPS) this.taskSelect.value = d.task;
      this.finding.textContent = this.defaults.finding;
      this._describe();
    } catch (error) {
      this._message(`Could not read the experiment's defaults: ${error.message}`);
    }
  }

  // ---------------------------------------------------------------- render
  /** Draw one snapshot of GET /experiments/{id}. */
  update(snap) {
    this.snapshot = snap;
    const running = !FINISHED.has(snap.status);
    this.el.dataset.status = snap.status;
    this.runButton.disabled = running;
    this.cancelButton.hidden = !running;
    this.cancelButton.disabled = false;
    this.progress.max = snap.total;
    this.progress.value = snap.done;
    const state = { running: "running", complete: "done", stopped: "time budget reached",
      cancelled: "cancelled", abandoned: "stopped: nobody was watching", failed: "failed" }[snap.status];
    this.progressText.textContent = `${snap.done} of ${snap.total} runs · `
      + `${snap.elapsed_seconds.toFixed(1)} s · ${state}`;
    this.finding.textContent = snap.finding;
    this.summary.textContent = snap.done ? snap.summary : "The first runs are training…";
    this.context.textContent = this._context(snap);
    if (snap.error) this._message(`The experiment failed: ${snap.error}`);
    this._describe(snap.config);
    if (snap.done) this._plot(snap);
  }

  /** Where the losses started and what diverged: the numbers that make the plot honest. */
  _context(snap) {
    if (!snap.runs.length) return "";
    const start = median(snap.runs.map((r) => r.initial_loss));
    const vanilla = snap.medians.vanilla;
    const diverged = snap.runs.filter((r) => r.final_loss === null);
    let text = `Before training, the median held-out loss was ${fmt(start)}`;
    text += vanilla !== undefined ? `; the vanilla LSTM ends at ${fmt(vanilla)}.` : ".";
    if (diverged.length) {
      text += ` ${diverged.length} run${diverged.length > 1 ? "s" : ""} diverged (`
        + `${diverged.map((r) => `${r.variant}, seed ${r.seed}`).join("; ")}) and `
        + "cannot be drawn.";
    }
    return text;
  }

  _plot(snap) {
    const traces = snap.config.variants.map((v) => {
      const runs = snap.runs.filter((r) => r.variant === v && r.final_loss !== null);
      const color = v === "vanilla" ? VANILLA : OTHER;
      return { type: "box", name: v, y: runs.map((r) => r.final_loss),
        text: runs.map((r) => `seed ${r.seed}`), boxpoints: "all", jitter: 0.35, pointpos: 0,
        marker: { color, size: 6, opacity: 0.85 }, line: { color, width: 1.5 },
        fillcolor: v === "vanilla" ? "rgba(0,114,178,0.12)" : "rgba(91,100,117,0.10)",
        hovertemplate: `${v}, %{text}: %{y:.3g}<extra></extra>` };
    });
    const values = traces.flatMap((t) => t.y).filter((y) => y > 0);
    const layout = {
      font: FONT, showlegend: false, height: 300, margin: { l: 64, r: 12, t: 8, b: 40 },
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#fff",
      yaxis: { type: "log", title: { text: "held-out loss after training" }, gridcolor: "#e4e7ee",
        zeroline: false, ...(values.length ? logAxis(values) : {}) },
      xaxis: { tickfont: { size: 12 }, fixedrange: true },
    };
    this.placeholder.hidden = true;
    plotly().react(this.plot, traces, layout, PLOT_CONFIG);
    this._plotted = true;
  }

  /** One line on what runs: the running experiment's config, else what the form would send. */
  _describe(config = null) {
    const c = config || (this.defaults ? this.request() : null);
    if (!c) return;
    const T = config ? ` · T = ${config.sequence_length}` : "";
    const n = c.variants.length;
    this.config.textContent = `${c.task}${T} · H = ${c.hidden_size} · ${n} variants × `
      + `${c.seeds.length} seeds = ${n * c.seeds.length} runs · ${c.updates} updates each `
      + `(Adam, learning rate ${c.learning_rate})`;
  }


  _message(text) {
    this.error.hidden = !text;
    this.error.textContent = text || "";
  }

  _build() {
    this.taskSelect = h("select", { name: "xp-task", onchange: () => this._describe() },
      Object.entries(SETUPS).map(([k, s]) => h("option", { value: k }, s.label)));
    this.seedsInput = h("input", { type: "number", name: "xp-seeds", min: 1, max: 10, value: 8,
      onchange: () => this._describe() });
    this.updatesInput = h("input", { type: "number", name: "xp-updates", min: 1, max: 1000,
      step: 10, value: 300, onchange: () => this._describe() });
    this.runButton = h("button", { type: "button", class: "primary xp-run",
      onclick: () => this.start() }, "Run the experiment");
    this.cancelButton = h("button", { type: "button", class: "xp-cancel", hidden: true,
      onclick: () => this.cancel() }, "Cancel");
    this.config = h("p", { class: "xp-config hint" });
    this.progress = h("progress", { class: "xp-bar", max: 1, value: 0 });
    this.progressText = h("span", { class: "xp-progress-text" }, "not started");
    this.plot = h("div", { class: "xp-plot", role: "img",
      "aria-label": "Box plot: held-out loss of each variant, one point per seed" });
    this.placeholder = h("p", { class: "xp-placeholder" },
      "Press “Run the experiment”: the server trains every variant from every seed (about "
      + "half a minute with the default set-up), and this plot shows where each run ended.");
    this.summary = h("p", { class: "xp-summary" }, "No result yet.");
    this.context = h("p", { class: "xp-context hint" });
    this.finding = h("p", { class: "xp-finding-text" });
    this.error = h("p", { class: "xp-error", hidden: true, role: "alert" });
    this.el.replaceChildren(
      h("div", { class: "xp-head" }, h("h2", {}, "The variants experiment"), this.config),
      h("div", { class: "xp-controls" }, this.runButton, this.cancelButton,
        h("details", { class: "xp-setup" }, h("summary", {}, "Set-up"),
          h("div", { class: "xp-fields" }, field("Task", this.taskSelect),
            field("Seeds", this.seedsInput), field("Updates per run", this.updatesInput)))),
      h("div", { class: "xp-progress" }, this.progress, this.progressText),
      this.error,
      h("div", { class: "xp-grid" },
        h("div", { class: "xp-plot-wrap" }, this.placeholder, this.plot),
        h("div", { class: "xp-side" },
          h("h3", {}, "This run"), this.summary, this.context,
          h("h3", {}, "What Greff et al. found"), this.finding,
          h("p", { class: "hint" }, "Their networks learned large speech, handwriting and "
            + "music data sets; ours learn one small task for seconds. Whether the two agree or "
            + "not, this run is shown as measured."))));
  }
}
