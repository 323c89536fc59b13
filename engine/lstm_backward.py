"""BPTT through the LSTM (Greff et al. 2017): the backward equations and the parameter gradients.

The equations inside a step are written once (`through_cell`), on errors whose last axis is the
unit axis: one step's errors in BPTT (`backward_step`), or a batch of seeds for connectivity
(`batch_step`). The gradients are sums over a window of steps in the fused layout of
engine/lstm.py, named in the notation by `named_grads`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from lstm_explorer.engine.activations import tanh_grad_from_output
from lstm_explorer.engine.array_ops import shifted
from lstm_explorer.engine.cell import Arrays, Carry
from lstm_explorer.engine.variants import FGR_GATES

if TYPE_CHECKING:
    from lstm_explorer.engine.lstm import LSTMComputation


def prepare_derivatives(comp: LSTMComputation, n: int) -> None:
    """act_grad = ∂act/∂pre in the units' layout (g'(z̄) = 1 − z², σ'(ā) = a ⊙ (1 − a)) and
    h'(c) = 1 − h(c)², for steps 0..n−1: element by element, every step at once."""
    lo, H = comp.derived, comp.H
    if n <= lo:
        return
    z, gates = comp.act[lo:n, :H], comp.act[lo:n, H:]
    comp.act_grad[lo:n, :H] = tanh_grad_from_output(z) if comp.variant.input_activation else 1.0
    comp.act_grad[lo:n, H:] = gates * (1.0 - gates)
    if comp.h_grad is not None:
        comp.h_grad[lo:n] = tanh_grad_from_output(comp.hc[lo:n])
    comp.derived = n


def through_cell(
    comp: LSTMComputation,
    t: int,
    dy: np.ndarray,
    dnext: np.ndarray | None,
    dc_next: np.ndarray | None,
    dpre: np.ndarray,
    dc: np.ndarray,
) -> None:
    """Greff's backward equations inside step t, on errors whose last axis is the unit axis.

    dy: the whole error at y(t); dnext: dz̄, dī, df̄, dō of t+1 side by side, dc_next: dc(t+1)
    (None: nothing arrives from t+1). Writes the d*_bar of t into dpre and dc(t) into dc.
    """
    v, H, sl = comp.variant, comp.H, comp.slices
    c_prev = comp.c0 if t == 0 else comp.c[t - 1]
    act, act_grad = comp.act[t], comp.act_grad[t]
    # FGR: errors into the gates of t from the gates of t+1
    extra = comp.gate_recurrent(dnext) if (comp.Rg is not None and dnext is not None) else None
    # Output gate (through σ' now if its peephole passes do_bar on to the cell)
    if v.output_gate:
        do = dpre[..., sl["o"]]
        np.multiply(dy, comp.hc[t], out=do)
        if extra is not None:
            do += extra[..., 2 * H :]
        if comp.p_o is not None:
            do *= act_grad[sl["o"]]
    # Cell: through h, the output peephole, and from t+1 along the highway and peepholes
    if v.output_gate:
        np.multiply(dy, act[sl["o"]], out=dc)
    else:
        dc[...] = dy
    if comp.h_grad is not None:
        dc *= comp.h_grad[t]
    if comp.p_o is not None:
        dc += comp.p_o * dpre[..., sl["o"]]
    if dnext is not None:
        assert dc_next is not None
        if comp.f_all is not None:
            dc += dc_next * comp.f_all[t + 1]
        else:
            dc += dc_next
        for _, gate, p_gate in comp.peep_prev:
            dc += p_gate * dnext[..., gate]
    # Forget gate
    if v.has_forget_params:
        np.multiply(dc, c_prev, out=dpre[..., sl["f"]])
    # Input gate (CIFG: f = 1 − i, so i also pays for what f would have kept)
    z = act[:H]
    if v.input_gate:
        np.multiply(dc, z - c_prev if v.coupled else z, out=dpre[..., sl["i"]])
    if extra is not None:
        dpre[..., H : 3 * H] += extra[..., : 2 * H]
    # Block input
    if v.input_gate:
        np.multiply(dc, act[sl["i"]], out=dpre[..., :H])
    else:
        dpre[..., :H] = dc
    # Through the activation functions: g' for z̄, σ' for the gates (o unless done above)
    dpre[..., comp.late] *= act_grad[comp.late]


