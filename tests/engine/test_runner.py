"""The Runner: stepping one step at a time gives exactly the arrays of a whole run, frames replay.

Exact means np.array_equal: stepping, run_forward/run_backward, run_trace, seek and rewind all
read or write the same trace, so not one bit may differ.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from lstm_explorer.engine.init import init_params
from lstm_explorer.engine.problem import Problem
from lstm_explorer.engine.runner import Runner
from lstm_explorer.engine.sequence import run_trace

from tests.engine.gradcheck import (
    VARIANTS,
    assert_identical,
    central_difference,
    make_spec,
    random_inputs,
    random_params,
    random_state,
    raw_targets,
    relative_error,
)

T = 6
MODELS = [("lstm", v) for v in ("vanilla", "NFG", "CIFG", "FGR", "NOG+NOAF")] + [("rnn", "vanilla")]
MODEL_IDS = [v if c == "lstm" else "rnn" for c, v in MODELS]


def make_runner(
    cell: str = "lstm",
    variant: str = "vanilla",
    loss: str = "mse",
    truncate: int | None = None,
    length: int = T,
    sizes: tuple[int, int, int] = (2, 3, 2),
    seed: int = 0,
    dtype: str = "float64",
) -> Runner:
    spec = make_spec(cell, variant, loss, sizes, dtype)
    targets = raw_targets(spec, length, (*range(0, length, 2), length - 1), seed)
    problem = Problem.build(
        spec,
        random_params(spec, seed),
        random_inputs(spec, length, seed),
        targets,
        random_state(spec, seed),
        truncate,
    )
    return Runner(problem)


@pytest.mark.parametrize("truncate", [None, 2], ids=["full_bptt", "truncated_k2"])
@pytest.mark.parametrize(("cell", "variant"), MODELS, ids=MODEL_IDS)
def test_stepping_one_step_at_a_time_gives_exactly_the_whole_run(
    cell: str, variant: str, truncate: int | None
) -> None:
    stepped = make_runner(cell, variant, truncate=truncate)
    forward = [copy.deepcopy(stepped.step_forward()) for _ in range(T)]
    backward = [copy.deepcopy(stepped.step_backward()) for _ in range(T)]
    whole = make_runner(cell, variant, truncate=truncate)
    whole.run_forward()
    whole.run_backward()
    trace = run_trace(whole.problem)
    for runner in (stepped, whole):
        assert_identical(runner.forward_arrays(), trace.forward, "forward")
        assert_identical(runner.backward_arrays(), trace.backward, "backward")
        assert_identical(runner.grads(), trace.grads, "grads")
        assert_identical(runner.initial_state_grads(), trace.initial_state_grads, "state grads")
        assert runner.loss() == trace.loss
    for t, frame in enumerate(forward):
        assert frame.t == t
        for key, want in trace.forward.items():
            assert np.array_equal(frame.values[key], want[t]), f"forward {key} at {t}"
    for frame, t in zip(backward, range(T - 1, -1, -1), strict=True):
        assert frame.t == t
        for key, want in trace.backward.items():
            assert np.array_equal(frame.deltas[key], want[t]), f"backward {key} at {t}"


@pytest.mark.parametrize(("cell", "variant"), MODELS, ids=MODEL_IDS)
def test_rewind_and_seek_replay_identical_forward_frames(cell: str, variant: str) -> None:
    runner = make_runner(cell, variant)
    first = [copy.deepcopy(runner.step_forward()) for _ in range(4)]
    assert_identical(runner.step_back(), first[2])
    assert_identical(runner.step_back(), first[1])
    assert_identical(runner.step_forward(), first[2])
    assert_identical(runner.seek(0), first[0])
    assert runner.forward_t == 1
    later = runner.seek(T - 1)  # computes the rest on the way
    assert runner.computed_forward == T and later.t == T - 1
    for t in range(4):
        assert_identical(runner.seek(t), first[t])


@pytest.mark.parametrize("truncate", [None, 2], ids=["full_bptt", "truncated_k2"])
@pytest.mark.parametrize(("cell", "variant"), MODELS, ids=MODEL_IDS)
def test_seek_replays_identical_backward_frames(
    cell: str, variant: str, truncate: int | None
) -> None:
    runner = make_runner(cell, variant, truncate=truncate)
    stepped = {f.t: copy.deepcopy(f) for f in (runner.step_backward() for _ in range(T))}
    for t in (3, 0, T - 1, 2):
        assert_identical(runner.seek(t, "backward"), stepped[t])
        assert runner.backward_t == t
    fresh = make_runner(cell, variant, truncate=truncate)
    assert_identical(fresh.seek(2, "backward"), stepped[2])  # computed on the way down
    assert fresh.computed_backward == 2
    assert_identical(fresh.backward_frame(4, include_grads=True).deltas, stepped[4].deltas)


def test_a_reset_run_recomputes_the_same_numbers() -> None:
    runner = make_runner()
    runner.run_forward()
    runner.run_backward()
    before = copy.deepcopy((runner.forward_arrays(), runner.backward_arrays(), runner.grads()))
    runner.reset()
    assert (runner.forward_t, runner.backward_t, runner.computed_forward) == (0, T, 0)
    runner.run_forward()
    runner.run_backward()
    assert_identical(runner.forward_arrays(), before[0], "forward")
    assert_identical(runner.backward_arrays(), before[1], "backward")
    assert_identical(runner.grads(), before[2], "grads")


def test_the_same_seed_and_params_give_the_same_results() -> None:
    spec = make_spec(variant="FGR")
    inputs = random_inputs(spec, T, 4)
    targets = raw_targets(spec, T, (5,), 0)
    a = run_trace(Problem.build(spec, init_params(spec, seed=11), inputs, targets))
    b = run_trace(Problem.build(spec, init_params(spec, seed=11), inputs, targets))
    c = run_trace(Problem.build(spec, init_params(spec, seed=12), inputs, targets))
    assert_identical(a.forward, b.forward)
    assert_identical(a.grads, b.grads)
    assert a.loss == b.loss != c.loss


def test_partial_bptt_sums_the_gradients_of_the_steps_it_has_reached() -> None:
    runner = make_runner()
    for _ in range(3):
        runner.step_backward()
    assert runner.backward_t == runner.computed_backward == T - 3 and not runner.backward_done
    partial = runner.grads()
    steps = [runner.comp.grads(t, t + 1) for t in range(T - 3, T)]
    shown = runner.backward_frame(T - 3, include_grads=True).grads
    assert shown is not None and list(shown) == list(partial)
    for key, value in partial.items():
        np.testing.assert_allclose(value, sum(s[key] for s in steps), rtol=0, atol=1e-15)
        np.testing.assert_allclose(shown[key], value, rtol=0, atol=1e-15)
    arrays = runner.backward_arrays()
    assert not np.any(arrays["dy"][: T - 3]) and np.all(np.any(arrays["dy"][T - 3 :], axis=1))


def test_cursors_move_as_the_page_expects() -> None:
    runner = make_runner()
    assert (runner.forward_t, runner.backward_t) == (0, T)
    assert runner.step_forward().t == 0 and runner.forward_t == 1
    runner.step_backward()  # BPTT first completes the forward pass
    assert runner.forward_done and runner.forward_t == T and runner.backward_t == T - 1
    runner.set_truncate(2)
    assert runner.backward_t == runner.computed_backward == T and runner.truncate == 2
    runner.set_truncate(T)  # a chunk as long as the sequence is no truncation
    assert runner.truncate is None


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (lambda r: [r.step_forward() for _ in range(T + 1)], "already at the last step"),
        (lambda r: r.step_back(), "already at the first step"),
        (lambda r: (r.step_forward(), r.step_back()), "already at the first step"),
        (lambda r: [r.step_backward() for _ in range(T + 1)], "already reached step 0"),
        (lambda r: r.forward_frame(0), "step 0 has not been computed forward"),
        (lambda r: (r.step_forward(), r.forward_frame(1)), "step 1 has not been computed forward"),
        (lambda r: r.backward_frame(T - 1), f"step {T - 1} has not been computed backward"),
        (
            lambda r: (r.step_backward(), r.backward_frame(2)),
            "step 2 has not been computed backward",
        ),
        (lambda r: r.seek(T), f"expected a step in 0..{T - 1}, got {T}"),
        (lambda r: r.seek(-1, "backward"), "expected a step in 0..5, got -1"),
        (lambda r: r.seek(True), "expected a step in 0..5, got True"),
        (lambda r: r.seek(1, "sideways"), "expected 'forward' or 'backward'"),
        (lambda r: r.grads(), "BPTT has not started"),
        (lambda r: (r.step_backward(), r.initial_state_grads()), "BPTT has not reached step 0"),
        (lambda r: r.set_truncate(0), "truncate: expected a positive number of steps"),
    ],
    ids=[
        "stepping_past_the_end",
        "stepping_back_before_any_step",
        "stepping_back_past_the_first",
        "bptt_past_step_0",
        "frame_before_any_step",
        "frame_not_yet_computed",
        "backward_frame_before_bptt",
        "backward_frame_not_yet_reached",
        "seek_past_the_end",
        "seek_below_zero",
        "seek_to_a_bool",
        "seek_in_an_unknown_direction",
        "grads_before_bptt",
        "state_grads_before_step_0",
        "truncate_zero",
    ],
)
def test_cursor_mistakes_are_refused_with_a_clear_message(action, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        action(make_runner())


EDGE_SIZES = {
    "T1": (1, (2, 3, 2)),
    "H1": (4, (2, 1, 2)),
    "D1": (4, (1, 3, 2)),
    "all_ones": (1, (1, 1, 1)),
}


@pytest.mark.parametrize("edge", EDGE_SIZES)
@pytest.mark.parametrize(
    ("cell", "variant"), [*(("lstm", v) for v in VARIANTS), ("rnn", "vanilla")]
)
def test_tiny_sizes_run_and_their_gradients_match_finite_differences(
    cell: str, variant: str, edge: str
) -> None:
    length, sizes = EDGE_SIZES[edge]
    runner = make_runner(
        cell, variant, "cross_entropy" if sizes[2] > 1 else "mse", None, length, sizes
    )
    runner.run_forward()
    runner.run_backward()
    grads = runner.grads()

    def loss() -> float:
        again = Runner(runner.problem.with_params(params))
        again.run_forward()
        return again.loss()

    params = runner.params
    for key, value in params.items():
        assert relative_error(grads[f"d{key}"], central_difference(loss, value)) < 1e-6, key
    assert runner.backward_arrays()["dx"].shape == (length, sizes[0])


@pytest.mark.parametrize(("cell", "variant"), MODELS, ids=MODEL_IDS)
def test_float32_is_float32_everywhere_and_close_to_float64(cell: str, variant: str) -> None:
    single = make_runner(cell, variant, dtype="float32")
    double = make_runner(cell, variant)
    for runner in (single, double):
        runner.run_forward()
        runner.run_backward()
    groups = ("forward_arrays", "backward_arrays", "grads", "initial_state_grads")
    for name in groups:
        got, want = getattr(single, name)(), getattr(double, name)()
        for key, value in got.items():
            assert value.dtype == np.float32, f"{name}.{key} is {value.dtype}"
            assert relative_error(value, want[key]) < 1e-5, f"{name}.{key}"
    frame = single.seek(2)
    assert all(v.dtype == np.float32 for v in frame.values.values())
    assert all(v.dtype == np.float32 for v in single.seek(2, "backward").deltas.values())  # type: ignore[union-attr]
    assert abs(single.loss() - double.loss()) < 1e-5 * max(1.0, abs(double.loss()))


@pytest.mark.parametrize("variant", ["NIG", "NFG", "NOG"])
def test_a_removed_gate_is_reported_as_constant_one(variant: str) -> None:
    runner = make_runner("lstm", variant)
    runner.run_forward()
    gate = variant[1].lower()
    assert np.array_equal(runner.forward_arrays()[gate], np.ones((T, 3)))
    assert np.array_equal(runner.seek(3).values[gate], np.ones(3))
    assert f"{gate}_bar" not in runner.forward_arrays()


def test_cifg_reports_its_forget_gate_as_one_minus_the_input_gate() -> None:
    runner = make_runner("lstm", "CIFG")
    runner.run_forward()
    arrays = runner.forward_arrays()
    assert np.array_equal(arrays["f"], 1.0 - arrays["i"]) and "f_bar" not in arrays


@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
def test_targets_from_an_array_equal_targets_from_lists(loss: str) -> None:
    from lstm_explorer.engine.readout import make_targets

    rng = np.random.default_rng(3)
    if loss == "mse":
        arr = rng.normal(size=(7, 2))
        arr[[1, 4]] = np.nan
        rows: list = [None if np.isnan(r[0]) else r.tolist() for r in arr]
    else:
        arr = rng.integers(-1, 3, size=7)
        rows = [None if v < 0 else int(v) for v in arr]
    fast, slow = (
        make_targets(arr, loss, 7, 3 if loss == "cross_entropy" else 2),
        make_targets(rows, loss, 7, 3 if loss == "cross_entropy" else 2),
    )
    assert np.array_equal(fast.mask, slow.mask)
    for name in ("values", "labels"):
        a, b = getattr(fast, name), getattr(slow, name)
        assert (a is None and b is None) or np.array_equal(a, b)
