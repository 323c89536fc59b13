// The sections of the control panel. Each builder returns {node, refs}: the DOM and the
// controls that Controls.update() keeps in step with the state. Every user action becomes one
// event through `emit`; nothing here talks to the server or touches another view. Bounds the
// server sets (hidden size, length, truncation) are filled in from GET /presets by Controls.

import { PROPS } from "../state.js";
import { field, h, select } from "./dom.js";

const num = (name, attrs) => h("input", { type: "number", name, ...attrs });
// The accessible name starts with the visible words (WCAG 2.5.3, label in name); a button
// drawn as a symbol (▶, ⇤) is named by its title alone.
const btn = (text, title, onclick, attrs = {}) =>
  h("button", { type: "button", title, "aria-label": /\p{L}/u.test(text) ? `${text}: ${title}` : title,
    onclick, ...attrs }, text);

/** Cell, variant, hidden size, task, length, seed, initialisation. */
export function modelSection(emit) {
  const set = (name, parse = (v) => v) => (ev) => emit("control:set", { [name]: parse(ev.target.value) });
  const refs = {
    cellLstm: btn("LSTM", "Long short-term memory cell", () => emit("control:set", { cell: "lstm" }),
      { class: "seg", dataset: { value: "lstm" } }),
    cellRnn: btn("RNN", "Simple recurrent network", () => emit("control:set", { cell: "rnn" }),
      { class: "seg", dataset: { value: "rnn" } }),
    variant: select("variant", [["vanilla", "vanilla"]], { onchange: set("variant") }),
    variantHelp: h("p", { class: "hint", id: "variant-help" }),
    hidden_size: num("hidden_size", { min: 1, step: 1, onchange: set("hidden_size", Number) }),
    // Stacked layers; the bound comes from GET /presets (max_num_layers).
    num_layers: num("num_layers", { min: 1, step: 1, onchange: set("num_layers", Number) }),
    task: select("task", [["sine", "sine"]], { onchange: set("task") }),
    taskHelp: h("p", { class: "hint", id: "task-help" }),
    length: num("length", { min: 0, step: 1, onchange: set("length", Number) }),
    seed: num("seed", { min: 0, step: 1, onchange: set("seed", Number) }),
    init: select("init", [["xavier", "Xavier / Glorot"], ["uniform", "uniform ±0.1"]], { onchange: set("init") }),
  };
  refs.variantField = field("Variant", refs.variant);
  const node = h("section", { class: "panel-section", "aria-labelledby": "sec-model" },
    h("h2", { id: "sec-model" }, "Model"),
    h("div", { class: "segmented", role: "group", "aria-label": "cell" }, refs.cellLstm, refs.cellRnn),
    refs.variantField, refs.variantHelp,
    h("div", { class: "row2" }, field("Hidden size H", refs.hidden_size), field("Layers L", refs.num_layers)),
    field("Task", refs.task), refs.taskHelp,
    h("div", { class: "row2" }, field("Length T", refs.length), field("Seed", refs.seed)),
    field("Init", refs.init),
    btn("New seed", "Draw a new random seed: fresh parameters and data", () =>
      emit("control:set", { seed: Math.floor(Math.random() * 100000) }), { class: "small" }),
  );
  return { node, refs };
}

/** Forward stepping: play/pause, step, rewind, speed, the time slider; mode switch. */
export function stepSection(emit) {
  const refs = {
    modeFwd: btn("Forward", "Forward pass (b toggles)", () => emit("control:mode", { mode: "forward" }),
      { class: "seg", dataset: { value: "forward" } }),
    modeBwd: btn("Backward", "Backward pass, BPTT (b toggles)", () => emit("control:mode", { mode: "backward" }),
      { class: "seg", dataset: { value: "backward" } }),
    first: btn("⇤", "Back to the first step (Home)", () => emit("control:seek", { t: 0 })),
    back: btn("|◀", "Step back (←)", () => emit("control:step-back")),
    play: btn("▶", "Play / pause (space)", () => emit("control:play-toggle"), { class: "primary", id: "play" }),
    fwd: btn("▶|", "Step forward (→)", () => emit("control:step-forward")),
    last: btn("⇥", "To the last step (End)", () => emit("control:seek-end")),
    time: h("input", { type: "range", name: "t", min: 0, max: 0, step: 1, value: 0,
      "aria-label": "time step t", oninput: (ev) => emit("control:seek", { t: Number(ev.target.value), live: true }) }),
    timeLabel: h("output", { class: "time-label" }),
    speed: h("input", { type: "range", name: "speed", min: PROPS.speed.min, max: PROPS.speed.max, step: 1,
      "aria-label": "speed",
      oninput: (ev) => emit("control:set", { speed: Number(ev.target.value) }) }),
    speedLabel: h("output", { class: "speed-label" }),
  };
  const node = h("section", { class: "panel-section", "aria-labelledby": "sec-step" },
    h("h2", { id: "sec-step" }, "Step through time"),
    h("div", { class: "segmented", role: "group", "aria-label": "mode" }, refs.modeFwd, refs.modeBwd),
    h("div", { class: "transport" }, refs.first, refs.back, refs.play, refs.fwd, refs.last),
    h("div", { class: "slider-row" }, refs.time, refs.timeLabel),
    h("div", { class: "slider-row" }, h("span", { class: "field-label" }, "Speed"), refs.speed, refs.speedLabel),
  );
  return { node, refs };
}

