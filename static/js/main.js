// Entry module: builds the views into the page's skeleton (templates/index.html), wires the
// event bus to the controller, and renders every view from one requestAnimationFrame loop:
// state → api (controller, model sessions) → store → view.update(...).

import { bus } from "./events.js";
import { State } from "./state.js";
import { rest } from "./api.js";
import { Controller } from "./controller.js";
import { COLORS, lossSeries, normSeries, stateRows, stateSeries } from "./chart_series.js";
import { Controls } from "./views/controls.js";
import { Shortcuts } from "./views/shortcuts.js";
import { StatusBar } from "./views/status_bar.js";
import { CircuitDiagram } from "./views/circuit_diagram.js";
import { OdysseyDiagram } from "./views/odyssey_diagram.js";
import { RnnDiagram } from "./views/rnn_diagram.js";
import { CompareView } from "./views/compare.js";
import { HeatmapChart } from "./views/heatmap_chart.js";
import { LineChart } from "./views/line_chart.js";
import { RenderBudget } from "./views/plot_util.js";
import { EquationsView } from "./views/equations.js";
import { setText } from "./views/dom.js";
import { downloadFile, uploadFile } from "./files.js";
import { mountTour } from "./tour/mount.js";

const $ = (id) => document.getElementById(id);
const emit = (name, detail) => bus.emit(name, detail);
const WIDE = window.matchMedia("(min-width: 1600px)"); // both diagrams side by side
const CHROME_EVERY_MS = 100; // controls and status line while playing: 10 updates a second are plenty

const { state, rejected } = State.fromHash(location.hash);
const stats = { rafs: 0, renders: 0, stepsRendered: 0, lastT: null, renderMs: 0, started: performance.now(),
  viewMs: {} };

/** Run one view's update and add its time to stats.viewMs (the benchmark reports them). */
function timed(name, fn) {
  const start = performance.now();
  fn();
  stats.viewMs[name] = (stats.viewMs[name] || 0) + performance.now() - start;
}
let dirty = true;
const controller = new Controller(state, { onChange: () => { dirty = true; } });

const views = {
  controls: new Controls($("controls"), { emit }),
  shortcuts: new Shortcuts($("help-button"), { emit }),
  status: new StatusBar($("status"), $("banner"), { emit }),
  circuit: new CircuitDiagram($("dg-circuit"), {}),
  odyssey: new OdysseyDiagram($("dg-odyssey"), {}),
  rnn: new RnnDiagram($("dg-rnn"), {}),
  compare: new CompareView($("compare"), {}),
  heat: new HeatmapChart($("chart-heat"), { onSelect: (d) => emit("view:select", d) }),
  states: null,
  norms: new LineChart($("chart-norms"), { rows: [{ title: "‖δ‖ (log scale)", log: true }], legend: true, height: 230 }),
  loss: new LineChart($("chart-loss"), { rows: [{ title: "loss (log scale)", log: true }], xTitle: "update", legend: true, height: 230 }),
  equations: new EquationsView($("equations")),
};
let statesCell = null;
let structureSig = null;
let stageLook = null;
let chromeAt = -Infinity;
let chromeDirty = false; // controls and status line still to catch up (skipped while playing)

// ------------------------------------------------------------------ events → controller
const actions = {
  "control:set": (d) => controller.set(d),
  "control:step-forward": () => controller.stepForward(),
  "control:step-back": () => controller.stepBack(),
  "control:play-toggle": () => controller.togglePlay(),
  "control:seek": (d) => controller.seek(d.t),
  "control:seek-end": () => controller.seekEnd(),
  "control:bptt-step": () => controller.bpttStep(),
  "control:bptt-run": () => controller.bpttRun(),
  "control:mode": (d) => controller.setMode(d.mode),
  "control:mode-toggle": () => controller.toggleMode(),
  "control:train": (d) => controller.train(d.updates),
  "control:train-toggle": () => controller.toggleTraining(),
  "control:reset": (d) => controller.reset(d),
  "control:retry": () => controller.open(),
  "control:dismiss": () => controller.dismiss(),
  "control:help": () => views.shortcuts.toggle(),
  "control:upload-params": (d) => controller.run(() => uploadFile(controller, "params", d.file)),
  "control:upload-sequence": (d) => controller.run(() => uploadFile(controller, "sequence", d.file)),
  "control:download-params": (d) => controller.run(() => downloadFile(controller, "params", d.format)),
  "control:download-trace": (d) => controller.run(() => downloadFile(controller, "trace", d.format)),
  "view:select": (d) => controller.set({ unit: d.unit }).then(() => controller.seek(d.t)),
};
for (const [name, fn] of Object.entries(actions)) bus.on(name, fn);
// A click on a unit strip cell of a diagram picks that unit.
$("diagrams").addEventListener("dg-unit", (ev) => emit("control:set", { unit: ev.detail.unit }));
for (const tab of document.querySelectorAll("[data-diagram]")) {
  tab.addEventListener("click", () => emit("control:set", { diagram: tab.dataset.diagram }));
}
window.addEventListener("hashchange", async () => {
  if (location.hash === state.toHash()) return; // our own replaceState
  // An edited address: settings first (a new model re-steps to t by itself), then the cursor.
  const { t, mode, ...rest } = State.fromHash(location.hash).state.all();
  const reopen = state.modelKey() !== new State({ ...state.all(), ...rest }).modelKey();
  await controller.set(reopen ? { ...rest, t, mode } : rest);
  if (!reopen) {
    await controller.setMode(mode);
    await controller.seek(t);
  }
});
WIDE.addEventListener("change", () => { dirty = true; });

