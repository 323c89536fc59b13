// Entry module: builds the views into the page's skeleton (templates/index.html), wires the
// event bus to the controller, and renders every view from one requestAnimationFrame loop:
// state → api (controller, model sessions) → store → view.update(...). What the page is doing
// shows in the DOM for people and tests alike: aria-busy on the stage (the shown step is not
// drawn yet) and on the charts (steps still on their way); each render and each view's part of
// it is a User Timing measure ("render", "view:<name>"), which bench/bench_page.py reads.

import { bus } from "./events.js";
import { State } from "./state.js";
import { rest } from "./api.js";
import { Controller } from "./controller.js";
import { lossSeries, normSeries, stateRows, stateSeries } from "./chart_series.js";
import { Controls } from "./views/controls.js";
import { Shortcuts } from "./views/shortcuts.js";
import { StatusBar } from "./views/status_bar.js";
import { CircuitDiagram } from "./views/circuit_diagram.js";
import { OdysseyDiagram } from "./views/odyssey_diagram.js";
import { RnnDiagram } from "./views/rnn_diagram.js";
import { CompareView } from "./views/compare.js";
import { HeatmapChart } from "./views/heatmap_chart.js";
import { LineChart } from "./views/line_chart.js";
import { ChartGate, RenderBudget } from "./views/plot_util.js";
import { EquationsView } from "./views/equations.js";
import { SequencePanel } from "./views/sequence_panel.js";
import { setText } from "./views/dom.js";
import { downloadFile, uploadFile } from "./files.js";
import { mountTour } from "./tour/mount.js";
import { ControlsDrawer } from "./views/drawer.js";
import { FigureTools } from "./views/figure_tools.js";
import { ThemePicker } from "./views/themes.js";
import { ValueTable } from "./views/value_table.js";
import { StackOverview } from "./views/stack_overview.js";
import { layerParams, layerSuffix } from "./layers.js";

const $ = (id) => document.getElementById(id);
const emit = (name, detail) => bus.emit(name, detail);
const WIDE = window.matchMedia("(min-width: 1600px)"); // both diagrams side by side
const CHROME_EVERY_MS = 100; // controls and status line while playing: 10 updates a second are plenty

const { state, rejected } = State.fromHash(location.hash);
let renders = 0;

/** Run one view's update as a User Timing measure (DevTools and the benchmark read them). */
function timed(name, fn) {
  const start = performance.now();
  fn();
  performance.measure(`view:${name}`, { start });
}
let dirty = true;
let frameAsked = false;
/** Something changed: render at the next animation frame. Without changes no frame is asked
 * for, so an idle page costs nothing (a loop that always asks kept a core 5–13 % busy). */
function invalidate() {
  dirty = true;
  askFrame();
}
function askFrame() {
  if (frameAsked) return;
  frameAsked = true;
  requestAnimationFrame(loop);
}
const controller = new Controller(state, { onChange: invalidate });

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
  sequence: new SequencePanel($("sequence"), { emit, onShow: invalidate }),
  stack: new StackOverview($("stack"), { emit }),
};
// Phones, keyboards, screen readers and slides: the controls drawer, the diagrams' values as a
// table, zoom and figure downloads, the themes.
new ControlsDrawer($("controls"), document.querySelector(".appbar"), { emit });
const valueTable = new ValueTable($("value-table"));
const figures = new FigureTools($("diagrams"), document.querySelector(".appbar"), { emit,
  onError: (error) => controller.fail(error) });
new ThemePicker(document.querySelector(".site-header"), { onChange: () => figures.remeasure() });
let statesCell = null;
let structureSig = null;
let stageLook = null;
let chromeAt = -Infinity;
let chromeDirty = false; // controls and status line still to catch up (skipped while playing)
let experiment = null; // the tour's experiment card (mountTour)
// The views below the diagrams, while playing: drawn every frame only when on screen, else with
// the controls (CHROME_EVERY_MS); one scrolled into view is drawn at once. Measured: an
// off-screen equations panel and charts cost the page a fifth of its steps (bench/bench_page.py).
const onScreen = new Map(); // element id → intersecting (unknown: drawn)
const screenWatch = new IntersectionObserver((entries) => {
  for (const e of entries) {
    if (e.isIntersecting && onScreen.get(e.target.id) === false) invalidate();
    onScreen.set(e.target.id, e.isIntersecting);
  }
});
for (const id of ["equations", "card-heat", "card-states", "card-norms", "card-loss"]) screenWatch.observe($(id));

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
  "stack:pick": (d) => controller.set({ layer: d.layer, unit: d.unit }).then(() => controller.seek(d.t)),
  "sequence:rank": (d) => controller.rankUnits(d),
  "sequence:text": (d) => controller.run(() => controller.useText(d.text)),
  "experiment:open": () => controller.experiment.loadDefaults(),
  "experiment:start": (d) => controller.experiment.start(d.body),
  "experiment:cancel": () => controller.experiment.cancel(),
};
for (const [name, fn] of Object.entries(actions)) bus.on(name, fn);
// A chart that came on screen has Plotly now: draw it.
document.addEventListener("chart-ready", invalidate);
// A click on a unit strip cell of a diagram picks that unit.
$("diagrams").addEventListener("dg-unit", (ev) => emit("control:set", { unit: ev.detail.unit }));
for (const tab of document.querySelectorAll(".tabs [data-diagram]")) {
  tab.addEventListener("click", () => emit("control:set", { diagram: tab.dataset.diagram }));
}
window.addEventListener("hashchange", () => {
  if (location.hash === state.toHash()) return; // our own replaceState
  // An edited address: settings first (a new model re-steps to t by itself), then the cursor.
  controller.show(State.fromHash(location.hash, state.limits).state.all());
});
WIDE.addEventListener("change", invalidate);

