"""Training on one sequence: forward, BPTT, clipping, an optimiser update; metrics after each update."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from engine.clipping import clip_by_global_norm, clip_by_value, global_norm
from engine.optim import SGD, Adam
from engine.readout import Targets
from engine.runner import Runner
from engine.spec import ModelSpec, check_params

OPTIMIZERS = ("sgd", "adam")
CLIP_KINDS = ("norm", "value")


@dataclass(frozen=True)
class TrainConfig:
    """How to train: optimiser, learning rate, clipping and truncated BPTT."""

    optimizer: str = "adam"
    learning_rate: float = 0.01
    momentum: float = 0.0
    clip: str | None = "norm"
    clip_threshold: float = 5.0
    truncate: int | None = None

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer: expected one of {OPTIMIZERS}, got {self.optimizer!r}")
        if not (np.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise ValueError(
                f"learning_rate: expected a positive number, got {self.learning_rate!r}"
            )
        if self.clip is not None and self.clip not in CLIP_KINDS:
            raise ValueError(f"clip: expected one of {CLIP_KINDS} or null, got {self.clip!r}")
        if self.clip is not None and not (
            np.isfinite(self.clip_threshold) and self.clip_threshold > 0
        ):
            raise ValueError(
                f"clip_threshold: expected a positive number, got {self.clip_threshold!r}"
            )

    def make_optimizer(self) -> SGD | Adam:
        if self.optimizer == "sgd":
            return SGD(self.learning_rate, momentum=self.momentum)
        return Adam(self.learning_rate)


@dataclass(frozen=True)
class UpdateMetrics:
    """What one update did; `diverged` means the loss or gradient stopped being finite."""

    update: int
    loss: float
    grad_norm: float
    grad_norm_after_clip: float
    clipped: bool
    diverged: bool


class Trainer:
    """Trains a model's parameters on one sequence, deterministically."""

    def __init__(
        self,
        spec: ModelSpec,
        params: dict[str, np.ndarray],
        inputs: np.ndarray,
        targets: Targets,
        config: TrainConfig,
        initial_state: dict | None = None,
    ) -> None:
        self.spec = spec
        self.params = check_params(spec, params)
        self.inputs = inputs
        self.targets = targets
        self.config = config
        self.initial_state = initial_state
        self.optimizer = config.make_optimizer()
        self.updates = 0
        self.diverged = False

    def set_sequence(self, inputs: np.ndarray, targets: Targets) -> None:
        """Train on another sequence from now on; optimiser state is kept."""
        self.inputs, self.targets = inputs, targets

    def run(self, n_updates: int) -> Iterator[UpdateMetrics]:
        """Yield after each of n updates; stop early (reporting it) if training diverges."""
        for _ in range(n_updates):
            metrics = self.update()
            yield metrics
            if metrics.diverged:
                return

    def update(self) -> UpdateMetrics:
        """One forward + BPTT + clip + optimiser step; parameters stay untouched on divergence."""
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            runner = Runner(
                self.spec,
                self.params,
                self.inputs,
                self.targets,
                self.initial_state,
                self.config.truncate,
            )
            runner.run_forward()
            runner.run_backward()
            loss = runner.loss()
            grads = runner.grads()
            norm = global_norm(grads)
        self.updates += 1
        if not (np.isfinite(loss) and np.isfinite(norm)):
            self.diverged = True
            return UpdateMetrics(self.updates, loss, norm, norm, False, True)
        clipped, after = False, norm
        if self.config.clip == "norm":
            result = clip_by_global_norm(grads, self.config.clip_threshold)
            grads, clipped, after = result.grads, result.clipped, result.norm_after
        elif self.config.clip == "value":
            result = clip_by_value(grads, self.config.clip_threshold)
            grads, clipped, after = result.grads, result.clipped, result.norm_after
        saved_state = self.optimizer.state_dict()
        with np.errstate(over="ignore", invalid="ignore"):
            new_params = self.optimizer.step(self.params, {k[1:]: g for k, g in grads.items()})
        if not all(np.all(np.isfinite(p)) for p in new_params.values()):
            self.optimizer.load_state_dict(saved_state)  # the refused step leaves no trace
            self.diverged = True
            return UpdateMetrics(self.updates, loss, norm, after, clipped, True)
        self.params = {k: np.asarray(p, dtype=self.spec.np_dtype) for k, p in new_params.items()}
        return UpdateMetrics(self.updates, loss, norm, after, clipped, False)
