// The control panel: model, stepping, BPTT, training, files, view, and the unit picker.
// constructor builds the DOM; update({state, session, presets, playing, training}) makes the
// controls show the state; every user action is emitted as an event for main.js to act on.

import { h, setOptions, setValue } from "./dom.js";
import { backwardSection, filesSection, modelSection, stepSection, trainSection,
  viewSection } from "./controls_sections.js";

const UNIT_CHIPS_MAX = 16; // above this the unit picker is a number field

/** A segmented button's state, for the eye (.on) and for screen readers (aria-pressed). */
function pressed(button, on) {
  button.classList.toggle("on", on);
  if (button.getAttribute("aria-pressed") !== String(on)) button.setAttribute("aria-pressed", String(on));
}

export class Controls {
  /** container: the sidebar element; emit(name, detail) sends an event on the bus. */
  constructor(container, { emit }) {
    this.el = container;
    this.emit = emit;
    this.sections = {
      model: modelSection(emit),
      step: stepSection(emit),
      unit: this._unitSection(),
      backward: backwardSection(emit),
      train: trainSection(emit),
      view: viewSection(emit),
      files: filesSection(emit),
    };
    this.el.replaceChildren(...Object.values(this.sections).map((s) => s.node));
    this.presets = null;
    this._unitsFor = -1;
  }

  _unitSection() {
    const refs = {
      chips: h("div", { class: "unit-chips", role: "radiogroup", "aria-label": "unit" }),
      number: h("input", { type: "number", name: "unit", min: 0, step: 1, "aria-label": "unit",
        onchange: (ev) => this.emit("control:set", { unit: Number(ev.target.value) }) }),
      help: h("p", { class: "hint" }, "The equations show this unit's numbers; the charts highlight it."),
    };
    const node = h("section", { class: "panel-section", "aria-labelledby": "sec-unit" },
      h("h2", { id: "sec-unit" }, "Unit j"), refs.chips, refs.number, refs.help);
    return { node, refs };
  }

  /** Fill the pickers from GET /api/v1/presets (tasks, variants with one-line explanations). */
  setPresets(presets) {
    this.presets = presets;
    const { model, view } = this.sections;
    const variants = presets.variants.map((v) => [v.key, v.key]);
    setOptions(model.refs.variant, variants);
    setOptions(view.refs.cmpVariant, variants);
    setOptions(model.refs.task, presets.tasks.map((t) => [t.name, t.name]));
    model.refs.hidden_size.max = presets.limits.max_hidden_size;
    model.refs.num_layers.max = presets.limits.max_num_layers;
    model.refs.length.max = presets.limits.max_sequence_length;
    this.sections.backward.refs.truncate.max = presets.limits.max_sequence_length;
  }

  /** data: {state, session (or null), playing, training, busy}. */
  update({ state, session, playing, training, busy }) {
    const { model, step, backward, train, view, unit } = this.sections;
    const r = model.refs;
    for (const b of [r.cellLstm, r.cellRnn]) pressed(b, b.dataset.value === state.cell);
    r.variantField.hidden = state.cell !== "lstm";
    r.variantHelp.hidden = state.cell !== "lstm";
    setValue(r.variant, state.variant);
    const variant = this.presets?.variants.find((v) => v.key === state.variant);
    r.variantHelp.textContent = variant ? variant.description : "";
    setValue(r.hidden_size, state.hidden_size);
    setValue(r.num_layers, state.num_layers);
    setValue(r.task, state.task);
    const task = this.presets?.tasks.find((t) => t.name === state.task);
    r.taskHelp.textContent = task ? `${task.description} (${task.task_type.replaceAll("_", "-")}, ${task.loss})` : "";
    r.length.placeholder = "task default";
    setValue(r.length, state.length || "");
    setValue(r.seed, state.seed);
    setValue(r.init, state.init);

    const s = step.refs;
    for (const b of [s.modeFwd, s.modeBwd]) pressed(b, b.dataset.value === state.mode);
    const T = session ? session.T : 1;
    s.time.max = Math.max(0, T - 1);
    setValue(s.time, state.t);
    s.timeLabel.textContent = `t = ${state.t} / ${T - 1}`;
    s.play.textContent = playing ? "❚❚" : "▶";
    s.play.classList.toggle("on", playing);
    setValue(s.speed, state.speed);
    s.speedLabel.textContent = `${state.speed}/s`;

    setValue(backward.refs.truncate, state.truncate);
    setValue(backward.refs.clip_threshold, state.clip_threshold);
    setValue(train.refs.optimizer, state.optimizer);
    setValue(train.refs.learning_rate, state.learning_rate);
    train.refs.trainLoop.textContent = training ? "Stop" : "Train ∞";
    train.refs.trainLoop.classList.toggle("on", training);
    train.refs.trainN.disabled = training;

    for (const name of ["seq", "heat", "lines", "eq", "compare"]) {
      setValue(view.refs[name].querySelector("input"), state[name]);
    }
    view.refs.cmpRow.hidden = !state.compare;
    setValue(view.refs.cmpCell, state.cmpCell);
    setValue(view.refs.cmpVariant, state.cmpVariant);
    view.refs.cmpVariant.disabled = state.cmpCell !== "lstm";

    this._updateUnits(session ? session.sizes.hidden_size : state.hidden_size, state.unit);
    this.el.classList.toggle("busy", Boolean(busy));
  }

  _updateUnits(H, selected) {
    const { chips, number } = this.sections.unit.refs;
    if (H !== this._unitsFor) {
      this._unitsFor = H;
      chips.replaceChildren();
      if (H <= UNIT_CHIPS_MAX) {
        for (let j = 0; j < H; j++) {
          chips.appendChild(h("button", { type: "button", class: "chip", role: "radio", dataset: { unit: String(j) },
            onclick: () => this.emit("control:set", { unit: j }) }, String(j)));
        }
      }
      chips.hidden = H > UNIT_CHIPS_MAX;
      number.hidden = H <= UNIT_CHIPS_MAX;
      number.max = H - 1;
    }
    for (const chip of chips.children) {
      const on = Number(chip.dataset.unit) === selected;
      chip.classList.toggle("on", on);
      chip.setAttribute("aria-checked", String(on));
    }
    setValue(number, selected);
  }
}
