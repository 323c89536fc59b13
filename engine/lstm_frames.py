"""The terms of an LSTM frame (docs/NOTATION.md, "Frame terms"), read from the trace of one step.

Each term is the very product the step computed, or one matrix-vector product from the trace
(W_* x, R_* y(t−1), R_*ᵀ d*_bar): cheap enough to build per frame, so the trace stores none of them.
Keys of a gate, peephole or recurrence the variant lacks are absent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from lstm_explorer.engine.variants import FGR_GATES

if TYPE_CHECKING:
    from lstm_explorer.engine.lstm import LSTMComputation

Arrays = dict[str, np.ndarray]


def step_values(comp: LSTMComputation, t: int) -> Arrays:
    """Forward quantities of step t with the state it started from and every term of each sum."""
    v, H, sl = comp.variant, comp.H, comp.slices
    y_prev, c_prev = comp.prev_state(t)
    c = comp.c[t]
    out: Arrays = {"x": comp.x[t], "y_prev": y_prev, "c_prev": c_prev}
    fgr = None
    if v.gate_recurrence:
        assert comp.Rg is not None
        prev = comp.prev_gates(t)
        out.update(i_prev=prev[:H], f_prev=prev[H : 2 * H], o_prev=prev[2 * H :])
        # fgr[b, a] = R_ab a(t−1), block (b, a) of Rg
        fgr = np.einsum("bhak,ak->bah", comp.Rg.reshape(3, H, 3, H), prev.reshape(3, H))
    Wx = np.dot(comp.W, comp.x[t])  # W_* x(t), every unit at once
    Ry = np.dot(comp.R, y_prev)  # R_* y(t−1): the product the forward step added
    peep = {g: comp.params[f"p_{g}"] for g in comp.peephole_gates}
    for g in ("z", "i", "f", "o"):
        if g in sl:
            out[f"Wx_{g}"] = Wx[sl[g]]
            out[f"Ry_{g}"] = Ry[sl[g]]
            if g in peep:  # i, f see the old cell; o the new one
                out[f"pc_{g}"] = peep[g] * (c if g == "o" else c_prev)
            if fgr is not None and g != "z":
                b = FGR_GATES.index(g)
                for a_index, a in enumerate(FGR_GATES):
                    out[f"fgr_{a}{g}"] = fgr[b, a_index]
            out[f"{g}_bar"] = comp.pre[t, sl[g]]
        out[g] = comp.gate(g, t)
        if g == "f":  # the cell, once z, i and f are known
            z = out["z"]
            out["z_i"] = z * out["i"] if v.input_gate else z
            out["c_prev_f"] = c_prev * out["f"] if comp.f_all is not None else c_prev
            out["c"] = c
    out["h_c"] = comp.hc[t]
    out.update(y=comp.y[t], v=comp.v[t], y_hat=comp.y_hat[t])
    return out


def step_deltas(comp: LSTMComputation, t: int) -> Arrays:
    """Errors of step t: what arrives (readout, t+1), each product inside, what leaves for t−1."""
    v, H, sl = comp.variant, comp.H, comp.slices
    assert comp.dv_proj is not None
    out: Arrays = {k: a[t] for k, a in comp.backward_arrays().items()}
    zeros = np.zeros(H, dtype=comp.dy.dtype)
    dnext = None if comp.cut[t] else comp.dpre[t + 1]
    # Arriving: from this step's readout and from step t+1
    out["dy_readout"] = comp.dv_proj[t]
    out["dy_from_next"] = zeros if dnext is None else comp.recurrent(dnext)
    if dnext is None:
        out["dc_from_next"] = zeros
    elif comp.f_all is not None:
        out["dc_from_next"] = comp.dc[t + 1] * comp.f_all[t + 1]
    else:
        out["dc_from_next"] = comp.dc[t + 1]
    for g, gate, p_gate in comp.peep_prev:
        out[f"dc_from_p_{g}_next"] = zeros if dnext is None else p_gate * dnext[gate]
    extra = None
    if v.gate_recurrence:
        extra = np.zeros(3 * H, dtype=zeros.dtype) if dnext is None else comp.gate_recurrent(dnext)
        for k, a in enumerate(FGR_GATES):
            out[f"d_{a}_from_next"] = extra[k * H : (k + 1) * H]
    # Inside step t: local derivatives, then the error at each product
    c_prev = comp.c0 if t == 0 else comp.c[t - 1]
    dy, dc, act_grad = comp.dy[t], comp.dc[t], comp.act_grad[t]
    h_prime = comp.h_grad[t] if comp.h_grad is not None else comp.ones
    out["h_prime"] = h_prime
    out["g_prime"] = act_grad[:H]
    for g in ("i", "f", "o"):
        if g in sl:
            out[f"sigma_prime_{g}"] = act_grad[sl[g]]
    d_h = dy * comp.act[t, sl["o"]] if v.output_gate else dy
    out["d_h"] = d_h
    if v.output_gate:
        d_o = dy * comp.hc[t]
        out["d_o"] = d_o if extra is None else d_o + extra[2 * H :]
    out["dc_from_y"] = d_h * h_prime if comp.h_grad is not None else d_h
    if comp.p_o is not None:
        out["dc_from_p_o"] = comp.p_o * comp.dpre[t, sl["o"]]
    if v.has_forget_params:
        d_f = dc * c_prev
        out["d_f"] = d_f if extra is None else d_f + extra[H : 2 * H]
    if v.input_gate:
        z = comp.act[t, :H]
        d_i = dc * (z - c_prev) if v.coupled else dc * z
        out["d_i"] = d_i if extra is None else d_i + extra[:H]
    out["d_z"] = dc * comp.act[t, sl["i"]] if v.input_gate else dc
    out.update(sent_back(comp, t))
    return out


def sent_back(comp: LSTMComputation, t: int) -> Arrays:
    """What step t sends to step t−1 (at t = 0: the gradients of the initial state)."""
    v, H = comp.variant, comp.H
    dpre = comp.dpre[t]
    out: Arrays = {}
    # R_*ᵀ d*_bar(t) for each unit: R stacked as (unit, H, H)
    shares = np.einsum("gkh,gk->gh", comp.R.reshape(-1, H, H), dpre.reshape(-1, H))
    for k, g in enumerate(comp.gates):
        out[f"dy_prev_{g}"] = shares[k]
    out["dy_prev"] = comp.recurrent(dpre)
    highway = comp.dc[t] * comp.f_all[t] if comp.f_all is not None else comp.dc[t]
    out["dc_prev_highway"] = highway
    total = highway
    for g, gate, p_gate in comp.peep_prev:
        term = p_gate * dpre[gate]
        out[f"dc_prev_p_{g}"] = term
        total = total + term
    out["dc_prev"] = total
    if v.gate_recurrence:
        back = comp.gate_recurrent(dpre)
        for k, a in enumerate(FGR_GATES):
            out[f"d_{a}_prev"] = back[k * H : (k + 1) * H]
    return out
