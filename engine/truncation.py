"""Truncated BPTT, window k: no error flows from step t+1 into t when (t+1) % k == 0; the last step has no t+1."""

from __future__ import annotations

import numpy as np


def truncation_cuts(T: int, truncate: int | None) -> np.ndarray:
    """cut[t] (bool, length T): True where no error flows from step t+1 back into step t."""
    cut = np.zeros(T, dtype=bool)
    cut[-1] = True
    if truncate:
        cut[truncate - 1 :: truncate] = True
    return cut
