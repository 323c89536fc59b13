// The variants experiment card: a progress bar, a box plot of each variant's held-out loss
// (every run a point), the result in one sentence, and what Greff et al. found beside it. The
// result is shown as it comes out, whether or not it agrees. The controller runs and polls the
// experiment (experiments.js); this card draws what it is given and emits what the user asks:
// "experiment:open" (first shown), "experiment:start" {body}, "experiment:cancel".

import { FINISHED } from "../experiments.js";
import { fmtNum } from "../format.js";
import { h, field } from "../views/dom.js";
import { ChartGate, FONT, PLOT_CONFIG, plotly } from "../views/plot_util.js";

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
    ticktext: ticks.map((v) => fmtNum(v, { digits: 1 })) };
}

const median = (xs) => {
  const s = xs.filter((x) => x !== null).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export class ExperimentView {
  /** el: the (empty) container; emit(name, detail) sends an event on the bus. */
  constructor(el, { emit }) {
    this.el = el;
    this.emit = emit;
    this.defaults = null;
    this.snapshot = null;
    this._opened = false;
    this._plotted = false;
    this._build();
  }

  /** Show or hide; the first showing asks for the defaults (and Greff's finding). */
  show(on) {
    this.el.hidden = !on;
    if (!on) return;
    if (!this._opened) {
      this._opened = true;
      this.emit("experiment:open");
    }
    if (this._plotted) plotly().Plots.resize(this.plot);
  }

  get visible() {
    return !this.el.hidden;
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

  /** Draw what the controller holds: {defaults, snapshot, message, running} (ExperimentRun.view()). */
  update({ defaults, snapshot, message, running }) {
    if (defaults && defaults !== this.defaults) this._setDefaults(defaults);
    this.runButton.disabled = running;
    this._message(message);
    if (snapshot && snapshot !== this.snapshot) this._render(snapshot);
    if (!snapshot) this.cancelButton.hidden = true;
    this.snapshot = snapshot;
  }

  _setDefaults(defaults) {
    this.defaults = defaults;
    const d = defaults.defaults;
    const limits = defaults.limits || {};
    if (limits.seeds) this.seedsInput.max = limits.seeds;
    if (limits.updates) this.updatesInput.max = limits.updates;
    this.seedsInput.value = String(d.seeds.length);
    this.updatesInput.value = String(d.updates);
    if (d.task in SETUPS) this.taskSelect.value = d.task;
    this.finding.textContent = defaults.finding;
    this._describe();
  }

  // ---------------------------------------------------------------- render
  /** Draw one snapshot of GET /experiments/{id}. */
  _render(snap) {
    const running = !FINISHED.has(snap.status);
    this.el.dataset.status = snap.status;
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
    this._describe(snap.config);
    if (snap.done) this._plot(snap);
  }

  /** Where the losses started and what diverged: the numbers that make the plot honest. */
  _context(snap) {
    if (!snap.runs.length) return "";
    const start = median(snap.runs.map((r) => r.initial_loss));
    const vanilla = snap.medians.vanilla;
    const diverged = snap.runs.filter((r) => r.final_loss === null);
    let text = `Before training, the median held-out loss was ${fmtNum(start)}`;
    text += vanilla !== undefined ? `; the vanilla LSTM ends at ${fmtNum(vanilla)}.` : ".";
    if (diverged.length) {
      text += ` ${diverged.length} run${diverged.length > 1 ? "s" : ""} diverged (`
        + `${diverged.map((r) => `${r.variant}, seed ${r.seed}`).join("; ")}) and `
        + "cannot be drawn.";
    }
    return text;
  }

  _plot(snap) {
    if (!this.gate.open) { // drawn when on screen, with Plotly loaded
      this._waiting = snap;
      return;
    }
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
    if (this.error.textContent === (text || "")) return;
    this.error.hidden = !text;
    this.error.textContent = text || "";
  }

  _build() {
    this.taskSelect = h("select", { name: "xp-task", onchange: () => this._describe() },
      Object.entries(SETUPS).map(([k, s]) => h("option", { value: k }, s.label)));
    // Their maxima come with the defaults (GET /experiments/defaults "limits").
    this.seedsInput = h("input", { type: "number", name: "xp-seeds", min: 1, value: 8,
      onchange: () => this._describe() });
    this.updatesInput = h("input", { type: "number", name: "xp-updates", min: 1,
      step: 10, value: 300, onchange: () => this._describe() });
    this.runButton = h("button", { type: "button", class: "primary xp-run",
      onclick: () => this.emit("experiment:start", { body: this.request() }) }, "Run the experiment");
    this.cancelButton = h("button", { type: "button", class: "xp-cancel", hidden: true,
      onclick: () => {
        this.cancelButton.disabled = true;
        this.emit("experiment:cancel");
      } }, "Cancel");
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
        this.plotWrap = h("div", { class: "xp-plot-wrap" }, this.placeholder, this.plot),
        h("div", { class: "xp-side" },
          h("h3", {}, "This run"), this.summary, this.context,
          h("h3", {}, "What Greff et al. found"), this.finding,
          h("p", { class: "hint" }, "Their networks learned large speech, handwriting and "
            + "music data sets; ours learn one small task for seconds. Whether the two agree or "
            + "not, this run is shown as measured."))));
    this.gate = new ChartGate(this.plotWrap, () => {
      const waiting = this._waiting;
      this._waiting = null;
      if (waiting) this._plot(waiting);
    });
  }
}
