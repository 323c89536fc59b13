"""Minibatches of fresh sequences for training, and a fixed held-out set to measure generalisation.

Training on the one sequence on screen teaches that sequence; training on the task means a new
draw for every update. A TaskSampler draws them, deterministically for (task, options, seed):

- tasks generated from a seed (sine, adding, copy, weather, echo, reber): update k, sequence b
  comes from the random stream [seed, 1, k, b]; the held-out set is the seed's own sequence
  (the one a session shows, make_task(name, seed)) and the streams [seed, 2, j]. The streams never
  coincide, but a task with few distinct sequences (copy has n_symbols) repeats some by chance,
  as any random split would.
- data sets (the series and the chars text): windows of the training part, drawn uniformly with
  replacement; the held-out set is up to n_heldout windows evenly spread over the held-out part
  (engine.datasets), so no held-out value is ever trained on.

A minibatch's loss is the mean of its sequences' losses (each summed over its steps, as
everywhere in the engine), and its gradient the mean of theirs, so batch_size = 1 is exactly
one-sequence training. The sequences are run one after another: a batch of B costs B sequences.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from lstm_explorer.engine import datasets
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.problem import Problem
from lstm_explorer.engine.readout import Targets, make_targets
from lstm_explorer.engine.reber import allowed_mask
from lstm_explorer.engine.runner import Runner
from lstm_explorer.engine.spec import ModelSpec
from lstm_explorer.engine.task_data import TaskData
from lstm_explorer.engine.tasks import TASKS, generate, resolve_options

TRAIN, HELDOUT = 1, 2  # first words of the random streams after the seed
N_HELDOUT = 8
DEFAULT_BATCH_SIZE = 8
MAX_BATCH_SIZE = 64
FITS = ("task", "sequence")

if TYPE_CHECKING:  # engine.training imports this module
    from lstm_explorer.engine.training import Trainer

Batch = Sequence[tuple[np.ndarray, Targets]]


def targets_of(task: TaskData) -> Targets:
    return make_targets(task.loss_targets, task.loss, task.length, task.output_size)


@dataclass(eq=False)
class TaskSampler:
    """Fresh training sequences and a fixed held-out set of one built-in task, from one seed."""

    name: str
    options: dict[str, Any]  # every option, resolved (tasks.resolve_options)
    seed: int
    n_heldout: int = N_HELDOUT
    _heldout: list[TaskData] | None = field(default=None, repr=False)

    @classmethod
    def for_task(
        cls, name: str, options: dict[str, Any], seed: int, n_heldout: int = N_HELDOUT
    ) -> TaskSampler:
        """Checks the options as make_task does; a data set must fit a held-out window."""
        sampler = cls(name, resolve_options(name, **options), seed, n_heldout)
        split = datasets.windows(name)
        if split is not None:
            T = sampler.options["length"]
            if not len(split.train_offsets(T)) or not len(split.heldout_offsets(T)):
                raise FieldError(
                    (name, "length"),
                    f"{T} steps leave no window inside the training or the held-out part "
                    f"({split.n_train} and {split.n - split.n_train} values)",
                )
        return sampler

    @property
    def windows(self) -> datasets.Windows | None:
        return datasets.windows(self.name)

    def batch(self, update: int, batch_size: int) -> list[TaskData]:
        """The `batch_size` training sequences of update `update` (0-based)."""
        split = self.windows
        if split is None:
            return [
                generate(
                    self.name, np.random.default_rng([self.seed, TRAIN, update, b]), self.options
                )
                for b in range(batch_size)
            ]
        rng = np.random.default_rng([self.seed, TRAIN, update])
        offsets = rng.choice(split.train_offsets(self.options["length"]), size=batch_size)
        return [self._window(int(o)) for o in offsets]

    def heldout(self) -> list[TaskData]:
        """The held-out sequences (computed once); the first is the one a session shows."""
        if self._heldout is None:
            self._heldout = self._make_heldout()
        return self._heldout

    def _make_heldout(self) -> list[TaskData]:
        split = self.windows
        if split is None:
            first = generate(self.name, np.random.default_rng(self.seed), self.options)
            rest = [
                generate(self.name, np.random.default_rng([self.seed, HELDOUT, j]), self.options)
                for j in range(1, self.n_heldout)
            ]
            return [first, *rest]
        offsets = split.heldout_offsets(self.options["length"])
        picks = np.unique(np.linspace(0, len(offsets) - 1, self.n_heldout).round().astype(int))
        return [self._window(int(offsets[k])) for k in picks]

    def _window(self, offset: int) -> TaskData:
        return generate(self.name, np.random.default_rng(0), {**self.options, "offset": offset})


def _runner(
    spec: ModelSpec,
    params: dict[str, np.ndarray],
    inputs: np.ndarray,
    targets: Targets,
    initial_state: dict | None = None,
    truncate: int | None = None,
) -> Runner:
    """The one place this module builds a Runner."""
    return Runner(Problem.build(spec, params, inputs, targets, initial_state, truncate))


def sequence_loss_and_grads(
    spec: ModelSpec,
    params: dict[str, np.ndarray],
    inputs: np.ndarray,
    targets: Targets,
    initial_state: dict | None = None,
    truncate: int | None = None,
) -> tuple[float, dict[str, np.ndarray]]:
    """Forward and BPTT over one sequence: its loss and the gradients (keys d<param>)."""
    runner = _runner(spec, params, inputs, targets, initial_state, truncate)
    runner.run_forward()
    runner.run_backward()
    return runner.loss(), runner.grads()


def batch_loss_and_grads(
    spec: ModelSpec,
    params: dict[str, np.ndarray],
    batch: Batch,
    initial_state: dict | None = None,
    truncate: int | None = None,
) -> tuple[float, dict[str, np.ndarray]]:
    """The mean loss per sequence over the batch and the mean of the sequences' gradients."""
    total_loss, total = 0.0, None
    for inputs, targets in batch:
        loss, grads = sequence_loss_and_grads(
            spec, params, inputs, targets, initial_state, truncate
        )
        total_loss += loss
        if total is None:
            total = {k: np.array(g, dtype=np.float64) for k, g in grads.items()}
        else:
            for k, g in grads.items():
                total[k] += g
    if total is None:
        raise FieldError("batch_size", "a minibatch needs at least one sequence")
    n = len(batch)
    return total_loss / n, {k: (g / n).astype(spec.np_dtype) for k, g in total.items()}


