"""Training on the task: fresh minibatches per update, a held-out set apart from them, mean gradients."""

from __future__ import annotations

import numpy as np
import pytest
from lstm_explorer.engine.batches import (
    FitPlan,
    TaskSampler,
    batch_loss_and_grads,
    fit_plan,
    mean_loss,
    sequence_loss_and_grads,
    targets_of,
)
from lstm_explorer.engine.datasets import windows
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.init import init_params
from lstm_explorer.engine.problem import Problem
from lstm_explorer.engine.spec import ModelSpec
from lstm_explorer.engine.tasks import TASKS, make_task
from lstm_explorer.engine.training import TrainConfig, Trainer

from tests.engine.gradcheck import make_spec, random_params

GENERATED = [n for n in TASKS if windows(n) is None]
DATA_SETS = [n for n in TASKS if windows(n) is not None]


def key(task) -> bytes:
    """A sequence's identity: its inputs and targets, byte for byte."""
    out = task.labels if task.labels is not None else np.nan_to_num(task.targets, nan=-9.0)
    return task.inputs.tobytes() + out.tobytes()


@pytest.mark.parametrize("name", list(TASKS))
def test_draws_are_deterministic_for_a_seed(name: str) -> None:
    a, b = TaskSampler.for_task(name, {}, seed=3), TaskSampler.for_task(name, {}, seed=3)
    assert [key(t) for t in a.batch(5, 4)] == [key(t) for t in b.batch(5, 4)]
    assert [key(t) for t in a.heldout()] == [key(t) for t in b.heldout()]


@pytest.mark.parametrize("name", [n for n in TASKS if n != "copy"])
def test_every_update_draws_different_sequences(name: str) -> None:
    sampler = TaskSampler.for_task(name, {}, seed=0)
    first, second = sampler.batch(0, 4), sampler.batch(1, 4)
    assert {key(t) for t in first} != {key(t) for t in second}
    assert len({key(t) for t in sampler.batch(0, 8)}) > 1  # and within a batch


def test_copy_draws_change_with_the_update_too() -> None:
    sampler = TaskSampler.for_task("copy", {}, seed=0)
    symbols = [tuple(t.extra["symbol"] for t in sampler.batch(k, 8)) for k in range(4)]
    assert len(set(symbols)) > 1


@pytest.mark.parametrize("name", GENERATED)
def test_the_shown_sequence_is_the_first_held_out_one(name: str) -> None:
    sampler = TaskSampler.for_task(name, {}, seed=11)
    assert key(sampler.heldout()[0]) == key(make_task(name, seed=11))


@pytest.mark.parametrize("name", ["sine", "adding", "weather", "echo"])
def test_held_out_sequences_are_never_among_the_training_draws(name: str) -> None:
    sampler = TaskSampler.for_task(name, {}, seed=2)
    held = {key(t) for t in sampler.heldout()}
    trained = {key(t) for k in range(200) for t in sampler.batch(k, 4)}
    assert len(held) == len(sampler.heldout()) == 8
    assert not held & trained


@pytest.mark.parametrize("name", DATA_SETS)
def test_data_set_draws_never_touch_the_held_out_part(name: str) -> None:
    sampler = TaskSampler.for_task(name, {}, seed=4)
    split = windows(name)
    T = sampler.options["length"]
    starts = [t.extra["offset"] for k in range(100) for t in sampler.batch(k, 8)]
    assert max(starts) + T < split.n_train  # the last training target is a training value
    held = [t.extra["offset"] for t in sampler.heldout()]
    assert min(held) == split.n_train and max(held) + T < split.n
    assert len(set(held)) == len(held) >= 2
    assert len(set(starts)) > 20  # many windows, not one


def test_a_window_longer_than_the_held_out_part_is_refused_naming_length() -> None:
    fit_plan("nile", {"length": 29}, seed=0)  # 30 held-out values: one window of 29 steps
    with pytest.raises(FieldError) as err:
        fit_plan("nile", {"length": 30}, seed=0)
    assert err.value.loc == ("task", "options", "length")


def numeric_grads(spec: ModelSpec, params: dict, batch: list, eps: float = 1e-6) -> dict:
    """Central differences of the batch's mean loss, one parameter entry at a time."""
    out = {}
    for name, value in params.items():
        grad = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            losses = []
            for sign in (1, -1):
                shifted = {k: v.copy() for k, v in params.items()}
                shifted[name][idx] += sign * eps
                losses.append(batch_loss_and_grads(spec, shifted, batch)[0])
            grad[idx] = (losses[0] - losses[1]) / (2 * eps)
        out["d" + name] = grad
    return out


