// Dev harness for the cell diagrams: mock frames, a variant/mode/unit/step picker whose state
// lives in the URL (?variant=NP&mode=backward&unit=2&t=3) so a view can be shared or tested.

import { CircuitDiagram } from "../js/views/circuit_diagram.js";
import { OdysseyDiagram } from "../js/views/odyssey_diagram.js";
import { RnnDiagram } from "../js/views/rnn_diagram.js";
import { mockRun, MOCK_VARIANTS, H } from "./mock_frames.js";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const state = {
  variant: MOCK_VARIANTS.includes(params.get("variant")) ? params.get("variant") : "vanilla",
  mode: params.get("mode") === "backward" ? "backward" : "forward",
  unit: clampInt(params.get("unit"), 0, H - 1, 0),
  t: clampInt(params.get("t"), 0, 99, 2),
};
let run = null;

const showHover = (info) => {
  $("hover").textContent = info ? `hover: ${info.key} · ${info.quantity ?? "—"} · unit ${info.unit}` : "";
};
const views = {
  circuit: new CircuitDiagram($("circuit"), { onHover: showHover }),
  odyssey: new OdysseyDiagram($("odyssey"), { onHover: showHover }),
  rnn: new RnnDiagram($("rnn"), { onHover: showHover }),
};

for (const v of MOCK_VARIANTS) $("variant").add(new Option(v === "rnn" ? "simple RNN" : v, v));
for (let k = 0; k < H; k++) $("unit").add(new Option(String(k), String(k)));

function clampInt(text, lo, hi, fallback) {
  const n = Number.parseInt(text ?? "", 10);
  return Number.isInteger(n) ? Math.min(hi, Math.max(lo, n)) : fallback;
}

function load() {
  run = mockRun(state.variant);
  state.t = Math.min(state.t, run.T - 1);
  const active = run.cell === "rnn" ? [views.rnn] : [views.circuit, views.odyssey];
  for (const view of active) view.setStructure({ cell: run.cell, variant: run.variant, structure: run.structure });
  $("grid").className = run.cell;
  $("t").max = String(run.T - 1);
  render();
}

function render() {
  const fwd = run.forward[state.t];
  const bwd = run.backward[state.t];
  const frame = { mode: state.mode, unit: state.unit, t: state.t, T: run.T, values: fwd.values,
    deltas: state.mode === "backward" ? bwd.deltas : null };
  const active = run.cell === "rnn" ? [views.rnn] : [views.circuit, views.odyssey];
  for (const view of active) view.update(frame);
  $("variant").value = state.variant;
  $("unit").value = String(state.unit);
  $("t").value = String(state.t);
  $("t-out").textContent = String(state.t);
  $("mode-forward").setAttribute("aria-pressed", String(state.mode === "forward"));
  $("mode-backward").setAttribute("aria-pressed", String(state.mode === "backward"));
  const q = new URLSearchParams({ variant: state.variant, mode: state.mode, unit: state.unit, t: state.t });
  history.replaceState(null, "", `?${q}`);
}

$("variant").addEventListener("change", (e) => { state.variant = e.target.value; load(); });
$("unit").addEventListener("change", (e) => { state.unit = Number(e.target.value); render(); });
$("t").addEventListener("input", (e) => { state.t = Number(e.target.value); render(); });
$("prev").addEventListener("click", () => { state.t = Math.max(0, state.t - 1); render(); });
$("next").addEventListener("click", () => { state.t = Math.min(run.T - 1, state.t + 1); render(); });
$("mode-forward").addEventListener("click", () => { state.mode = "forward"; render(); });
$("mode-backward").addEventListener("click", () => { state.mode = "backward"; render(); });
// A click on a strip cell picks that unit in every view.
$("grid").addEventListener("dg-unit", (e) => { state.unit = e.detail.unit; render(); });

load();
// For tests and the console: the views, the state and the mock run behind the frames.
window.__dg = { views, state, get run() { return run; }, ready: true };
