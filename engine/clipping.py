"""Gradient clipping by global norm or by value, reporting the norm before and after."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from lstm_explorer.engine.errors import FieldError


@dataclass(frozen=True)
class ClipResult:
    """Clipped gradients and what clipping did; `clipped` is False when nothing changed."""

    grads: dict[str, np.ndarray]
    norm_before: float
    norm_after: float
    clipped: bool


def global_norm(grads: Mapping[str, np.ndarray]) -> float:
    """‖g‖ over all gradients as one vector; inf if any entry is ±inf, nan if any is nan."""
    arrays = _arrays(grads)
    if not arrays:
        return 0.0
    peaks = [float(np.max(np.abs(a))) if a.size else 0.0 for a in arrays]
    if any(math.isnan(p) for p in peaks):
        return math.nan
    scale = max(peaks)
    if scale == 0.0 or math.isinf(scale):
        return scale
    # Divide by the largest entry first so squares of large gradients (1e200) do not overflow.
    total = sum(float(np.sum(np.square(a / scale, dtype=np.float64))) for a in arrays)
    return scale * math.sqrt(total)


def clip_by_global_norm(grads: Mapping[str, np.ndarray], max_norm: float) -> ClipResult:
    """Scale all gradients by max_norm / ‖g‖ when ‖g‖ > max_norm (Pascanu et al. 2013)."""
    _check_threshold("max_norm", max_norm)
    norm = global_norm(grads)
    if not math.isfinite(norm):
        # Scaling would turn inf into nan everywhere and hide where it came from.
        return ClipResult(dict(grads), norm, norm, False)
    if norm <= max_norm:
        return ClipResult(dict(grads), norm, norm, False)
    scale = max_norm / norm
    clipped = {k: _float(g) * scale for k, g in grads.items()}
    return ClipResult(clipped, norm, global_norm(clipped), True)


def clip_by_value(grads: Mapping[str, np.ndarray], limit: float) -> ClipResult:
    """Clamp every gradient entry to [−limit, limit]; the direction may change, unlike by norm."""
    _check_threshold("limit", limit)
    norm = global_norm(grads)
    if not math.isfinite(norm):
        # Clamping inf to ±limit would make a diverged run look healthy.
        return ClipResult(dict(grads), norm, norm, False)
    if not any(np.any(np.abs(g) > limit) for g in _arrays(grads)):
        return ClipResult(dict(grads), norm, norm, False)
    clamped = {k: np.clip(_float(g), -limit, limit) for k, g in grads.items()}
    return ClipResult(clamped, norm, global_norm(clamped), True)


def _arrays(grads: Mapping[str, np.ndarray]) -> list[np.ndarray]:
    if not isinstance(grads, Mapping):
        raise FieldError("grads", "expected a dict of named arrays")
    out = []
    for key, g in grads.items():
        arr = np.asarray(g)
        if arr.dtype.kind not in "fiu" or arr.dtype == bool:
            raise FieldError(
                ("grads", key), f"expected an array of real numbers, got dtype {arr.dtype}"
            )
        out.append(arr)
    return out


def _float(g: np.ndarray) -> np.ndarray:
    # Keep float32 gradients float32; integer ones (hand-written tests) become float64.
    arr = np.asarray(g)
    return arr if arr.dtype.kind == "f" else arr.astype(np.float64)


def _check_threshold(name: str, value: float) -> None:
    ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
    if not ok or not math.isfinite(float(value)) or value <= 0:
        raise FieldError(name, f"expected a finite number > 0, got {value!r}")
