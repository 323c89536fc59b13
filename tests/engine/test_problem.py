"""The Problem: one model on one sequence, validated once, and the one registry of cells."""

from __future__ import annotations

import numpy as np
import pytest
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.lstm import LSTMComputation
from lstm_explorer.engine.problem import COMPUTATIONS, Problem, cell_class
from lstm_explorer.engine.rnn import RNNComputation
from lstm_explorer.engine.runner import Runner
from lstm_explorer.engine.sequence import run_trace

from tests.engine.gradcheck import make_spec, random_inputs, random_params, raw_targets

SPEC = make_spec()  # D=2, H=3, O=2, vanilla, MSE


def build(**changes: object) -> Problem:
    args: dict = {
        "spec": SPEC,
        "params": random_params(SPEC, 0),
        "inputs": random_inputs(SPEC, 5, 0),
    }
    args.update(changes)
    return Problem.build(**args)


def test_build_copies_what_it_is_given_so_the_trace_cannot_change_under_it() -> None:
    params, state = random_params(SPEC, 0), {"y": np.full(3, 0.5)}
    problem = Problem.build(SPEC, params, random_inputs(SPEC, 5, 0), initial_state=state)
    params["W_z"][:] = 9.0
    state["y"][:] = 9.0
    assert not np.any(problem.params["W_z"] == 9.0) and np.all(problem.initial_state["y"] == 0.5)
    assert np.array_equal(problem.initial_state["c"], np.zeros(3))  # zeros where not given


@pytest.mark.parametrize(("cell", "cls"), [("lstm", LSTMComputation), ("rnn", RNNComputation)])
def test_the_registry_picks_the_computation_of_the_cell(cell: str, cls: type) -> None:
    spec = make_spec(cell)
    problem = Problem.build(spec, random_params(spec, 0), random_inputs(spec, 4, 0))
    assert cell_class(spec) is cls is COMPUTATIONS[cell] and cls.cell == cell
    assert type(problem.computation()) is cls
    assert problem.computation() is not problem.computation()  # a fresh trace each time


def test_with_params_validates_and_keeps_the_sequence() -> None:
    problem = build(targets=raw_targets(SPEC, 5, (1, 4), 0), truncate=2)
    other = problem.with_params(random_params(SPEC, 1))
    assert other.inputs is problem.inputs and other.targets is problem.targets
    assert other.truncate == 2 and not np.array_equal(other.params["V"], problem.params["V"])
    with pytest.raises(FieldError) as err:
        problem.with_params({**random_params(SPEC, 1), "W_z": np.zeros((2, 3))})
    assert err.value.loc == ("params", "W_z")


def test_with_sequence_validates_and_keeps_the_model() -> None:
    problem = build(initial_state={"c": np.ones(3)}, truncate=3)
    other = problem.with_sequence(random_inputs(SPEC, 8, 1), raw_targets(SPEC, 8, (7,), 1))
    assert other.T == 8 and other.targets.length == 8 and list(other.targets.mask).count(True) == 1
    assert other.params is problem.params and other.truncate == 3
    assert np.array_equal(other.initial_state["c"], np.ones(3))
    with pytest.raises(FieldError) as err:
        problem.with_sequence(np.zeros((4, 3)), None)
    assert err.value.loc == ("inputs",)
    with pytest.raises(FieldError) as err:
        problem.with_sequence(np.zeros((4, 2)), [None] * 5)
    assert err.value.loc == ("targets",)


def test_a_truncation_of_the_whole_sequence_or_more_is_full_bptt() -> None:
    """k ≥ T cuts nothing: the problem keeps the k it was given (a longer sequence may come)."""
    targets = raw_targets(SPEC, 5, (1, 3, 4), 0)
    full = run_trace(build(targets=targets))
    for k in (5, 9):
        problem = build(targets=targets, truncate=k)
        assert problem.truncate == k and Runner(problem).truncate is None
        for key, value in run_trace(problem).grads.items():
            np.testing.assert_array_equal(value, full.grads[key])
    with pytest.raises(FieldError) as err:
        build(truncate=0)
    assert err.value.loc == ("truncate",)