// ------------------------------------------------------------------ rendering
function renderDiagrams(s, store) {
  const meta = store.meta;
  const sig = `${meta.cell}|${meta.variant}|${JSON.stringify(meta.structure)}`;
  if (sig !== structureSig && meta.T) {
    structureSig = sig;
    const model = { cell: meta.cell, variant: meta.variant, structure: meta.structure };
    (meta.cell === "rnn" ? [views.rnn] : [views.circuit, views.odyssey]).forEach((v) => v.setStructure(model));
  }
  const root = $("stage");
  const look = `${meta.cell}|${s.diagram}|${s.compare}`;
  if (look !== stageLook) { // attribute writes restyle the whole stage: only on a change
    stageLook = look;
    root.dataset.cell = meta.cell;
    root.dataset.diagram = s.diagram;
    root.classList.toggle("comparing", s.compare);
    for (const tab of document.querySelectorAll("[data-diagram]")) {
      tab.setAttribute("aria-selected", String(tab.dataset.diagram === s.diagram));
    }
  }
  const f = store.fwd[s.t];
  const b = store.bwd[s.t];
  const frame = { mode: s.mode, unit: s.unit, t: s.t, T: meta.T, values: f ? f.values : null,
    deltas: b ? b.deltas : null, playing: controller.playing };
  if (s.compare && controller.models.length === 2) {
    views.compare.setModels(controller.models.map((m) => ({ label: `${m.label}: ${modelName(m.store.meta)}`,
      cell: m.store.meta.cell, variant: m.store.meta.variant, structure: m.store.meta.structure })), s.diagram);
    views.compare.update({ mode: s.mode, unit: s.unit, t: s.t, stores: controller.models.map((m) => m.store) });
    return;
  }
  if (meta.cell === "rnn") timed("rnn", () => views.rnn.update(frame));
  else {
    // A diagram hidden by the tabs (narrow screens, lecture mode) is drawn when it is shown.
    const both = WIDE.matches && !document.body.classList.contains("lecture");
    if (both || s.diagram === "circuit") timed("circuit", () => views.circuit.update(frame));
    if (both || s.diagram === "odyssey") timed("odyssey", () => views.odyssey.update(frame));
  }
}

function modelName(meta) {
  return meta.cell === "rnn" ? "simple RNN" : `LSTM ${meta.variant}`;
}

const CAPTIONS = {
  heat: {
    "lstm|forward": "Block input and gates, every unit over time",
    "lstm|backward": "Errors δ at the block input, gates and cell, over time",
    "rnn|forward": "Pre-activation a and hidden state h, every unit over time",
    "rnn|backward": "Errors δh and δa, every unit over time",
  },
  states: { lstm: "Cell state c, output y and prediction over time", rnn: "Hidden state h and prediction over time" },
};

function setTextOf(id, text) {
  setText($(id), text);
}

/** One sentence on what is on screen, from the model the page actually opened. */
function introText(meta) {
  const model = meta.cell === "rnn" ? `A simple RNN (H = ${meta.H})`
    : `An LSTM (${meta.variant}, H = ${meta.H})`;
  const task = meta.task ? ` on “${meta.task.name}”: ${meta.task.description}` : ".";
  return `${model}${task} The diagrams show one step t; colours and numbers are the live values of unit j.`;
}

