"""Stacked layers: BPTT through layers and time against central finite differences, for every
parameter and initial state of every layer; one layer reads exactly as before."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.problem import Problem
from lstm_explorer.engine.readout import Targets
from lstm_explorer.engine.runner import Runner
from lstm_explorer.engine.sequence import run_trace
from lstm_explorer.engine.spec import ModelSpec, check_params, layer_key, param_shapes

from tests.engine.gradcheck import (
    central_difference,
    chunks,
    make_spec,
    random_inputs,
    random_params,
    raw_targets,
    relative_error,
    slice_targets,
)

T = 6
CASES = [
    ("lstm", "vanilla", "mse", 2, None),
    ("lstm", "vanilla", "cross_entropy", 3, None),
    ("lstm", "NP", "mse", 3, 2),
    ("lstm", "CIFG", "cross_entropy", 2, 4),
    ("lstm", "FGR", "mse", 2, 3),
    ("lstm", "NOG+NOAF", "mse", 2, None),
    ("rnn", "vanilla", "mse", 2, 2),
    ("rnn", "vanilla", "cross_entropy", 3, None),
]


def stacked_spec(cell: str, variant: str, loss: str, L: int) -> ModelSpec:
    return replace(make_spec(cell, variant, loss, sizes=(2, 3, 2)), num_layers=L)


def random_state(spec: ModelSpec, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed + 2)
    keys = ("h",) if spec.cell == "rnn" else ("y", "c")
    return {
        layer_key(k, l): rng.uniform(-0.8, 0.8, size=spec.hidden_size)
        for l in range(spec.num_layers)
        for k in keys
    }


def chunk_states(comp, spec: ModelSpec, start: int, initial: dict) -> dict:
    """Every layer's state where a truncation chunk starts, in the unperturbed run."""
    if start == 0:
        return dict(initial)
    keys = ("h",) if spec.cell == "rnn" else ("y", "c")
    return {
        layer_key(k, l): getattr(layer, k)[start - 1].copy()
        for l, layer in enumerate(comp.layers)
        for k in keys
    }


def chunked_loss(spec, params, inputs, targets: Targets, starts, gates, truncate) -> float:
    """Σ over chunks of the loss from each chunk's unperturbed start (what truncation
    differentiates); the plain loss without truncation."""
    params = check_params(spec, params)
    total = 0.0
    for (start, stop), state, g in zip(chunks(len(inputs), truncate), starts, gates, strict=True):
        sub = slice_targets(targets, start, stop)
        comp = Problem(spec, params, inputs[start:stop], sub, state).computation()
        for layer, g0 in zip(comp.layers, g, strict=True):
            if g0 is not None:
                layer.gates0 = g0
        for t in range(stop - start):
            comp.forward_step(t)
        total += float(comp.loss.sum())
    return total


def setup(case):
    cell, variant, loss, L, truncate = case
    spec = stacked_spec(cell, variant, loss, L)
    params = random_params(spec, seed=7)
    inputs = random_inputs(spec, T, seed=7)
    targets = raw_targets(spec, T, (1, 3, 5), seed=7)
    state = random_state(spec, seed=7)
    problem = Problem.build(spec, params, inputs, targets, state, truncate)
    return spec, problem


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(map(str, c)))
def test_every_parameter_of_every_layer_matches_finite_differences(case) -> None:
    spec, problem = setup(case)
    truncate = problem.truncate
    runner = Runner(problem)
    runner.run_forward()
    runner.run_backward()
    grads = runner.grads()
    comp = runner.comp
    starts, gates = [], []
    for start, _ in chunks(T, truncate):
        starts.append(chunk_states(comp, spec, start, problem.initial_state))
        fgr = spec.variant.gate_recurrence
        gates.append(
            [
                (np.zeros(3 * spec.hidden_size) if start == 0 else layer.act[start - 1, 3:].copy())
                if fgr
                else None
                for layer in comp.layers
            ]
        )
    params = {k: np.array(a) for k, a in problem.params.items()}
    assert set(grads) == {f"d{k}" for k in param_shapes(spec)}
    targets = problem.targets

    def loss() -> float:
        return chunked_loss(spec, params, problem.inputs, targets, starts, gates, truncate)

    for key, arr in params.items():
        numeric = central_difference(loss, arr)
        assert relative_error(grads[f"d{key}"], numeric) < 1e-6, key