def mean_loss(spec: ModelSpec, params: dict[str, np.ndarray], tasks: Sequence[TaskData]) -> float:
    """Mean loss per sequence, forward only (inf where it overflows)."""
    return heldout_scores(spec, params, tasks)[0]


def heldout_scores(
    spec: ModelSpec, params: dict[str, np.ndarray], tasks: Sequence[TaskData]
) -> tuple[float, float | None]:
    """Mean loss per sequence, and for cross-entropy the accuracy over every target step.

    Accuracy: the most likely class is the label; for `reber`, it is one the grammar allows
    (engine.reber). None for MSE.
    """
    losses, correct, count = [], 0, 0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for task in tasks:
            runner = _runner(spec, params, task.inputs, targets_of(task))
            runner.run_forward()
            losses.append(runner.loss())
            if task.loss == "cross_entropy":
                best = np.argmax(runner.forward_arrays()["y_hat"], axis=1)
                mask = task.target_mask
                if task.name == "reber":
                    right = allowed_mask(task)[np.arange(task.length), best]
                else:
                    right = best == task.labels
                correct += int(right[mask].sum())
                count += int(mask.sum())
    value = float(np.mean(losses))
    return (value if np.isfinite(value) else float("inf")), (correct / count if count else None)


def check_batch_size(batch_size: int, fit: str) -> int:
    """batch_size within 1..MAX_BATCH_SIZE; 'sequence' fitting trains on one sequence only."""
    if fit not in FITS:
        raise FieldError("fit", f"expected one of {FITS}, got {fit!r}")
    if not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise FieldError("batch_size", f"expected 1..{MAX_BATCH_SIZE}, got {batch_size}")
    if fit == "sequence" and batch_size != 1:
        raise FieldError(
            "batch_size", "fit 'sequence' trains on the one sequence on screen; use batch_size 1"
        )
    return batch_size


@dataclass(eq=False)
class FitPlan:
    """What each update trains on: fresh minibatches of the task, or the one sequence on screen.

    `heldout_every` sets how often the held-out loss is measured (every n-th update).
    """

    fit: str
    batch_size: int
    heldout_every: int
    sampler: TaskSampler | None

    def __post_init__(self) -> None:
        check_batch_size(self.batch_size, self.fit)
        if self.heldout_every < 1:
            raise FieldError("heldout_every", f"expected at least 1, got {self.heldout_every}")
        if self.fit == "task" and self.sampler is None:
            raise FieldError(
                "fit",
                "this sequence is your own data, with no task to draw more from; use 'sequence'",
            )

    def prepare(self, trainer: Trainer) -> None:
        """Give the trainer the sequences of its next update (numbered by trainer.updates)."""
        if self.fit == "sequence" or self.sampler is None:
            trainer.set_batch(None)
            return
        tasks = self.sampler.batch(trainer.updates, self.batch_size)
        trainer.set_batch([(t.inputs, targets_of(t)) for t in tasks])

    def heldout_due(self, update: int) -> bool:
        return self.sampler is not None and update % self.heldout_every == 0

    def heldout_loss(self, spec: ModelSpec, params: dict[str, np.ndarray]) -> float | None:
        """Mean loss per held-out sequence (None without a task to hold sequences out of)."""
        if self.sampler is None:
            return None
        return mean_loss(spec, params, self.sampler.heldout())


def fit_plan(
    name: str,
    options: dict[str, Any],
    seed: int,
    fit: str | None = None,
    batch_size: int | None = None,
    heldout_every: int = 10,
) -> FitPlan:
    """A FitPlan for a session's task; a name that is not a built-in task has no sampler.

    Defaults: fit 'task' where there is a task, 'sequence' otherwise; batch_size 8 for 'task'.
    """
    sampler = None
    if name in TASKS:
        try:
            sampler = TaskSampler.for_task(name, dict(options), seed)
        except FieldError as err:
            raise err.relocated((name,), ("task", "options")) from None
    fit = fit or ("task" if sampler is not None else "sequence")
    if batch_size is None:
        batch_size = DEFAULT_BATCH_SIZE if fit == "task" else 1
    return FitPlan(fit, batch_size, heldout_every, sampler)