function renderCharts(s, store) {
  const of = s.compare ? " — model A" : "";
  setTextOf("intro-model", introText(store.meta));
  setTextOf("cap-heat", CAPTIONS.heat[`${store.meta.cell}|${s.mode}`] + of);
  setTextOf("cap-states", CAPTIONS.states[store.meta.cell] + of);
  const playing = controller.playing || controller.training;
  const entries = controller.models.map((m) => ({ store: m.store,
    label: controller.models.length > 1 ? `${m.label}` : "" }));
  if (s.heat) timed("heat", () => views.heat.update({ store, mode: s.mode, t: s.t, unit: s.unit, playing }));
  if (s.lines) {
    if (statesCell !== store.meta.cell) {
      $("chart-states").replaceChildren();
      views.states = new LineChart($("chart-states"), { rows: stateRows(store.meta.cell),
        height: store.meta.cell === "rnn" ? 230 : 300 });
      statesCell = store.meta.cell;
    }
    timed("states", () => views.states.update({ ...stateSeries(store, s.unit), t: s.t, playing }));
  }
  timed("norms", () => views.norms.update({ ...normSeries(entries), t: s.mode === "backward" ? s.t : null, playing }));
  timed("loss", () => views.loss.update({ ...lossSeries(entries), playing }));
  if (s.eq) {
    timed("equations", () => views.equations.update({ store, mode: s.mode, t: s.t, unit: s.unit, trunc: s.trunc,
      label: s.compare ? "A: " : "",
      params: controller.training ? null : controller.primary.params }));
  }
}

function render() {
  const s = state.all();
  const m = controller.primary;
  const now = performance.now();
  const busy = controller.playing || controller.training;
  if (busy && now - chromeAt < CHROME_EVERY_MS) {
    renderModel(s, m);
    chromeDirty = true;
    return;
  }
  chromeAt = now;
  chromeDirty = false;
  timed("controls", () => views.controls.update({ state: s, session: m && m.info, playing: controller.playing,
    training: controller.training, busy: controller.busy }));
  document.body.classList.toggle("hide-heat", !s.heat);
  document.body.classList.toggle("hide-lines", !s.lines);
  document.body.classList.toggle("hide-eq", !s.eq);
  if (!m || !m.info) {
    views.status.update({ t: s.t, T: 0, mode: s.mode, link: controller.link, message: controller.message });
    return;
  }
  const store = m.store;
  const f = store.fwd[s.t];
  const training = store.training;
  timed("status", () => views.status.update({ t: s.t, T: store.meta.T, mode: s.mode, lossT: f ? f.loss_t : null,
    updates: training.loss.length, trainLoss: training.loss[training.loss.length - 1],
    playing: controller.playing, training: controller.training, link: controller.link,
    message: controller.message }));
  renderModel(s, m);
}

/** The diagrams, charts and equations: what changes with every step. */
function renderModel(s, m) {
  if (!m || !m.info) return;
  const store = m.store;
  RenderBudget.frame = stats.renders;
  renderDiagrams(s, store);
  renderCharts(s, store);
  if (s.t !== stats.lastT) {
    // One per step actually drawn: steps that arrived between two frames (only the newest is
    // drawn) are not counted, so the benchmark's steps/s stays honest.
    stats.stepsRendered += 1;
    stats.lastT = s.t;
  }
}

function loop(now) {
  stats.rafs += 1;
  if (chromeDirty && now - chromeAt >= CHROME_EVERY_MS) dirty = true;
  if (dirty) {
    dirty = false;
    const start = performance.now();
    try {
      render();
    } catch (error) {
      console.error("render failed:", error);
    }
    stats.renders += 1;
    stats.renderMs = performance.now() - start;
  }
  requestAnimationFrame(loop);
}

// ------------------------------------------------------------------ start
window.__lstmExplorer = { state, controller, stats, views, bus, COLORS,
  get framesReceived() { return controller.framesReceived; } };

async function start() {
  if (rejected.length) {
    controller.message = { kind: "warning", text: `Ignored in the link: ${rejected.join(", ")}` };
  }
  requestAnimationFrame(loop);
  try {
    views.controls.setPresets(await rest.presets());
  } catch (error) {
    controller.fail(error);
  }
  await controller.open();
  document.body.dataset.ready = "true";
}

mountTour({ state, controller }); // before start(): a link to a chapter opens its model
start();
