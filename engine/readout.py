"""Linear readout targets and losses: MSE ½‖y_hat − target‖², cross-entropy −log y_hat[label]."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from lstm_explorer.engine.activations import softmax
from lstm_explorer.engine.errors import FieldError


@dataclass(frozen=True)
class Targets:
    """Per-step targets; `mask[t]` says whether step t carries one (the loss sums over those)."""

    mask: np.ndarray  # (T,) bool
    values: np.ndarray | None  # (T, O) for MSE; rows without a target are 0
    labels: np.ndarray | None  # (T,) int for cross-entropy; −1 where no target

    @property
    def length(self) -> int:
        return int(self.mask.shape[0])

    def row(self, t: int) -> list[float] | int | None:
        """The target of step t as the page shows it (None where there is none)."""
        if not self.mask[t]:
            return None
        if self.labels is not None:
            return int(self.labels[t])
        assert self.values is not None
        return [float(v) for v in self.values[t]]


def no_targets(length: int) -> Targets:
    return Targets(mask=np.zeros(length, dtype=bool), values=None, labels=None)


def make_targets(raw: object, loss: str, length: int, output_size: int) -> Targets:
    """Turn T×O numbers (MSE) or T labels (cross-entropy), with None for 'no target', into Targets."""
    if raw is None:
        return no_targets(length)
    if isinstance(raw, np.ndarray) and raw.dtype.kind in "fiu":
        fast = _targets_from_array(raw, loss, length, output_size)
        if fast is not None:
            return fast
    if isinstance(raw, np.ndarray):
        rows: list = list(raw)
    elif isinstance(raw, list | tuple):
        rows = list(raw)
    else:
        raise FieldError("targets", "expected a list with one entry per time step")
    if len(rows) != length:
        raise FieldError(
            "targets", f"expected {length} entries (one per time step), got {len(rows)}"
        )
    mask = np.zeros(length, dtype=bool)
    if loss == "cross_entropy":
        labels = np.full(length, -1, dtype=np.int64)
        for t, entry in enumerate(rows):
            if entry is None or (isinstance(entry, int | np.integer) and entry == -1):
                continue
            if isinstance(entry, bool) or not isinstance(entry, int | np.integer):
                raise FieldError(
                    ("targets", t), "expected an integer label or null for cross_entropy"
                )
            if not 0 <= int(entry) < output_size:
                raise FieldError(("targets", t), f"label {entry} outside 0..{output_size - 1}")
            labels[t] = int(entry)
            mask[t] = True
        return Targets(mask=mask, values=None, labels=labels)
    values = np.zeros((length, output_size), dtype=np.float64)
    for t, entry in enumerate(rows):
        if entry is None:
            continue
        arr = np.asarray(entry, dtype=np.float64) if _is_numeric(entry) else None
        if arr is None or arr.ndim != 1 or arr.shape[0] != output_size:
            raise FieldError(("targets", t), f"expected {output_size} numbers or null for mse")
        if np.all(np.isnan(arr)):
            continue  # a NaN row is how arrays say "no target here"
        if not np.all(np.isfinite(arr)):
            raise FieldError(("targets", t), "contains NaN or Inf")
        values[t] = arr
        mask[t] = True
    return Targets(mask=mask, values=values, labels=None)


def _targets_from_array(
    raw: np.ndarray, loss: str, length: int, output_size: int
) -> Targets | None:
    """Vectorised make_targets for arrays (NaN rows / label −1 mean 'no target'); None: use the slow path."""
    if raw.shape[:1] != (length,):
        return None
    if loss == "cross_entropy":
        if raw.ndim != 1 or raw.dtype.kind not in "iu":
            return None
        labels = raw.astype(np.int64)
        if np.any((labels < -1) | (labels >= output_size)):
            return None  # the slow path names the offending step
        return Targets(mask=labels >= 0, values=None, labels=labels)
    if raw.ndim != 2 or raw.shape[1] != output_size:
        return None
    values = raw.astype(np.float64)
    empty = np.all(np.isnan(values), axis=1)
    if not np.all(np.isfinite(values[~empty])):
        return None
    values[empty] = 0.0
    return Targets(mask=~empty, values=values, labels=None)


def _is_numeric(entry: object) -> bool:
    try:
        arr = np.asarray(entry)
    except (TypeError, ValueError):
        return False
    return arr.dtype.kind in "fiu" and arr.dtype != bool


def predict(v: np.ndarray, loss: str) -> np.ndarray:
    """y_hat = v for MSE, softmax(v) for cross-entropy."""
    return softmax(v) if loss == "cross_entropy" else v


def step_loss(v: np.ndarray, targets: Targets, t: int) -> float:
    """Loss contributed by step t from the readout v (0 where the step has no target)."""
    if not targets.mask[t]:
        return 0.0
    if targets.labels is not None:
        # −log softmax(v)[label] as log-sum-exp, so a confident wrong answer stays finite
        shift = float(np.max(v))
        return float(shift + np.log(np.sum(np.exp(v - shift))) - v[targets.labels[t]])
    assert targets.values is not None
    diff = v - targets.values[t]
    return 0.5 * float(diff @ diff)


def readout_error(y_hat: np.ndarray, targets: Targets) -> np.ndarray:
    """dv(t) for every step at once: y_hat − target (MSE) or softmax − one-hot (cross-entropy)."""
    dv = np.array(y_hat, copy=True)
    if targets.labels is not None:
        rows = np.nonzero(targets.mask)[0]
        dv[rows, targets.labels[rows]] -= 1.0
    else:
        assert targets.values is not None or not targets.mask.any()
        if targets.values is not None:
            dv -= targets.values.astype(dv.dtype)
    dv[~targets.mask] = 0.0
    return dv
