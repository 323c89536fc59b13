"""BPTT against central finite differences: every parameter, the inputs and the initial state.

Grid: every LSTM variant (and three combinations) and the simple RNN, × both losses, × full
and truncated BPTT (k = 2 on T = 5). Targets sit at some steps only (none at 0 and 3).
Truncated BPTT is checked against the chunked loss: each chunk of k steps restarts from the
unperturbed run's state, so a perturbation cannot travel across a chunk boundary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pytest
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.problem import Problem
from lstm_explorer.engine.readout import make_targets
from lstm_explorer.engine.runner import Runner
from lstm_explorer.engine.spec import ModelSpec

from tests.engine.gradcheck import (
    LOSSES,
    VARIANTS,
    central_difference,
    chunk_start_states,
    chunked_loss,
    make_spec,
    random_inputs,
    random_params,
    random_state,
    raw_targets,
    relative_error,
)

T = 5
TARGET_STEPS = (1, 2, 4)
TOLERANCE = 1e-6


@dataclass(frozen=True)
class Case:
    cell: str
    variant: str
    loss: str
    truncate: int | None

    @property
    def id(self) -> str:
        bptt = "full" if self.truncate is None else f"truncated_k{self.truncate}"
        name = "rnn" if self.cell == "rnn" else self.variant
        return f"{name}-{self.loss}-{bptt}"


CASES = [
    Case(cell, variant, loss, truncate)
    for cell, variant in [*(("lstm", v) for v in VARIANTS), ("rnn", "vanilla")]
    for loss in LOSSES
    for truncate in (None, 2)
]


@dataclass
class Solved:
    """One model on one sequence, BPTT done, and the chunked loss as a function of its arrays."""

    spec: ModelSpec
    params: dict[str, np.ndarray]
    inputs: np.ndarray
    initial_state: dict[str, np.ndarray]
    runner: Runner
    starts: list[dict[str, np.ndarray]]  # each chunk's start state in the unperturbed run

    def loss(self) -> float:
        """The loss as truncated BPTT sees it; reads params, inputs and initial_state afresh."""
        starts = [{**self.starts[0], **self.initial_state}, *self.starts[1:]]
        return chunked_loss(
            self.spec, self.params, self.inputs, self.runner.targets, starts, self.runner.truncate
        )


def build_problem(
    case: Case, seed: int = 0, target_steps: tuple[int, ...] = TARGET_STEPS
) -> Solved:
    spec = make_spec(case.cell, case.variant, case.loss)
    params = random_params(spec, seed)
    inputs = random_inputs(spec, T, seed)
    state = random_state(spec, seed)
    targets = raw_targets(spec, T, target_steps, seed)
    runner = Runner(Problem.build(spec, params, inputs, targets, state, case.truncate))
    runner.run_forward()
    runner.run_backward()
    return Solved(spec, params, inputs, state, runner, chunk_start_states(runner, case.truncate))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_every_parameter_gradient_matches_finite_differences(case: Case) -> None:
    problem = build_problem(case)
    grads = problem.runner.grads()
    assert sorted(grads) == sorted(f"d{k}" for k in problem.params)
    for key, value in problem.params.items():
        numeric = central_difference(problem.loss, value)
        err = relative_error(grads[f"d{key}"], numeric)
        assert err < TOLERANCE, f"d{key}: relative error {err:.2e}"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_input_errors_dx_match_finite_differences(case: Case) -> None:
    problem = build_problem(case)
    dx = problem.runner.backward_arrays()["dx"]
    numeric = central_difference(problem.loss, problem.inputs)
    assert relative_error(dx, numeric) < TOLERANCE


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_initial_state_gradients_match_finite_differences(case: Case) -> None:
    problem = build_problem(case)
    grads = problem.runner.initial_state_grads()
    assert sorted(grads) == sorted(problem.initial_state)
    for key, value in problem.initial_state.items():
        numeric = central_difference(problem.loss, value)
        err = relative_error(grads[key], numeric)
        assert err < TOLERANCE, f"initial state {key}: relative error {err:.2e}"


@pytest.mark.parametrize("cell", ["lstm", "rnn"])
def test_truncation_changes_the_gradients_it_should(cell: str) -> None:
    full = build_problem(Case(cell, "vanilla", "mse", None)).runner
    cut = build_problem(Case(cell, "vanilla", "mse", 2)).runner
    key = "dR_z" if cell == "lstm" else "dW"
    assert not np.allclose(full.grads()[key], cut.grads()[key])
    # the output readout does not see the recurrence: its gradient is the same either way
    out_key = "dV"
    np.testing.assert_array_equal(full.grads()[out_key], cut.grads()[out_key])


TARGET_LAYOUTS = {
    "many_to_one": (T - 1,),
    "first_step_only": (0,),
    "every_step": tuple(range(T)),
    "middle_only": (2,),
}


@pytest.mark.parametrize("layout", TARGET_LAYOUTS)
@pytest.mark.parametrize("cell", ["lstm", "rnn"])
def test_gradients_match_finite_differences_wherever_the_targets_sit(
    cell: str, layout: str
) -> None:
    case = Case(cell, "vanilla", "cross_entropy", None)
    problem = build_problem(case, seed=7, target_steps=TARGET_LAYOUTS[layout])
    grads = problem.runner.grads()
    for key, value in problem.params.items():
        numeric = central_difference(problem.loss, value)
        assert relative_error(grads[f"d{key}"], numeric) < TOLERANCE, key
    dx = problem.runner.backward_arrays()["dx"]
    np.testing.assert_array_equal(dx[max(TARGET_LAYOUTS[layout]) + 1 :], 0.0)


def test_a_sequence_without_targets_has_zero_loss_and_zero_gradients() -> None:
    spec = make_spec()
    runner = Runner(Problem.build(spec, random_params(spec, 1), random_inputs(spec, T, 1)))
    runner.run_forward()
    runner.run_backward()
    assert runner.loss() == 0.0
    assert all(not np.any(g) for g in runner.grads().values())


def _finite_difference_connectivity(
    spec: ModelSpec, params: dict, inputs: np.ndarray, t_out: int, output: str
) -> np.ndarray:
    """‖∂out(t_out)/∂x(t)‖_F from the Jacobian built column by column."""
    key = {"hidden": "h" if spec.cell == "rnn" else "y", "y_hat": "y_hat"}[output]
    targets = None

    def last_output() -> np.ndarray:
        runner = Runner(Problem.build(spec, params, inputs, targets))
        runner.run_forward()
        return runner.forward_arrays()[key][t_out].copy()

    norms = np.zeros(inputs.shape[0])
    for t in range(inputs.shape[0]):
        columns = []
        for d in range(inputs.shape[1]):
            keep = inputs[t, d]
            inputs[t, d] = keep + 1e-6
            up = last_output()
            inputs[t, d] = keep - 1e-6
            down = last_output()
            inputs[t, d] = keep
            columns.append((up - down) / 2e-6)
        norms[t] = np.linalg.norm(np.stack(columns, axis=1))
    return norms


CONNECTIVITY_CASES = [("lstm", v, "mse") for v in (*VARIANTS, "FGR+NP", "NOG+NP")] + [
    ("rnn", "vanilla", "mse"),
    ("lstm", "vanilla", "cross_entropy"),
    ("lstm", "CIFG", "cross_entropy"),
    ("rnn", "vanilla", "cross_entropy"),
]


@pytest.mark.parametrize("output", ["hidden", "y_hat"])
@pytest.mark.parametrize("t_out", [T - 1, 2], ids=["from_last_step", "from_step_2"])
@pytest.mark.parametrize(
    ("cell", "variant", "loss"),
    CONNECTIVITY_CASES,
    ids=[f"{c if c == 'rnn' else v}-{loss}" for c, v, loss in CONNECTIVITY_CASES],
)
def test_connectivity_matches_a_finite_difference_jacobian_norm(
    cell: str, variant: str, loss: str, t_out: int, output: str
) -> None:
    spec = make_spec(cell, variant, loss)
    params, inputs = random_params(spec, 3), random_inputs(spec, T, 3)
    runner = Runner(Problem.build(spec, params, inputs))
    runner.run_forward()
    comp = runner.comp
    got = comp.connectivity(t_out, None if output == "hidden" else "y_hat")
    numeric = _finite_difference_connectivity(spec, params, inputs, t_out, output)
    assert relative_error(got, numeric) < TOLERANCE
    np.testing.assert_array_equal(got[t_out + 1 :], 0.0)  # the future does not feed the past
    assert np.all(got[: t_out + 1] > 0)


def test_connectivity_of_a_step_not_computed_forward_is_refused_naming_t() -> None:
    spec = make_spec()
    runner = Runner(Problem.build(spec, random_params(spec, 3), random_inputs(spec, T, 3)))
    with pytest.raises(FieldError, match=re.escape("t: expected a step computed forward (none")):
        runner.connectivity(0)
    runner.seek(2)
    assert runner.connectivity(2).shape == (3,)
    np.testing.assert_array_equal(
        runner.connectivity(1, "y_hat"), runner.comp.connectivity(1, "y_hat")[:2]
    )
    for bad in (3, -1, True):
        with pytest.raises(
            FieldError, match=re.escape("t: expected a step computed forward (0..2)")
        ) as err:
            runner.connectivity(bad)  # type: ignore[arg-type]
        assert err.value.loc == ("t",)
    with pytest.raises(FieldError, match="output: expected 'y' or 'y_hat'"):
        runner.connectivity(2, "h")


def test_connectivity_after_bptt_is_the_same_and_ignores_truncation() -> None:
    """The Jacobian is the model's, not truncated BPTT's; BPTT having run changes nothing."""
    spec = make_spec(variant="FGR")
    params, inputs = random_params(spec, 3), random_inputs(spec, T, 3)
    runner = Runner(Problem.build(spec, params, inputs, truncate=2))
    runner.run_forward()
    before = runner.comp.connectivity(T - 1)
    runner.run_backward()
    np.testing.assert_array_equal(runner.comp.connectivity(T - 1), before)
    assert before[0] > 0  # reaches across the truncation boundaries


def test_targets_helper_builds_what_the_runner_reads() -> None:
    spec = make_spec(loss="cross_entropy")
    targets = make_targets(raw_targets(spec, T, TARGET_STEPS, 0), spec.loss, T, spec.output_size)
    assert list(np.nonzero(targets.mask)[0]) == list(TARGET_STEPS)