def backward_step(comp: LSTMComputation, t: int) -> None:
    """BPTT for step t, given step t+1 (Greff's backward equations)."""
    assert comp.dv_proj is not None
    dnext = None if comp.cut[t] else comp.dpre[t + 1]
    dy = comp.dy[t]
    # backprop into y: from the readout and from every unit at t+1
    if dnext is None:
        dy[:] = comp.dv_proj[t]
    else:
        np.add(comp.dv_proj[t], comp.recurrent(dnext), out=dy)
    dc_next = None if dnext is None else comp.dc[t + 1]
    through_cell(comp, t, dy, dnext, dc_next, comp.dpre[t], comp.dc[t])
    # backprop into x
    np.dot(comp.dpre[t], comp.WT.T, out=comp.dx[t])


def batch_step(
    comp: LSTMComputation, t: int, seed: np.ndarray | None, carry: Carry | None
) -> tuple[np.ndarray, Carry]:
    """The backward step of t on a batch of errors (CellComputation.batch_step)."""
    if carry is None:
        assert seed is not None
        dy, dnext, dc_next = seed, None, None
    else:
        dnext, dc_next = carry
        dy = comp.recurrent(dnext)
        if seed is not None:  # a stacked layer: the error from the layer above, too
            dy += seed
    batch = dy.shape[0]
    dpre = np.empty((batch, comp.pre.shape[1]), dtype=comp.dpre.dtype)
    dc = np.empty((batch, comp.H), dtype=comp.dc.dtype)
    through_cell(comp, t, dy, dnext, dc_next, dpre, dc)
    return np.dot(dpre, comp.WT.T), (dpre, dc)


def window_grads(comp: LSTMComputation, t_from: int, t_to: int) -> Arrays:
    """Fused sums over t_from..t_to−1: W, R (all units), b, p_<gate>, Rg (FGR), V, b_V."""
    v, sl = comp.variant, comp.slices
    assert comp.dv is not None
    win = slice(t_from, t_to)
    dpre = comp.dpre[win]
    out: Arrays = {
        "W": dpre.T @ comp.x[win],
        "R": dpre.T @ shifted(comp.y0, comp.y, t_from, t_to),
        "b": dpre.sum(axis=0),
    }
    if v.peepholes:
        c_prev = shifted(comp.c0, comp.c, t_from, t_to)
        for g in comp.peephole_gates:
            cells = comp.c[win] if g == "o" else c_prev
            out[f"p_{g}"] = np.einsum("th,th->h", cells, dpre[:, sl[g]])
    if v.gate_recurrence:
        gates_prev = shifted(comp.gates0, comp.act[:, sl["i"].start :], t_from, t_to)
        out["Rg"] = dpre[:, sl["i"].start :].T @ gates_prev
    dv = comp.dv[win]
    out["V"] = dv.T @ comp.y[win]
    out["b_V"] = dv.sum(axis=0)
    return out


def named_grads(comp: LSTMComputation, fused: Arrays) -> Arrays:
    """The fused sums of `window_grads` as d<param> arrays in the notation (views)."""
    v, H, sl = comp.variant, comp.H, comp.slices
    out: Arrays = {}
    for g in comp.gates:
        out[f"dW_{g}"] = fused["W"][sl[g]]
    for g in comp.gates:
        out[f"dR_{g}"] = fused["R"][sl[g]]
    for g in comp.peephole_gates:
        out[f"dp_{g}"] = fused[f"p_{g}"]
    for g in comp.gates:
        out[f"db_{g}"] = fused["b"][sl[g]]
    if v.gate_recurrence:
        dRg = fused["Rg"]
        for bi, bb in enumerate(FGR_GATES):
            for ai, a in enumerate(FGR_GATES):
                out[f"dR_{a}{bb}"] = dRg[bi * H : (bi + 1) * H, ai * H : (ai + 1) * H]
    out["dV"] = fused["V"]
    out["db_V"] = fused["b_V"]
    return out