// ------------------------------------------------------------------ rendering
function renderDiagrams(s, store, every) {
  const meta = store.meta;
  const sig = `${meta.cell}|${meta.variant}|${JSON.stringify(meta.structure)}|${meta.layer}`;
  if (sig !== structureSig && meta.T) {
    structureSig = sig;
    const model = { cell: meta.cell, variant: meta.variant, structure: meta.structure,
      layer: meta.layer ?? 0, num_layers: meta.num_layers || 1 };
    (meta.cell === "rnn" ? [views.rnn] : [views.circuit, views.odyssey]).forEach((v) => v.setStructure(model));
  }
  const root = $("stage");
  const look = `${meta.cell}|${s.diagram}|${s.compare}`;
  if (look !== stageLook) { // attribute writes restyle the whole stage: only on a change
    stageLook = look;
    root.dataset.cell = meta.cell;
    root.dataset.diagram = s.diagram;
    root.classList.toggle("comparing", s.compare);
    for (const tab of document.querySelectorAll(".tabs [data-diagram]")) {
      tab.setAttribute("aria-selected", String(tab.dataset.diagram === s.diagram));
    }
  }
  const f = store.fwd[s.t];
  const b = store.bwd[s.t];
  const frame = { mode: s.mode, unit: s.unit, t: s.t, T: meta.T, values: f ? f.values : null,
    deltas: b ? b.deltas : null, cut_to_prev: Boolean(b && b.cut_to_prev), playing: controller.playing };
  // The values table, read out rather than shown (until its toggle), follows at the controls' pace.
  if (every || valueTable.shown) timed("table", () => valueTable.update({ cell: meta.cell, mode: s.mode, t: s.t, T: meta.T, unit: s.unit,
    values: frame.values, deltas: frame.deltas }));
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

/** The sequence panel: every model's text or series, its unfolded cell, the unit finder. */
function renderSequence(s) {
  if (!views.sequence.visible) return; // drawn when it scrolls into view
  const models = controller.models.filter((m) => m.info);
  controller.sequence.sync(models, s, { training: controller.training });
  timed("sequence", () => views.sequence.update({ state: s, models, data: controller.sequence,
    names: models.map((m) => `${m.label}: ${modelName(m.store.meta)}`),
    playing: controller.playing || controller.training,
    limits: controller.presets ? controller.presets.limits : null }));
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
  const model = meta.cell === "rnn" ? `A simple RNN (H = ${meta.hidden_size})`
    : `An LSTM (${meta.variant}, H = ${meta.hidden_size})`;
  const task = meta.task ? ` on “${meta.task.name}”: ${meta.task.description}` : ".";
  return `${model}${task} The diagrams show one step t; colours and numbers are the live values of unit j.`;
}

/** every: draw the off-screen views too (see onScreen). */
function renderCharts(s, store, every) {
  const drawn = (id) => every || onScreen.get(id) !== false;
  const of = layerSuffix(store.meta) + (s.compare ? " — model A" : "");
  setTextOf("intro-model", introText(store.meta));
  setTextOf("cap-heat", CAPTIONS.heat[`${store.meta.cell}|${s.mode}`] + of);
  setTextOf("cap-states", CAPTIONS.states[store.meta.cell] + of);
  const playing = controller.playing || controller.training;
  const entries = controller.models.map((m) => ({ store: m.store,
    label: controller.models.length > 1 ? `${m.label}` : "" }));
  if (s.heat && drawn("card-heat")) timed("heat", () => views.heat.update({ store, mode: s.mode, t: s.t, unit: s.unit, playing }));
  if (s.lines && drawn("card-states")) {
    if (statesCell !== store.meta.cell) {
      $("chart-states").replaceChildren();
      views.states = new LineChart($("chart-states"), { rows: stateRows(store.meta.cell),
        height: store.meta.cell === "rnn" ? 230 : 300 });
      statesCell = store.meta.cell;
    }
    timed("states", () => views.states.update({ ...stateSeries(store, s.unit), t: s.t, playing }));
  }
  if (drawn("card-norms")) timed("norms", () => views.norms.update({ ...normSeries(entries), t: s.mode === "backward" ? s.t : null, playing }));
  if (drawn("card-loss")) timed("loss", () => views.loss.update({ ...lossSeries(entries), playing }));
  if (s.eq && drawn("equations")) {
    timed("equations", () => views.equations.update({ store, mode: s.mode, t: s.t, unit: s.unit, trunc: s.truncate,
      label: s.compare ? "A: " : "",
      params: controller.training ? null : layerParams(controller.primary.params, store.meta) }));
  }
}

function render() {
  const s = state.all();
  const m = controller.primary;
  const now = performance.now();
  const busy = controller.playing || controller.training;
  if (busy && now - chromeAt < CHROME_EVERY_MS) {
    renderModel(s, m, false);
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
  document.body.classList.toggle("hide-seq", !s.seq);
  if (experiment && experiment.visible) timed("experiment", () => experiment.update(controller.experiment.view()));
  if (!m || !m.info) {
    views.status.update({ t: s.t, T: 0, mode: s.mode, link: controller.link, message: controller.message });
    setBusy(true, true);
    return;
  }
  const store = m.store;
  const f = store.fwd[s.t];
  const training = store.training;
  timed("status", () => views.status.update({ t: s.t, T: store.meta.T, mode: s.mode, lossT: f ? f.loss_t : null,
    updates: training.loss.length, trainLoss: training.loss[training.loss.length - 1],
    playing: controller.playing, training: controller.training, link: controller.link,
    message: controller.message }));
  renderModel(s, m, true);
}

/** The diagrams, charts and equations: what changes with every step (every: the off-screen views too). */
function renderModel(s, m, every) {
  if (!m || !m.info) return;
  const store = m.store;
  RenderBudget.frame = renders;
  renderDiagrams(s, store, every);
  timed("stack", () => views.stack.update({ state: s, store }));
  figures.update({ meta: store.meta, state: s });
  if (s.seq) renderSequence(s);
  renderCharts(s, store, every);
  const shown = Boolean(store[s.mode === "backward" ? "bwd" : "fwd"][s.t]);
  if (shown) ChartGate.arm(); // the diagrams are drawn: what is on screen now is what a person sees
  setBusy(controller.busy || !shown, controller.busy || controller.models.some((x) => x.filling));
}

const busyNow = { stage: null, charts: null };
/** aria-busy on the stage (the shown step is not drawn yet) and the charts (steps on their way). */
function setBusy(stage, charts) {
  for (const [key, on] of [["stage", stage], ["charts", charts]]) {
    if (busyNow[key] === on) continue;
    busyNow[key] = on;
    document.getElementById(key === "stage" ? "stage" : "charts").setAttribute("aria-busy", String(on));
  }
}

function loop(now) {
  frameAsked = false;
  if (chromeDirty && now - chromeAt >= CHROME_EVERY_MS) dirty = true;
  if (dirty) {
    dirty = false;
    const start = performance.now();
    try {
      render();
    } catch (error) {
      console.error("render failed:", error);
    }
    performance.measure("render", { start });
    renders += 1;
    performance.clearMeasures(); // observers (DevTools, the benchmark) have had them; keep no history
  }
  if (dirty || chromeDirty) askFrame(); // the controls still to catch up: look again next frame
}

// ------------------------------------------------------------------ start
async function start() {
  if (rejected.length) {
    controller.message = { kind: "warning", text: `Ignored in the link: ${rejected.join(", ")}` };
  }
  askFrame();
  try {
    const presets = await rest.presets();
    controller.setPresets(presets);
    views.controls.setPresets(presets);
  } catch (error) {
    controller.fail(error);
  }
  const warning = controller.message;
  await controller.open();
  // ?session=<id> (explore() in a notebook, `lstm-explorer open m.pt`): show that session's model.
  const linked = new URLSearchParams(location.search).get("session");
  if (linked) await controller.run(async () => controller.adopt(await rest.session(linked)));
  if (warning && !controller.message) controller.message = warning; // still worth reading
  document.body.dataset.ready = "true";
}

// Before start(): a link to a chapter opens its model.
experiment = mountTour({ state, controller, emit }).experiment;
start();
