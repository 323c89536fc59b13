"""Finding units for a selected span of steps (LSTMVis's selection, Strobelt et al. 2018).

A person marks a span of the sequence — the text inside quotes, a peak of a series — and asks
which units are *on inside it and off outside it*. For each unit j the chosen quantity q_j(t)
(c, y, a gate, h, or an error δ) is turned into an on-ness u_j(t):

    polarity "high":       u = q           (on = large, e.g. a gate open, c positive)
    polarity "low":        u = −q          (on = very negative)
    polarity "magnitude":  u = |q|         (on = far from 0, either sign; the natural one for δ)

and scored by how much more it is on inside the span than outside, relative to how far it
swings over the steps considered:

    score_j = (mean_{t ∈ span} u_j(t) − mean_{t ∉ span} u_j(t)) / (max_t u_j(t) − min_t u_j(t))

so score ∈ [−1, 1]: 1 is a unit at its highest at every step of the span and at its lowest at
every other step; scores compare across units of different scales (c is unbounded, gates are
in [0, 1]). A unit that does not move (range below RANGE_FLOOR) scores 0. LSTMVis thresholds
each unit and matches on/off patterns; the mean difference is its threshold-free form and needs
no threshold to choose.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from lstm_explorer.engine.errors import FieldError

POLARITIES = ("high", "low", "magnitude")
RANGE_FLOOR = 1e-9  # below this a unit is constant over the steps considered: no evidence


@dataclass(frozen=True)
class RankedUnit:
    """One unit's score and the means it is made of (of the on-ness u, not of q)."""

    unit: int
    score: float
    inside: float
    outside: float


def on_ness(values: np.ndarray, polarity: str) -> np.ndarray:
    """u = q, −q or |q| (see the module docstring) of a (T, H) array."""
    if polarity == "high":
        return values
    if polarity == "low":
        return -values
    if polarity == "magnitude":
        return np.abs(values)
    raise FieldError("polarity", f"expected one of {', '.join(POLARITIES)}, got {polarity!r}")


def rank_units(
    values: np.ndarray,
    start: int,
    stop: int,
    polarity: str = "high",
    steps: tuple[int, int] | None = None,
) -> list[RankedUnit]:
    """Every unit of `values` (T, H), best first, for the span [start, stop).

    `steps` = (lo, hi) limits the comparison to the steps computed so far (default: all T);
    the span must lie inside them and leave at least one step outside it.
    """
    if values.ndim != 2:
        raise FieldError(
            "quantity", f"expected one value per unit and step, got shape {values.shape}"
        )
    lo, hi = steps if steps is not None else (0, values.shape[0])
    if hi - lo < 2:
        raise FieldError("start", f"need at least 2 computed steps to compare, have {hi - lo}")
    if not lo <= start < hi:
        raise FieldError("start", f"expected a computed step, {lo}..{hi - 1}, got {start}")
    if not start < stop <= hi:
        raise FieldError("stop", f"expected {start + 1}..{hi} (one past the span's last step)")
    if stop - start == hi - lo:
        raise FieldError("stop", "the span covers every computed step: nothing outside to compare")
    u = on_ness(np.asarray(values[lo:hi], dtype=np.float64), polarity)
    if not np.all(np.isfinite(u)):
        raise FieldError("quantity", "contains NaN or Inf (the weights have diverged)")
    span = np.zeros(hi - lo, dtype=bool)
    span[start - lo : stop - lo] = True
    inside = u[span].mean(axis=0)
    outside = u[~span].mean(axis=0)
    swing = u.max(axis=0) - u.min(axis=0)
    moving = swing > RANGE_FLOOR
    score = np.zeros_like(inside)
    score[moving] = (inside[moving] - outside[moving]) / swing[moving]
    # Ties (e.g. constant units at 0) keep unit order: a stable sort on −score.
    order = np.argsort(-score, kind="stable")
    return [RankedUnit(int(j), float(score[j]), float(inside[j]), float(outside[j])) for j in order]