/** BPTT step by step, truncation, clipping. */
export function backwardSection(emit) {
  const refs = {
    bpttStep: btn("BPTT step", "One step of backpropagation through time, from the end (shift+←)",
      () => emit("control:bptt-step")),
    bpttRun: btn("Run BPTT", "Backpropagate through every remaining step", () => emit("control:bptt-run")),
    truncate: num("truncate", { min: 0, step: 1,
      onchange: (ev) => emit("control:set", { truncate: Number(ev.target.value) }) }),
    clip_threshold: num("clip_threshold", { min: 0, step: 0.5,
      onchange: (ev) => emit("control:set", { clip_threshold: Number(ev.target.value) }) }),
  };
  const node = h("section", { class: "panel-section", "aria-labelledby": "sec-bptt" },
    h("h2", { id: "sec-bptt" }, "Backward (BPTT)"),
    h("div", { class: "buttons" }, refs.bpttStep, refs.bpttRun),
    h("div", { class: "row2" }, field("Truncate k", refs.truncate, "0 = full"),
      field("Clip ‖g‖", refs.clip_threshold, "0 = off")),
  );
  return { node, refs };
}

/** Training: n updates or continuously, optimiser, learning rate. */
export function trainSection(emit) {
  const refs = {
    optimizer: select("optimizer", [["adam", "Adam"], ["sgd", "SGD"]],
      { onchange: (ev) => emit("control:set", { optimizer: ev.target.value }) }),
    learning_rate: num("learning_rate", { min: 0.000001, step: 0.001,
      onchange: (ev) => emit("control:set", { learning_rate: Number(ev.target.value) }) }),
    updates: num("updates", { min: 1, step: 1, value: 50, "aria-label": "updates to run" }),
    trainN: btn("Train", "Run this many parameter updates", () =>
      emit("control:train", { updates: Number(refs.updates.value) || 50 })),
    trainLoop: btn("Train ∞", "Train until stopped (the diagrams follow)", () => emit("control:train-toggle"),
      { id: "train-loop" }),
    reinit: btn("Reset weights", "Draw the initial parameters again and forget training",
      () => emit("control:reset", { reinit: true }), { class: "small" }),
  };
  const node = h("section", { class: "panel-section", "aria-labelledby": "sec-train" },
    h("h2", { id: "sec-train" }, "Train"),
    h("div", { class: "row2" }, field("Optimiser", refs.optimizer), field("Learning rate", refs.learning_rate)),
    h("div", { class: "buttons" }, refs.updates, refs.trainN, refs.trainLoop),
    refs.reinit,
  );
  return { node, refs };
}

/** Upload parameters or a sequence; download parameters and the trace. */
export function filesSection(emit) {
  const upload = (kind, accept, text, title) => {
    const input = h("input", { type: "file", accept, hidden: true, name: `upload-${kind}`,
      onchange: (ev) => {
        const file = ev.target.files && ev.target.files[0];
        if (file) emit(`control:upload-${kind}`, { file });
        ev.target.value = "";
      } });
    return h("span", {}, input, btn(text, title, () => input.click(), { class: "small" }));
  };
  const refs = {
    paramFormat: select("param-format", [["json", "JSON"], ["npz", "NumPy .npz"],
      ["pytorch", "PyTorch names (.npz)"]], { "aria-label": "parameter file format" }),
    traceFormat: select("trace-format", [["json", "JSON"], ["csv", "CSV (zip)"], ["npz", "NumPy .npz"]],
      { "aria-label": "trace file format" }),
  };
  const node = h("section", { class: "panel-section", "aria-labelledby": "sec-files" },
    h("h2", { id: "sec-files" }, "Files"),
    h("div", { class: "buttons" },
      upload("params", ".json,.npz,.safetensors", "Upload parameters…",
        ".npz, .safetensors or .json with notation, PyTorch (state_dict) or Keras names"),
      upload("sequence", ".csv,text/csv", "Upload sequence (CSV)…",
        "Columns: inputs then targets; one row per time step")),
    h("div", { class: "buttons" }, refs.paramFormat,
      btn("Download parameters", "Save the current parameters", () =>
        emit("control:download-params", { format: refs.paramFormat.value }), { class: "small" })),
    h("div", { class: "buttons" }, refs.traceFormat,
      btn("Download trace", "Save every computed value and error", () =>
        emit("control:download-trace", { format: refs.traceFormat.value }), { class: "small" })),
  );
  return { node, refs };
}

/** What is shown: charts, equations, compare mode and its second model. */
export function viewSection(emit) {
  const toggle = (name, text) => h("label", { class: "check" },
    h("input", { type: "checkbox", name, onchange: (ev) => emit("control:set", { [name]: ev.target.checked }) }),
    text);
  const refs = {
    heat: toggle("heat", "Heatmaps"),
    lines: toggle("lines", "Line charts"),
    eq: toggle("eq", "Equations"),
    seq: toggle("seq", "Sequence"),
    compare: toggle("compare", "Compare two models"),
    cmpCell: select("cmpCell", [["rnn", "RNN"], ["lstm", "LSTM"]],
      { onchange: (ev) => emit("control:set", { cmpCell: ev.target.value }) }),
    cmpVariant: select("cmpVariant", [["vanilla", "vanilla"]],
      { onchange: (ev) => emit("control:set", { cmpVariant: ev.target.value }) }),
  };
  refs.cmpRow = h("div", { class: "row2 compare-config" }, field("Against", refs.cmpCell),
    field("variant", refs.cmpVariant));
  const node = h("section", { class: "panel-section", "aria-labelledby": "sec-view" },
    h("h2", { id: "sec-view" }, "View"),
    h("div", { class: "checks" }, refs.seq, refs.heat, refs.lines, refs.eq),
    refs.compare, refs.cmpRow,
  );
  return { node, refs };
}
