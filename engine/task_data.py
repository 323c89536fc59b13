"""TaskData: one sequence with its targets, and the checks every task (built-in or user) passes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from lstm_explorer.engine.errors import FieldError

TASK_TYPES = ("many_to_many", "many_to_one", "one_to_many")
TASK_LOSSES = ("mse", "cross_entropy")


@dataclass(frozen=True, eq=False)
class TaskData:
    """A sequence: inputs (T, D); targets (T, O) with NaN rows (MSE) or labels (T,) with −1 (CE)."""

    name: str
    task_type: str
    inputs: np.ndarray
    targets: np.ndarray | None
    labels: np.ndarray | None
    loss: str
    input_names: list[str]
    output_names: list[str]
    description: str
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_task(self)

    @property
    def length(self) -> int:
        return int(self.inputs.shape[0])

    @property
    def input_size(self) -> int:
        return int(self.inputs.shape[1])

    @property
    def output_size(self) -> int:
        """O: target columns (MSE) or classes (cross-entropy)."""
        return len(self.output_names)

    @property
    def target_mask(self) -> np.ndarray:
        """(T,) bool: which steps carry a target."""
        if self.labels is not None:
            return self.labels >= 0
        assert self.targets is not None
        return ~np.all(np.isnan(self.targets), axis=1)

    @property
    def loss_targets(self) -> np.ndarray:
        """What readout.make_targets takes: the labels for cross-entropy, else the target rows."""
        out = self.labels if self.loss == "cross_entropy" else self.targets
        assert out is not None
        return out


def check_task(task: TaskData) -> None:
    """Raise FieldError unless the arrays agree with each other and with the loss."""
    if task.task_type not in TASK_TYPES:
        raise FieldError("task_type", f"expected one of {TASK_TYPES}, got {task.task_type!r}")
    if task.loss not in TASK_LOSSES:
        raise FieldError("loss", f"expected one of {TASK_LOSSES}, got {task.loss!r}")
    x = task.inputs
    if not isinstance(x, np.ndarray) or x.ndim != 2 or x.dtype.kind != "f":
        raise FieldError("inputs", "expected a float array of shape (T, D)")
    T, D = x.shape
    if T < 1 or D < 1:
        raise FieldError("inputs", f"expected at least one step and one input, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise FieldError("inputs", "contains NaN or Inf")
    if len(task.input_names) != D:
        raise FieldError("input_names", f"expected {D} names, got {len(task.input_names)}")
    O = len(task.output_names)
    if O < 1:
        raise FieldError("output_names", "expected at least one output")
    if task.loss == "mse":
        _check_mse(task.targets, task.labels, T, O)
    else:
        _check_labels(task.labels, task.targets, T, O)


def _check_mse(targets: np.ndarray | None, labels: np.ndarray | None, T: int, O: int) -> None:
    if labels is not None:
        raise FieldError("labels", "only for loss cross_entropy; pass targets for mse")
    if not isinstance(targets, np.ndarray) or targets.dtype.kind != "f":
        raise FieldError("targets", f"expected a float array of shape ({T}, {O}) for mse")
    if targets.shape != (T, O):
        raise FieldError("targets", f"expected shape ({T}, {O}), got {targets.shape}")
    if np.any(np.isinf(targets)):
        raise FieldError("targets", "contains Inf")
    nan = np.isnan(targets)
    partial = np.nonzero(nan.any(axis=1) & ~nan.all(axis=1))[0]
    if partial.size:
        raise FieldError(
            ("targets", int(partial[0])),
            "partly NaN; a step has a whole target row or none (all NaN)",
        )


def _check_labels(labels: np.ndarray | None, targets: np.ndarray | None, T: int, O: int) -> None:
    if targets is not None:
        raise FieldError("targets", "only for loss mse; pass labels for cross_entropy")
    if not isinstance(labels, np.ndarray) or labels.dtype.kind not in "iu":
        raise FieldError("labels", f"expected an integer array of shape ({T},) for cross_entropy")
    if labels.shape != (T,):
        raise FieldError("labels", f"expected shape ({T},), got {labels.shape}")
    bad = np.nonzero((labels < -1) | (labels >= O))[0]
    if bad.size:
        t = int(bad[0])
        raise FieldError(
            ("labels", int(t)), f"{labels[t]} outside 0..{O - 1} (or −1 for no target)"
        )


def only_last(T: int, value: np.ndarray) -> np.ndarray:
    """(T, O) targets: NaN everywhere except the last step (many-to-one)."""
    out = np.full((T, value.shape[0]), np.nan)
    out[-1] = value
    return out


def one_hot(indices: np.ndarray, n: int) -> np.ndarray:
    """(T, n) float one-hot rows; an index of −1 gives a zero row."""
    out = np.zeros((indices.shape[0], n))
    rows = np.nonzero(indices >= 0)[0]
    out[rows, indices[rows]] = 1.0
    return out