@pytest.mark.parametrize("case", [c for c in CASES if c[4] is None], ids=lambda c: c[0] + c[2])
def test_initial_state_of_every_layer_and_inputs_match_finite_differences(case) -> None:
    spec, problem = setup(case)
    result = run_trace(problem)
    state = {k: np.array(a) for k, a in problem.initial_state.items()}
    inputs = np.array(problem.inputs)

    def loss() -> float:
        p = Problem.build(spec, problem.params, inputs, problem.targets, state)
        return run_trace(p).loss

    for key, arr in state.items():
        assert relative_error(result.initial_state_grads[key], central_difference(loss, arr)) < 1e-6
    assert relative_error(result.backward["dx"], central_difference(loss, inputs)) < 1e-6


def test_layer_above_reads_the_hidden_output_below_and_hands_down_its_dx() -> None:
    spec = stacked_spec("lstm", "vanilla", "mse", 2)
    _, problem = setup(("lstm", "vanilla", "mse", 2, None))
    result = run_trace(problem)
    f, b = result.forward, result.backward
    assert np.array_equal(f["x@1"], f["y"])
    # Layer 0 alone on the same inputs computes the same y: nothing flows down in the forward pass.
    assert "v" in f and "v@1" not in f and "dv" in b and "dv@1" not in b
    runner = Runner(problem)
    runner.run_forward()
    runner.run_backward()
    for t in range(T):
        low = runner.comp.step_deltas(t, layer=0)
        top = runner.comp.step_deltas(t)
        assert np.array_equal(low["dy_from_above"], b["dx@1"][t])
        assert "dy_readout" not in low and "dv" not in low and "dy_readout" in top
        assert np.allclose(low["dy"], low["dy_from_above"] + low["dy_from_next"])
        assert "v" not in runner.comp.step_values(t, layer=0)
    assert spec.num_layers == 2


def test_one_layer_is_computed_exactly_as_before() -> None:
    spec = make_spec("lstm", "vanilla", "mse")
    assert param_shapes(spec)["V"] == (2, 3) and not any("@" in k for k in param_shapes(spec))
    problem = Problem.build(spec, random_params(spec, 1), random_inputs(spec, T, 1))
    assert type(problem.computation()).__name__ == "LSTMComputation"


def test_a_layer_out_of_range_is_refused_naming_the_layer() -> None:
    _, problem = setup(("rnn", "vanilla", "mse", 2, None))
    runner = Runner(problem)
    runner.run_forward()
    with pytest.raises(FieldError, match=r"layer: expected a layer in 0\.\.1"):
        runner.comp.step_values(0, layer=2)


def test_connectivity_through_the_stack_matches_a_finite_difference_jacobian() -> None:
    _, problem = setup(("lstm", "NP", "mse", 3, None))
    runner = Runner(problem)
    runner.run_forward()
    t_out = 4
    norms = runner.connectivity(t_out, "y_hat")
    inputs = np.array(problem.inputs)
    for t in range(t_out + 1):
        jac = np.zeros((problem.spec.output_size, problem.spec.input_size))
        for d in range(problem.spec.input_size):

            def out(d=d, t=t) -> np.ndarray:
                p = Problem.build(problem.spec, problem.params, inputs, None, problem.initial_state)
                return run_trace(p).forward["y_hat"][t_out]

            keep = inputs[t, d]
            inputs[t, d] = keep + 1e-6
            up = out()
            inputs[t, d] = keep - 1e-6
            down = out()
            inputs[t, d] = keep
            jac[:, d] = (up - down) / 2e-6
        assert abs(np.linalg.norm(jac) - norms[t]) < 1e-7 * max(1.0, norms[t])
