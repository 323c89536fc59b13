"""Parameter gradients accumulated as BPTT steps back, so a backward frame costs the same at any t.

The sum for step t is Σ over s = t … T−1 of step s's contribution, folded in one step at a time,
T−1 first: the same additions in the same order however BPTT reached t (stepping, seeking, or
frames built after a whole run), so the numbers of a frame do not depend on the path to it.
A replayed sweep (BPTT run again over steps already folded) repeats those additions on a second
running sum, so it costs one step per frame too and shows the very numbers of the first sweep.
"""

from __future__ import annotations

import math

import numpy as np
from lstm_explorer.engine.cell import Arrays, CellComputation
from lstm_explorer.engine.clipping import global_norm


class GradientSums:
    """Running Σ_{s ≥ lo} of the step contributions, and the global norm of the sum at every
    step folded so far (replaying a step reads its norm; nothing is recomputed)."""

    def __init__(self, comp: CellComputation) -> None:
        self.comp = comp
        self.lo = comp.T  # steps lo … T−1 are folded in
        # One flat buffer, a view per fused gradient: the norm is one reduction over it.
        empty = comp.window_grads(0, 0)
        shapes = {k: a.shape for k, a in empty.items()}
        dtype = np.result_type(*empty.values())
        self.flat = np.zeros(sum(int(np.prod(s)) for s in shapes.values()), dtype=dtype)
        self.sums: Arrays = {}
        offset = 0
        for key, shape in shapes.items():
            size = int(np.prod(shape))
            self.sums[key] = self.flat[offset : offset + size].reshape(shape)
            offset += size
        self.norms = np.full(comp.T, np.nan)
        # The sum last built for a step already passed (t > lo), and that step: a replay that
        # steps back from it adds one step instead of taking a window of the trace.
        self.replay: Arrays | None = None
        self.replay_t = -1

    def reach(self, t: int) -> None:
        """Fold in steps lo−1 down to t (their backward steps must be computed)."""
        comp, sums = self.comp, self.sums
        for s in range(self.lo - 1, t - 1, -1):
            for key, part in comp.window_grads(s, s + 1).items():
                sums[key] += part
            self.norms[s] = _norm(self.flat, sums)
        self.lo = min(self.lo, t)

    def norm(self, t: int) -> float:
        """‖Σ_{s ≥ t} grads(s)‖ over all parameters as one vector."""
        if t < self.lo:
            self.reach(t)
        return float(self.norms[t])

    def grads(self, t: int) -> Arrays:
        """Σ_{s ≥ t} of each parameter's gradient, as d<param> arrays (copies).

        A step already passed (t > lo) is the running sum minus the window lo … t−1: one product
        per parameter over the window, equal to the sum at t to float precision.
        """
        if t <= self.lo:
            self.reach(t)
            fused = {k: a.copy() for k, a in self.sums.items()}
        else:
            fused = {k: a.copy() for k, a in self._replayed(t).items()}
        return {k: np.ascontiguousarray(a) for k, a in self.comp.named_grads(fused).items()}

    def _replayed(self, t: int) -> Arrays:
        """Σ_{s ≥ t} for lo < t < T, kept as `replay` for the next call.

        Stepping back from the step built last (t + 1) adds step t's contribution, as the first
        sweep did: a replayed sweep costs one step per frame, and one started at T−1 repeats the
        first sweep's additions exactly. Any other step is the running sum minus the window
        lo … t−1 (equal to float precision; a sweep continued from there stays so)."""
        comp, replay = self.comp, self.replay
        if replay is not None and self.replay_t == t:
            return replay
        if replay is not None and self.replay_t == t + 1:
            for key, part in comp.window_grads(t, t + 1).items():
                replay[key] += part
        elif t == comp.T - 1:  # the first fold: zeros plus the last step
            replay = {k: np.zeros_like(a) for k, a in self.sums.items()}
            for key, part in comp.window_grads(t, t + 1).items():
                replay[key] += part
        else:
            window = comp.window_grads(self.lo, t)
            replay = {k: self.sums[k] - window[k] for k in self.sums}
        self.replay, self.replay_t = replay, t
        return replay


def _norm(flat: np.ndarray, arrays: Arrays) -> float:
    """The global norm: √(Σ a·a) when that is safe, clipping.global_norm's scaled sum otherwise."""
    # einsum, not np.dot/vdot: BLAS's threaded dot waits milliseconds for idle threads to
    # wake on a loaded machine (measured: 27 ms for H = 128 under load, einsum 0.1 ms)
    total = float(np.einsum("i,i->", flat, flat))
    if math.isfinite(total) and total > 1e-280:
        return math.sqrt(total)
    return global_norm(arrays)  # overflow, underflow, inf or nan: the careful way
