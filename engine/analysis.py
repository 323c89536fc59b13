"""Read-outs of a trace that explain it: error norms per step, saturation, connectivity."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from lstm_explorer.engine.cell import CellComputation

SATURATION_MARGIN = (
    0.05  # a σ unit within 0.05 of 0 or 1 (tanh within 0.05 of ±1) passes little gradient
)


def saturation(gates: list[np.ndarray], tanh_units: list[np.ndarray] | None = None) -> float:
    """Fraction of units whose activation sits where its derivative is nearly zero."""
    count = 0
    total = 0
    for g in gates:
        count += int(np.count_nonzero((g < SATURATION_MARGIN) | (g > 1.0 - SATURATION_MARGIN)))
        total += g.size
    for u in tanh_units or []:
        count += int(np.count_nonzero(np.abs(u) > 1.0 - SATURATION_MARGIN))
        total += u.size
    return count / total if total else 0.0


def row_norms(arr: np.ndarray) -> np.ndarray:
    """Euclidean norm of each row of a (T, n) array."""
    return np.sqrt(np.einsum("tn,tn->t", arr, arr))


def connectivity(comp: CellComputation, t_out: int, output: str) -> np.ndarray:
    """‖∂out(t_out)/∂x(t′)‖_F for every t′ (zero after t_out): how much an output still depends
    on each input. One backward pass with one seed per entry of out, run as a batch through the
    cell's own backward step (truncation does not apply: this is the true Jacobian)."""
    seed = comp.output_seed(t_out, output)
    comp.prepare_derivatives(t_out + 1)
    norms = np.zeros(comp.T)
    carry = None
    for t in range(t_out, -1, -1):
        dx, carry = comp.batch_step(t, seed if carry is None else None, carry)
        norms[t] = float(np.linalg.norm(dx))
    return norms
