// Test harness (served only by tests/browser/test_diagrams.py): the page's real views from
// /static/js/views/, fed the engine's frames recorded by scripts/record_frames.py. The view to
// open is in the URL (?case=NP&mode=backward&unit=2&t=3); window.__harness exposes the views
// and the recorded data to the tests.

import { CircuitDiagram } from "/static/js/views/circuit_diagram.js";
import { OdysseyDiagram } from "/static/js/views/odyssey_diagram.js";
import { RnnDiagram } from "/static/js/views/rnn_diagram.js";
import { EquationsView } from "/static/js/views/equations.js";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const data = await (await fetch("/harness/frames.json")).json();
const names = Object.keys(data.cases);
const state = {
  name: names.includes(params.get("case")) ? params.get("case") : "vanilla",
  mode: params.get("mode") === "backward" ? "backward" : "forward",
  unit: Number.parseInt(params.get("unit") ?? "0", 10) || 0,
  t: Number.parseInt(params.get("t") ?? "0", 10) || 0,
};

const showHover = (info) => {
  $("hover").textContent = info ? `hover: ${info.key} · ${info.quantity ?? "—"} · unit ${info.unit}` : "";
};
const views = {
  circuit: new CircuitDiagram($("circuit"), { onHover: showHover }),
  odyssey: new OdysseyDiagram($("odyssey"), { onHover: showHover }),
  rnn: new RnnDiagram($("rnn"), { onHover: showHover }),
  equations: new EquationsView($("equations")),
};
for (const name of names) $("case").add(new Option(name, name));

const current = () => data.cases[state.name];
const diagrams = () => (current().session.cell === "rnn" ? [views.rnn] : [views.circuit, views.odyssey]);

function load() {
  const { session } = current();
  state.unit = Math.min(Math.max(0, state.unit), session.sizes.hidden_size - 1);
  state.t = Math.min(Math.max(0, state.t), session.T - 1);
  $("unit").replaceChildren(...Array.from({ length: session.sizes.hidden_size }, (_, k) => new Option(String(k), String(k))));
  for (const view of diagrams()) view.setStructure({ cell: session.cell, variant: session.variant, structure: session.structure });
  $("grid").className = session.cell;
  $("t").max = String(session.T - 1);
  render();
}

/** The frame the page's main.js hands the diagrams, and the store the equations read. */
function render() {
  const { session, forward, backward, params: P } = current();
  const f = forward[state.t];
  const b = backward[state.t];
  const frame = { mode: state.mode, unit: state.unit, t: state.t, T: session.T, values: f.values,
    deltas: state.mode === "backward" ? b.deltas : null, cut_to_prev: Boolean(b.cut_to_prev),
    nonfinite: Boolean(state.mode === "backward" ? b.nonfinite : f.nonfinite) };
  for (const view of diagrams()) view.update(frame);
  // The page's TraceStore: meta as model_session.js builds it from the session.
  const store = { meta: { cell: session.cell, variant: session.variant, structure: session.structure,
    T: session.T, loss: session.loss, ...session.sizes }, fwd: forward, bwd: backward };
  views.equations.update({ store, mode: state.mode, t: state.t, unit: state.unit, params: P });
  $("case").value = state.name;
  $("unit").value = String(state.unit);
  $("t").value = String(state.t);
  $("t-out").textContent = String(state.t);
  $("mode-forward").setAttribute("aria-pressed", String(state.mode === "forward"));
  $("mode-backward").setAttribute("aria-pressed", String(state.mode === "backward"));
  const q = new URLSearchParams({ case: state.name, mode: state.mode, unit: state.unit, t: state.t });
  history.replaceState(null, "", `?${q}`);
}

$("case").addEventListener("change", (e) => { state.name = e.target.value; load(); });
$("unit").addEventListener("change", (e) => { state.unit = Number(e.target.value); render(); });
$("t").addEventListener("input", (e) => { state.t = Number(e.target.value); render(); });
$("mode-forward").addEventListener("click", () => { state.mode = "forward"; render(); });
$("mode-backward").addEventListener("click", () => { state.mode = "backward"; render(); });
// A click on a strip cell picks that unit in every view.
$("grid").addEventListener("dg-unit", (e) => { state.unit = e.detail.unit; render(); });

load();
window.__harness = { views, state, data, get run() { return current(); }, ready: true };
