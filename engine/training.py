"""Training on one sequence: forward, BPTT, clipping, an optimiser update; metrics after each update."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from lstm_explorer.engine.batches import Batch, batch_loss_and_grads
from lstm_explorer.engine.clipping import clip_by_global_norm, clip_by_value, global_norm
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.optim import SGD, Adam
from lstm_explorer.engine.problem import Problem
from lstm_explorer.engine.readout import Targets

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
            raise FieldError("optimizer", f"expected one of {OPTIMIZERS}, got {self.optimizer!r}")
        if not (np.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise FieldError(
                "learning_rate", f"expected a positive number, got {self.learning_rate!r}"
            )
        if self.clip is not None and self.clip not in CLIP_KINDS:
            raise FieldError("clip", f"expected one of {CLIP_KINDS} or null, got {self.clip!r}")
        if self.clip is not None and not (
            np.isfinite(self.clip_threshold) and self.clip_threshold > 0
        ):
            raise FieldError(
                "clip_threshold", f"expected a positive number, got {self.clip_threshold!r}"
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

    def __init__(self, problem: Problem, config: TrainConfig) -> None:
        """Start from the problem's (validated) params and sequence; truncated BPTT as the
        config says (the problem's own truncation is the stepping view's, not training's)."""
        self.spec = problem.spec
        self.params = problem.params
        self.inputs, self.targets = problem.inputs, problem.targets
        self.config = config
        self.initial_state: dict | None = problem.initial_state
        self.optimizer = config.make_optimizer()
        self.updates = 0
        self.diverged = False
        self.batch: Batch | None = None

    def set_sequence(self, inputs: np.ndarray, targets: Targets) -> None:
        """Train on another sequence from now on; optimiser state is kept."""
        self.inputs, self.targets = inputs, targets

    def set_batch(self, batch: Batch | None) -> None:
        """Train on the mean over these sequences from now on (None: the one sequence again)."""
        self.batch = batch

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
            # a minibatch (engine.batches) or the one sequence: mean loss and mean gradients
            loss, grads = batch_loss_and_grads(
                self.spec,
                self.params,
                self.batch or [(self.inputs, self.targets)],
                self.initial_state,
                self.config.truncate,
            )
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
