"""Read-outs of a trace that explain it: error norms per step, saturation, connectivity."""

from __future__ import annotations

import numpy as np

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


def lstm_connectivity(comp: object, t_out: int | None = None) -> np.ndarray:
    """‖∂y(T−1)/∂x(t)‖_F for every t: how much the last output still depends on each input.

    One BPTT pass per unit of y(T−1), run as a batch: the seed is the identity on y(T−1).
    """
    from engine.lstm import LSTMComputation

    assert isinstance(comp, LSTMComputation)
    return _batched_connectivity(comp, comp.T - 1 if t_out is None else t_out)


def _batched_connectivity(comp, t_out: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    v, H, sl = comp.variant, comp.H, comp.slices
    n = comp.pre.shape[1]
    out = np.zeros(comp.T)
    dy = np.eye(H, dtype=comp.c.dtype)  # column k: seed on unit k of y(t_out)
    dc_next = np.zeros((H, H))
    dpre_next = np.zeros((n, H))
    for t in range(t_out, -1, -1):
        _, c_prev = comp.prev_state(t)
        act = comp.act[t][:, None]
        if t < t_out:
            dy = comp.RT @ dpre_next
        extra = (
            comp.Rg.T @ dpre_next[sl["i"].start :] if (comp.Rg is not None and t < t_out) else None
        )
        dpre = np.zeros((n, H))
        if v.output_gate:
            do = dy * comp.hc[t][:, None] + (extra[2 * H :] if extra is not None else 0)
            dpre[sl["o"]] = do * (act[sl["o"]] * (1 - act[sl["o"]]))
        h_grad = (1 - comp.hc[t] ** 2)[:, None] if v.output_activation else 1.0
        dc = dy * comp.gate("o", t)[:, None] * h_grad
        if v.output_gate and v.peepholes:
            dc = dc + comp.params["p_o"][:, None] * dpre[sl["o"]]
        if t < t_out:
            dc = dc + dc_next * comp.gate("f", t + 1)[:, None]
            if v.peepholes and v.input_gate:
                dc = dc + comp.params["p_i"][:, None] * dpre_next[sl["i"]]
            if v.peepholes and v.has_forget_params:
                dc = dc + comp.params["p_f"][:, None] * dpre_next[sl["f"]]
        if v.has_forget_params:
            df = dc * c_prev[:, None] + (extra[H : 2 * H] if extra is not None else 0)
            dpre[sl["f"]] = df * (act[sl["f"]] * (1 - act[sl["f"]]))
        if v.input_gate:
            z = act[sl["z"]]
            di = dc * (z - c_prev[:, None]) if v.coupled else dc * z
            if extra is not None:
                di = di + extra[:H]
            dpre[sl["i"]] = di * (act[sl["i"]] * (1 - act[sl["i"]]))
        dz = dc * comp.gate("i", t)[:, None]
        dpre[sl["z"]] = dz * (1 - act[sl["z"]] ** 2) if v.input_activation else dz
        out[t] = float(np.linalg.norm(comp.WT @ dpre))
        dpre_next, dc_next = dpre, dc
    return out


def rnn_connectivity(comp: object, t_out: int | None = None) -> np.ndarray:
    """‖∂h(T−1)/∂x(t)‖_F for every t, the simple RNN's view of vanishing gradients."""
    from engine.rnn import RNNComputation

    assert isinstance(comp, RNNComputation)
    t_out = comp.T - 1 if t_out is None else t_out
    out = np.zeros(comp.T)
    dh = np.eye(comp.H)
    for t in range(t_out, -1, -1):
        da = dh * (1 - comp.h[t] ** 2)[:, None]
        out[t] = float(np.linalg.norm(comp.UT @ da))
        dh = comp.WT @ da
    return out
