"""A BPTT sweep as the page runs it: one backward frame per step, each with the gradients
accumulated from T−1 down to t. Each frame adds one step's contribution (a sweep is O(T)),
the sums equal the whole-window gradients, replays read them back, and frames rebuilt from a
whole trace equal the stepped ones field for field.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from lstm_explorer.engine.clipping import global_norm
from lstm_explorer.engine.problem import Problem
from lstm_explorer.engine.runner import Runner

from tests.engine.gradcheck import (
    assert_identical,
    make_spec,
    random_inputs,
    random_params,
    random_state,
    raw_targets,
)

T = 9
MODELS = [("lstm", v) for v in ("vanilla", "NOG+NOAF", "NP+CIFG", "FGR")] + [("rnn", "vanilla")]
IDS = [v if c == "lstm" else "rnn" for c, v in MODELS]
TRUNCATIONS = {"full_bptt": None, "truncated_k4": 4}


def make_runner(cell: str, variant: str, truncate: int | None) -> Runner:
    spec = make_spec(cell, variant, "mse", (2, 4, 3))
    targets = raw_targets(spec, T, (0, 2, 3, 6, T - 1), 8)
    problem = Problem.build(
        spec,
        random_params(spec, 8),
        random_inputs(spec, T, 8),
        targets,
        random_state(spec, 8),
        truncate,
    )
    return Runner(problem)


def assert_grads_close(got: dict[str, np.ndarray] | None, want: dict[str, np.ndarray]) -> None:
    assert got is not None and list(got) == list(want)
    for key, value in want.items():
        np.testing.assert_allclose(got[key], value, rtol=1e-12, atol=1e-14, err_msg=key)


def count_windows(runner: Runner) -> list[int]:
    """From now on, the length of every window of steps the runner sums gradients over."""
    windows: list[int] = []
    inner = runner.comp.window_grads

    def counted(t_from: int, t_to: int) -> dict[str, np.ndarray]:
        windows.append(t_to - t_from)
        return inner(t_from, t_to)

    runner.comp.window_grads = counted  # type: ignore[method-assign]
    return windows


@pytest.mark.parametrize("truncate", TRUNCATIONS.values(), ids=TRUNCATIONS.keys())
@pytest.mark.parametrize(("cell", "variant"), MODELS, ids=IDS)
def test_a_sweep_shows_at_each_step_the_gradients_of_the_steps_reached(
    cell: str, variant: str, truncate: int | None
) -> None:
    runner = make_runner(cell, variant, truncate)
    for t in range(T - 1, -1, -1):
        frame = runner.step_backward()
        shown = runner.backward_frame(t, include_grads=True)
        want = runner.comp.grads(t)  # Σ over [t, T) in one product per parameter
        assert_grads_close(shown.grads, want)
        assert frame.grad_norm == shown.grad_norm
        assert shown.grad_norm == pytest.approx(global_norm(want), rel=1e-12)
    assert_grads_close(runner.backward_frame(0, include_grads=True).grads, runner.grads())


@pytest.mark.parametrize(("cell", "variant"), MODELS, ids=IDS)
def test_each_frame_of_a_sweep_adds_one_step_however_long_the_sequence(
    cell: str, variant: str
) -> None:
    """The work behind a frame is one step's contribution, not the window [t, T)."""
    runner = make_runner(cell, variant, None)
    runner.step_backward()  # the sums start with the first frame
    windows = count_windows(runner)
    for _ in range(T - 1):
        runner.step_backward()
    assert windows == [1] * (T - 1)
    for t in (T - 1, 3, 5):  # replaying a step reads its norm back: nothing is summed
        runner.seek(t, "backward")
    assert windows == [1] * (T - 1)


