"""Frames of a stack: every layer's quantities at step t (`stack`, the page's overview) are the
trace's own, and the δ layer l hands down to layer l − 1 (its dx) is ∂L/∂x of layer l by finite
differences, arriving unchanged as the dy_from_above of the layer below."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from lstm_explorer.engine.problem import Problem
from lstm_explorer.engine.runner import Runner
from lstm_explorer.engine.sequence import run_trace
from lstm_explorer.engine.spec import READOUT_PARAMS, layer_key, split_layer_key

from tests.engine.gradcheck import central_difference, relative_error
from tests.engine.test_stacked import T, setup

CASES = [
    ("lstm", "vanilla", "mse", 2, None),
    ("lstm", "CIFG", "cross_entropy", 3, None),
    ("lstm", "NIG+NOG", "mse", 2, 2),
    ("lstm", "FGR", "mse", 2, None),
    ("rnn", "vanilla", "mse", 3, None),
]
ID = "-".join


def stepped(case) -> tuple[Runner, Problem]:
    _, problem = setup(case)
    runner = Runner(problem)
    runner.run_forward()
    runner.run_backward()
    return runner, problem


@pytest.mark.parametrize("case", CASES, ids=lambda c: ID(map(str, c)))
def test_a_stack_frame_carries_every_layers_quantities_of_its_step(case) -> None:
    runner, problem = stepped(case)
    L = problem.spec.num_layers
    forward, backward = runner.forward_arrays(), runner.backward_arrays()
    for t in range(T):
        for shown in range(L):
            fwd = runner.forward_frame(t, layer=shown)
            bwd = runner.backward_frame(t, layer=shown)
            assert fwd.stack is not None and bwd.stack is not None
            for frame_stack, arrays in ((fwd.stack, forward), (bwd.stack, backward)):
                for key, rows in frame_stack.items():
                    assert rows.shape == (L, problem.spec.hidden_size), key
                    for l in range(L):
                        assert np.array_equal(rows[l], arrays[layer_key(key, l)][t]), (key, l)
        assert set(fwd.stack) == (
            {"h", "a"} if case[0] == "rnn" else {"c", "y", "z", "i", "f", "o"}
        )


def test_a_gate_the_variant_lacks_has_no_error_in_the_stack() -> None:
    runner, _ = stepped(("lstm", "NIG+NOG", "mse", 2, 2))
    stack = runner.backward_frame(0).stack
    assert stack is not None
    assert set(stack) == {"dc", "dy", "dz_bar", "df_bar"}
    values = runner.forward_frame(0).stack
    assert values is not None and np.array_equal(values["i"], np.ones_like(values["i"]))


def test_a_one_layer_frame_has_no_stack() -> None:
    runner, _ = stepped(("lstm", "vanilla", "mse", 1, None))
    assert runner.forward_frame(0).stack is None and runner.backward_frame(0).stack is None


def upper_stack(problem: Problem, l: int, inputs: np.ndarray) -> Problem:
    """Layers l … L−1 of the stack alone, renumbered from 0, reading `inputs` as their x."""
    spec = problem.spec
    readout = READOUT_PARAMS[spec.cell]
    sub = replace(spec, input_size=spec.hidden_size, num_layers=spec.num_layers - l)

    def renumbered(named: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        out = {}
        for key, a in named.items():
            base, k = split_layer_key(key)
            if key in readout:
                out[key] = a
            elif k >= l:
                out[layer_key(base, k - l)] = a
        return out

    return Problem.build(
        sub, renumbered(problem.params), inputs, problem.targets, renumbered(problem.initial_state)
    )


@pytest.mark.parametrize("case", [c for c in CASES if c[4] is None], ids=lambda c: ID(map(str, c)))
def test_the_delta_handed_down_is_the_loss_gradient_of_the_layers_input(case) -> None:
    runner, problem = stepped(case)
    L = problem.spec.num_layers
    hidden = "h" if case[0] == "rnn" else "y"
    forward, backward = runner.forward_arrays(), runner.backward_arrays()
    for l in range(1, L):
        x = np.array(forward[layer_key(hidden, l - 1)])  # layer l's input: y of layer l − 1
        assert np.array_equal(x, forward[layer_key("x", l)])

        def loss(x: np.ndarray = x, l: int = l) -> float:
            return run_trace(upper_stack(problem, l, x)).loss

        assert relative_error(backward[layer_key("dx", l)], central_difference(loss, x)) < 1e-6
        from_above = "dh_from_above" if case[0] == "rnn" else "dy_from_above"
        for t in range(T):
            below = runner.backward_frame(t, layer=l - 1)
            assert np.array_equal(below.deltas[from_above], backward[layer_key("dx", l)][t])
