"""The training loop (engine/training.py with engine/optim.py and engine/clipping.py).

Deterministic for a seed; the loss falls on a tiny task; a huge learning rate is reported as
diverged=True with the parameters left as they were, never raised.
"""

from __future__ import annotations

import numpy as np
import pytest
from lstm_explorer.engine.init import init_params
from lstm_explorer.engine.problem import Problem
from lstm_explorer.engine.readout import Targets, make_targets
from lstm_explorer.engine.spec import ModelSpec
from lstm_explorer.engine.training import TrainConfig, Trainer, UpdateMetrics

from tests.engine.gradcheck import make_spec

T = 6


def sine_task(spec: ModelSpec) -> tuple[np.ndarray, Targets]:
    """Inputs t/T and a noise pair; targets sin(t) (MSE) or the sign of sin(t) (cross-entropy)."""
    rng = np.random.default_rng(5)
    inputs = np.column_stack([np.arange(T) / T, rng.standard_normal(T)])[:, : spec.input_size]
    if spec.loss == "cross_entropy":
        raw: list = [int(np.sin(t) > 0) for t in range(T)]
    else:
        raw = [[float(np.sin(t))] * spec.output_size for t in range(T)]
    return inputs, make_targets(raw, spec.loss, T, spec.output_size)


def train(
    spec: ModelSpec, config: TrainConfig, updates: int, seed: int = 1
) -> tuple[Trainer, list[UpdateMetrics]]:
    inputs, targets = sine_task(spec)
    trainer = Trainer(Problem.build(spec, init_params(spec, seed), inputs, targets), config)
    return trainer, list(trainer.run(updates))


CONFIGS = {
    "adam_clip_norm": TrainConfig("adam", 0.05, clip="norm", clip_threshold=1.0),
    "sgd_momentum_clip_value": TrainConfig(
        "sgd", 0.1, momentum=0.9, clip="value", clip_threshold=0.5
    ),
    "adam_truncated_k2": TrainConfig("adam", 0.05, clip=None, truncate=2),
}
MODELS = {"lstm": ("lstm", "vanilla"), "lstm_FGR": ("lstm", "FGR"), "rnn": ("rnn", "vanilla")}


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("model", MODELS)
def test_training_is_deterministic_for_a_seed(model: str, config: str) -> None:
    spec = make_spec(*MODELS[model], sizes=(2, 4, 1))
    first, a = train(spec, CONFIGS[config], 5)
    second, b = train(spec, CONFIGS[config], 5)
    assert a == b
    for key, value in first.params.items():
        assert np.array_equal(value, second.params[key]), key


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("model", MODELS)
def test_the_loss_falls_on_a_tiny_task(model: str, config: str) -> None:
    spec = make_spec(*MODELS[model], sizes=(2, 4, 1))
    trainer, metrics = train(spec, CONFIGS[config], 60)
    assert not any(m.diverged for m in metrics)
    assert [m.update for m in metrics] == list(range(1, 61))
    assert metrics[-1].loss < 0.3 * metrics[0].loss
    assert trainer.updates == 60


def test_cross_entropy_training_learns_the_labels() -> None:
    spec = make_spec(loss="cross_entropy", sizes=(2, 4, 2))
    _, metrics = train(spec, TrainConfig("adam", 0.05), 80)
    assert metrics[-1].loss < 0.2 * metrics[0].loss


def test_clipping_by_norm_is_reported() -> None:
    spec = make_spec(sizes=(2, 4, 1))
    _, metrics = train(spec, TrainConfig("sgd", 0.01, clip="norm", clip_threshold=1e-3), 1)
    m = metrics[0]
    assert m.clipped and m.grad_norm > 1e-3
    assert m.grad_norm_after_clip == pytest.approx(1e-3, rel=1e-9)


@pytest.mark.parametrize(
    "config",
    [TrainConfig("sgd", 1e10, clip=None), TrainConfig("adam", 1e300, clip=None)],
    ids=["sgd_lr_1e10", "adam_lr_1e300"],
)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_a_huge_learning_rate_is_reported_as_divergence_not_raised(
    config: TrainConfig, dtype: str
) -> None:
    spec = make_spec(sizes=(2, 4, 1), dtype=dtype)
    inputs, targets = sine_task(spec)
    problem = Problem.build(spec, init_params(spec, 1), inputs, targets)
    trainer = Trainer(problem, config)
    for _ in range(100):
        before = {k: v.copy() for k, v in trainer.params.items()}
        state_before = trainer.optimizer.state_dict()
        metrics = trainer.update()
        if metrics.diverged:
            break
    assert metrics.diverged and trainer.diverged
    for key, value in trainer.params.items():
        assert np.array_equal(value, before[key]), f"{key} changed on the diverged update"
        assert value.dtype == np.dtype(dtype)
    # the optimiser's moments must not have moved either, or the next update starts off
    state_after = trainer.optimizer.state_dict()
    assert state_after.get("t") == state_before.get("t")
    for slot in ("m", "v", "velocity"):
        for key, arr in state_before.get(slot, {}).items():
            assert np.array_equal(arr, state_after[slot][key]), f"{slot}.{key} moved"
    # run() reports the diverged update as its last, then stops: the same updates as above
    run = list(Trainer(problem, config).run(100))
    assert [m.diverged for m in run] == [False] * (metrics.update - 1) + [True]


def test_bad_training_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="learning_rate: expected a positive number"):
        TrainConfig("adam", float("inf"))
    with pytest.raises(ValueError, match="optimizer: expected one of"):
        TrainConfig("rmsprop")
    with pytest.raises(ValueError, match="clip: expected one of"):
        TrainConfig(clip="both")
    with pytest.raises(ValueError, match="clip_threshold: expected a positive number"):
        TrainConfig(clip="norm", clip_threshold=0.0)