@pytest.mark.parametrize(("cell", "variant"), MODELS, ids=IDS)
def test_replayed_backward_frames_read_their_gradients_back(cell: str, variant: str) -> None:
    runner = make_runner(cell, variant, 4)
    sweep = {}
    for t in range(T - 1, -1, -1):
        runner.step_backward()
        sweep[t] = copy.deepcopy(runner.backward_frame(t, include_grads=True))
    for t in (T - 1, 5, 1, 0, 4):
        replay = runner.seek(t, "backward")
        assert replay.grad_norm == sweep[t].grad_norm  # cached: the very number first shown
        again = runner.backward_frame(t, include_grads=True)
        assert_grads_close(again.grads, sweep[t].grads)  # the sum minus the window below t
        assert_identical(again.deltas, sweep[t].deltas)


@pytest.mark.parametrize(("cell", "variant"), MODELS, ids=IDS)
def test_a_replayed_sweep_adds_one_step_per_frame_and_shows_the_first_sweeps_numbers(
    cell: str, variant: str
) -> None:
    """BPTT run again from T−1 over steps already summed (the stream's run_backward after a
    whole sweep): one step's contribution per frame, not the window below t, bit for bit."""
    runner = make_runner(cell, variant, 4)
    first = {}
    for t in range(T - 1, -1, -1):
        runner.step_backward()
        first[t] = copy.deepcopy(runner.backward_frame(t, include_grads=True))
    windows = count_windows(runner)
    for _ in range(2):
        windows.clear()
        for t in range(T - 1, -1, -1):
            runner.seek(t, "backward")
            assert_identical(runner.backward_frame(t, include_grads=True), first[t], f"bptt {t}")
            assert_identical(runner.backward_frame(t, include_grads=True), first[t], f"bptt {t}")
        assert windows == [1] * (T - 1)  # step 0 is the running sum itself: nothing added


@pytest.mark.parametrize("truncate", TRUNCATIONS.values(), ids=TRUNCATIONS.keys())
@pytest.mark.parametrize(("cell", "variant"), MODELS, ids=IDS)
def test_frames_rebuilt_from_a_whole_trace_equal_stepped_frames_field_for_field(
    cell: str, variant: str, truncate: int | None
) -> None:
    stepped = make_runner(cell, variant, truncate)
    forward = [copy.deepcopy(stepped.step_forward()) for _ in range(T)]
    backward = []
    for _ in range(T):
        t = stepped.step_backward().t
        backward.append(copy.deepcopy(stepped.backward_frame(t, include_grads=True)))

    whole = make_runner(cell, variant, truncate)
    whole.run_forward()
    whole.run_backward()
    for t in range(T):
        assert_identical(whole.forward_frame(t), forward[t], f"forward frame {t}")
    for frame in backward:  # T−1 first, as BPTT showed them
        assert_identical(
            whole.backward_frame(frame.t, include_grads=True), frame, f"bptt {frame.t}"
        )


@pytest.mark.parametrize(("cell", "variant"), MODELS, ids=IDS)
def test_a_seek_straight_to_a_step_shows_the_numbers_the_sweep_showed(
    cell: str, variant: str
) -> None:
    swept = make_runner(cell, variant, None)
    frames = {}
    for _ in range(T):
        frame = swept.step_backward()
        frames[frame.t] = frame
    fresh = make_runner(cell, variant, None)
    assert_identical(fresh.seek(2, "backward"), frames[2])  # the same additions, in order
    for t in (5, T - 1, 2):
        assert_identical(fresh.backward_frame(t), frames[t])


def test_the_norm_of_huge_or_tiny_gradients_neither_overflows_nor_underflows() -> None:
    from lstm_explorer.engine.grad_sums import _norm

    for scale in (1e200, 1e-200):
        arrays = {"a": np.full(3, 3.0 * scale), "b": np.full(1, 4.0 * scale)}
        flat = np.concatenate([a.ravel() for a in arrays.values()])
        assert _norm(flat, arrays) == pytest.approx(global_norm(arrays), rel=1e-12)
        assert _norm(flat, arrays) == pytest.approx(scale * np.sqrt(27 + 16), rel=1e-12)