@pytest.mark.parametrize(
    ("cell", "variant", "task"),
    [("lstm", "vanilla", "sine"), ("lstm", "FGR", "reber"), ("rnn", "vanilla", "adding")],
    ids=["lstm-sine", "lstm_FGR-reber", "rnn-adding"],
)
def test_a_batch_of_three_averages_the_gradients_exactly(
    cell: str, variant: str, task: str
) -> None:
    sampler = TaskSampler.for_task(task, {"length": 5}, seed=1)
    tasks = sampler.batch(0, 3)
    spec = make_spec(cell, variant, tasks[0].loss, (tasks[0].input_size, 3, tasks[0].output_size))
    params = random_params(spec, seed=2)
    batch = [(t.inputs, targets_of(t)) for t in tasks]
    loss, grads = batch_loss_and_grads(spec, params, batch)
    singles = [sequence_loss_and_grads(spec, params, x, y) for x, y in batch]
    assert loss == pytest.approx(np.mean([s[0] for s in singles]), rel=1e-12)
    numeric = numeric_grads(spec, params, batch)
    for k, g in grads.items():
        np.testing.assert_allclose(g, np.mean([s[1][k] for s in singles], axis=0), rtol=1e-12)
        np.testing.assert_allclose(g, numeric[k], rtol=1e-5, atol=1e-7, err_msg=k)


def test_batch_size_one_is_one_sequence_training_bit_for_bit() -> None:
    task = make_task("sine", seed=0, length=12)
    spec = make_spec(sizes=(1, 4, 1))
    params = init_params(spec, 0)
    problem = Problem.build(spec, params, task.inputs, targets_of(task))
    plain, batched = Trainer(problem, TrainConfig()), Trainer(problem, TrainConfig())
    batched.set_batch([(task.inputs, targets_of(task))])
    for _ in range(3):
        assert plain.update() == batched.update()
    for k in plain.params:
        assert np.array_equal(plain.params[k], batched.params[k])


def test_training_on_the_task_generalises_where_fitting_one_sequence_memorises() -> None:
    """The lesson of the page: on `adding`, one sequence is learnt by heart, the task is not."""
    spec = ModelSpec("lstm", 2, 8, 1, loss="mse")
    results = {}
    for fit in ("task", "sequence"):
        plan = fit_plan(
            "adding", {"length": 10}, seed=0, fit=fit, batch_size=8 if fit == "task" else 1
        )
        shown = plan.sampler.heldout()[0]
        trainer = Trainer(
            Problem.build(spec, init_params(spec, 0), shown.inputs, targets_of(shown)),
            TrainConfig(learning_rate=0.02),
        )
        for _ in range(150):
            plan.prepare(trainer)
            metrics = trainer.update()
        results[fit] = (metrics.loss, plan.heldout_loss(spec, trainer.params))
    train_seq, heldout_seq = results["sequence"]
    assert train_seq < 1e-3 < heldout_seq  # the one sequence: near zero; the others: not
    assert results["task"][1] < heldout_seq


def test_fit_plan_defaults_follow_the_session_source() -> None:
    assert (fit_plan("sine", {}, 0).fit, fit_plan("sine", {}, 0).batch_size) == ("task", 8)
    own = fit_plan("csv", {}, 0)
    assert (own.fit, own.batch_size, own.sampler) == ("sequence", 1, None)
    with pytest.raises(FieldError) as err:
        fit_plan("csv", {}, 0, fit="task")
    assert err.value.loc == ("fit",)
    with pytest.raises(FieldError) as err:
        FitPlan("sequence", 4, 10, None)
    assert err.value.loc == ("batch_size",)


def test_the_held_out_loss_is_the_mean_over_the_held_out_sequences() -> None:
    plan = fit_plan("sine", {"length": 8}, seed=5)
    spec = ModelSpec("lstm", 1, 4, 1, loss="mse")
    params = init_params(spec, 1)
    each = [mean_loss(spec, params, [t]) for t in plan.sampler.heldout()]
    assert plan.heldout_loss(spec, params) == pytest.approx(np.mean(each))
    assert [plan.heldout_due(u) for u in (1, 9, 10, 20)] == [False, False, True, True]
