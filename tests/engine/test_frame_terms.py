"""Every frame carries every term of docs/NOTATION.md, "Frame terms", and the terms add up.

Each identity is checked against the parameters by name (W_i, R_f, p_o, R_fi, ...) and the
forward arrays, not against the engine's fused matrices, for every LSTM variant (and combinations)
and the simple RNN, with full and truncated BPTT. Keys of what a variant lacks must be absent.
"""

from __future__ import annotations

import numpy as np
import pytest
from lstm_explorer.engine.problem import Problem
from lstm_explorer.engine.runner import BackwardFrame, ForwardFrame, Runner
from lstm_explorer.engine.variants import Variant

from tests.engine.gradcheck import (
    VARIANTS,
    make_spec,
    random_inputs,
    random_params,
    random_state,
    raw_targets,
)

T = 7
LSTM_VARIANTS = (*VARIANTS, "FGR+NP", "NIG+NOG", "NFG+NP+NOAF")
MODELS = [("lstm", v) for v in LSTM_VARIANTS] + [("rnn", "vanilla")]
IDS = [v if c == "lstm" else "rnn" for c, v in MODELS]
TRUNCATIONS = {"full_bptt": None, "truncated_k3": 3}
GATES = ("i", "f", "o")


def frames(
    cell: str, variant: str, truncate: int | None
) -> tuple[Runner, list[ForwardFrame], list[BackwardFrame]]:
    """A model with targets on some steps; every forward frame, every backward frame (t order)."""
    loss = "cross_entropy" if cell == "rnn" or "NP" in variant else "mse"  # both across the grid
    spec = make_spec(cell, variant, loss)
    targets = raw_targets(spec, T, (1, 2, 4, T - 1), 5)
    problem = Problem.build(
        spec,
        random_params(spec, 5),
        random_inputs(spec, T, 5),
        targets,
        random_state(spec, 5),
        truncate,
    )
    runner = Runner(problem)
    forward = [runner.step_forward() for _ in range(T)]
    backward = [runner.step_backward() for _ in range(T)][::-1]
    return runner, forward, backward


def own_gates(v: Variant) -> list[str]:
    """Gates with their own weights: NIG, NFG, NOG remove one; CIFG derives f from i."""
    on = {"i": v.input_gate, "f": v.forget_gate and not v.coupled, "o": v.output_gate}
    return [g for g in GATES if on[g]]


def expected_values(v: Variant) -> set[str]:
    keys = {"x", "y_prev", "c_prev", "z_bar", "z", "i", "f", "c", "o", "y", "v", "y_hat"}
    keys |= {"Wx_z", "Ry_z", "z_i", "c_prev_f", "h_c"}
    for g in own_gates(v):
        keys |= {f"{g}_bar", f"Wx_{g}", f"Ry_{g}"} | ({f"pc_{g}"} if v.peepholes else set())
    if v.gate_recurrence:
        keys |= {"i_prev", "f_prev", "o_prev"} | {f"fgr_{a}{b}" for a in GATES for b in GATES}
    return keys


def expected_deltas(v: Variant) -> set[str]:
    keys = {"dv", "dy", "dc", "dz_bar", "dx", "dy_readout", "dy_from_next", "dc_from_next"}
    keys |= {"h_prime", "g_prime", "d_h", "dc_from_y", "d_z", "dy_prev_z", "dy_prev"}
    keys |= {"dc_prev_highway", "dc_prev"}
    for g in own_gates(v):
        keys |= {f"d{g}_bar", f"sigma_prime_{g}", f"dy_prev_{g}", f"d_{g}"}
        if v.peepholes:
            keys |= {"dc_from_p_o"} if g == "o" else {f"dc_from_p_{g}_next", f"dc_prev_p_{g}"}
    if v.gate_recurrence:
        keys |= {f"d_{a}_from_next" for a in GATES} | {f"d_{a}_prev" for a in GATES}
    return keys


def close(a: np.ndarray, b: np.ndarray, what: str) -> None:
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14, err_msg=what)


def sum_of(*parts: np.ndarray | None) -> np.ndarray:
    present = [p for p in parts if p is not None]
    return np.sum(present, axis=0)


@pytest.mark.parametrize("variant", LSTM_VARIANTS)
def test_lstm_frames_carry_exactly_the_terms_of_the_variant(variant: str) -> None:
    runner, forward, backward = frames("lstm", variant, None)
    v = runner.spec.variant
    for f, b in zip(forward, backward, strict=True):
        assert set(f.values) == expected_values(v), f"values at {f.t}"
        assert set(b.deltas) == expected_deltas(v), f"deltas at {b.t}"


@pytest.mark.parametrize("truncate", TRUNCATIONS.values(), ids=TRUNCATIONS.keys())
@pytest.mark.parametrize("variant", LSTM_VARIANTS)
def test_lstm_forward_terms_add_up_to_each_sum_and_product(
    variant: str, truncate: int | None
) -> None:
    runner, forward, _ = frames("lstm", variant, truncate)
    v, p = runner.spec.variant, runner.params
    for t, frame in enumerate(forward):
        val = frame.values
        y_prev = runner.initial_state["y"] if t == 0 else forward[t - 1].values["y"]
        c_prev = runner.initial_state["c"] if t == 0 else forward[t - 1].values["c"]
        close(val["y_prev"], y_prev, f"y_prev({t})")
        close(val["c_prev"], c_prev, f"c_prev({t})")
        for g in ("z", *own_gates(v)):
            close(val[f"Wx_{g}"], p[f"W_{g}"] @ val["x"], f"Wx_{g}({t})")
            close(val[f"Ry_{g}"], p[f"R_{g}"] @ y_prev, f"Ry_{g}({t})")
            terms = [val[f"Wx_{g}"], val[f"Ry_{g}"], p[f"b_{g}"], val.get(f"pc_{g}")]
            if v.gate_recurrence and g != "z":
                terms += [val[f"fgr_{a}{g}"] for a in GATES]
            close(val[f"{g}_bar"], sum_of(*terms), f"{g}_bar({t}) as the sum of its terms")
        for g in own_gates(v):
            if v.peepholes:
                seen = val["c"] if g == "o" else c_prev
                close(val[f"pc_{g}"], p[f"p_{g}"] * seen, f"pc_{g}({t})")
        if v.gate_recurrence:
            before = {a: forward[t - 1].values[a] if t else np.zeros(3) for a in GATES}
            for a in GATES:
                close(val[f"{a}_prev"], before[a], f"{a}_prev({t})")
                for b in GATES:
                    close(val[f"fgr_{a}{b}"], p[f"R_{a}{b}"] @ before[a], f"fgr_{a}{b}({t})")
        close(val["z_i"], val["z"] * val["i"], f"z_i({t})")
        close(val["c_prev_f"], c_prev * val["f"], f"c_prev_f({t})")
        close(val["c"], val["z_i"] + val["c_prev_f"], f"c({t}) = z_i + c_prev_f")
        h_c = np.tanh(val["c"]) if v.output_activation else val["c"]
        close(val["h_c"], h_c, f"h_c({t})")
        close(val["y"], val["h_c"] * val["o"], f"y({t}) = h_c ⊙ o")


@pytest.mark.parametrize("truncate", TRUNCATIONS.values(), ids=TRUNCATIONS.keys())
@pytest.mark.parametrize("variant", LSTM_VARIANTS)
def test_lstm_backward_terms_add_up_and_what_leaves_t_arrives_at_t_minus_1(
    variant: str, truncate: int | None
) -> None:
    runner, forward, backward = frames("lstm", variant, truncate)
    v, p = runner.spec.variant, runner.params
    for t, frame in enumerate(backward):
        d, val = frame.deltas, forward[t].values
        c_prev = val["c_prev"]
        # arriving
        close(d["dy_readout"], p["V"].T @ d["dv"], f"dy_readout({t})")
        close(d["dy"], d["dy_readout"] + d["dy_from_next"], f"dy({t}) = readout + from next")
        parts = ("dc_from_y", "dc_from_p_o", "dc_from_p_i_next", "dc_from_p_f_next")
        close(d["dc"], sum_of(*(d.get(k) for k in parts), d["dc_from_next"]), f"dc({t}) parts")
        # local derivatives
        h_prime = 1 - np.tanh(val["c"]) ** 2 if v.output_activation else np.ones(3)
        close(d["h_prime"], h_prime, f"h_prime({t})")
        close(d["g_prime"], 1 - val["z"] ** 2 if v.input_activation else np.ones(3), "g_prime")
        for g in own_gates(v):
            close(d[f"sigma_prime_{g}"], val[g] * (1 - val[g]), f"sigma_prime_{g}({t})")
        # inside
        fgr = {a: d.get(f"d_{a}_from_next", 0.0) for a in GATES}
        close(d["d_h"], d["dy"] * val["o"], f"d_h({t})")
        close(d["dc_from_y"], d["d_h"] * d["h_prime"], f"dc_from_y({t})")
        if v.output_gate:
            close(d["d_o"], d["dy"] * val["h_c"] + fgr["o"], f"d_o({t})")
            close(d["do_bar"], d["d_o"] * d["sigma_prime_o"], f"do_bar({t})")
            if v.peepholes:
                close(d["dc_from_p_o"], p["p_o"] * d["do_bar"], f"dc_from_p_o({t})")
        if "f" in own_gates(v):
            close(d["d_f"], d["dc"] * c_prev + fgr["f"], f"d_f({t})")
            close(d["df_bar"], d["d_f"] * d["sigma_prime_f"], f"df_bar({t})")
        if v.input_gate:
            kept = val["z"] - c_prev if v.coupled else val["z"]
            close(d["d_i"], d["dc"] * kept + fgr["i"], f"d_i({t})")
            close(d["di_bar"], d["d_i"] * d["sigma_prime_i"], f"di_bar({t})")
        close(d["d_z"], d["dc"] * val["i"], f"d_z({t})")
        close(d["dz_bar"], d["d_z"] * d["g_prime"], f"dz_bar({t})")
        # leaving for t−1
        for g in ("z", *own_gates(v)):
            close(d[f"dy_prev_{g}"], p[f"R_{g}"].T @ d[f"d{g}_bar"], f"dy_prev_{g}({t})")
        shares = [d[f"dy_prev_{g}"] for g in ("z", *own_gates(v))]
        close(d["dy_prev"], sum_of(*shares), f"dy_prev({t}) = Σ its shares")
        close(d["dc_prev_highway"], d["dc"] * val["f"], f"dc_prev_highway({t})")
        for g in ("i", "f"):
            if f"dc_prev_p_{g}" in d:
                close(d[f"dc_prev_p_{g}"], p[f"p_{g}"] * d[f"d{g}_bar"], f"dc_prev_p_{g}({t})")
        peep = (d.get("dc_prev_p_i"), d.get("dc_prev_p_f"))
        close(d["dc_prev"], sum_of(d["dc_prev_highway"], *peep), f"dc_prev({t}) = Σ its parts")
        if v.gate_recurrence:
            for a in GATES:
                sent = sum_of(*(p[f"R_{a}{b}"].T @ d[f"d{b}_bar"] for b in GATES))
                close(d[f"d_{a}_prev"], sent, f"d_{a}_prev({t})")
    assert_what_leaves_arrives(runner, backward, ("dy", "dc", *(f"d_{a}" for a in GATES)))


def assert_what_leaves_arrives(
    runner: Runner, backward: list[BackwardFrame], streams: tuple[str, ...]
) -> None:
    """x_prev(t) == x_from_next(t−1) where truncation does not cut (there: 0 arrives); at t = 0
    what leaves is the gradient of the initial state."""
    k = runner.truncate
    for t, frame in enumerate(backward):
        assert frame.cut_to_prev == (t > 0 and k is not None and t % k == 0), f"cut_to_prev({t})"
        d = frame.deltas
        for s in streams:
            if f"{s}_prev" not in d:
                continue
            if s == "dc":  # the cell's error arrives in three parts
                parts = ("dc_from_next", "dc_from_p_i_next", "dc_from_p_f_next")
                prev = backward[t - 1].deltas if t else {}
                arrived = sum_of(*(prev.get(p) for p in parts)) if t else None
            else:
                arrived = backward[t - 1].deltas[f"{s}_from_next"] if t else None
            if t == 0:
                if s in ("dy", "dc", "dh"):
                    state = runner.initial_state_grads()[s[1:]]
                    close(d[f"{s}_prev"], state, f"{s}_prev(0) = initial-state gradient")
            elif frame.cut_to_prev:
                assert arrived is not None and not np.any(arrived), f"{s} arrives across a cut"
            else:
                close(d[f"{s}_prev"], arrived, f"{s}_prev({t}) = {s}_from_next({t - 1})")


@pytest.mark.parametrize("truncate", TRUNCATIONS.values(), ids=TRUNCATIONS.keys())
def test_rnn_terms_add_up_and_what_leaves_t_arrives_at_t_minus_1(truncate: int | None) -> None:
    runner, forward, backward = frames("rnn", "vanilla", truncate)
    p = runner.params
    for t, (f, b) in enumerate(zip(forward, backward, strict=True)):
        val, d = f.values, b.deltas
        assert set(val) == {"x", "h_prev", "Wh", "Ux", "a", "h", "o", "y_hat"}
        assert set(d) == {
            "do",
            "dh",
            "da",
            "dx",
            "dh_readout",
            "dh_from_next",
            "h_prime",
            "dh_prev",
        }
        h_prev = runner.initial_state["h"] if t == 0 else forward[t - 1].values["h"]
        close(val["h_prev"], h_prev, f"h_prev({t})")
        close(val["Wh"], p["W"] @ h_prev, f"Wh({t})")
        close(val["Ux"], p["U"] @ val["x"], f"Ux({t})")
        close(val["a"], p["b"] + val["Wh"] + val["Ux"], f"a({t}) = b + Wh + Ux")
        close(d["dh_readout"], p["V"].T @ d["do"], f"dh_readout({t})")
        close(d["dh"], d["dh_readout"] + d["dh_from_next"], f"dh({t}) = readout + from next")
        close(d["h_prime"], 1 - val["h"] ** 2, f"h_prime({t})")
        close(d["da"], d["dh"] * d["h_prime"], f"da({t})")
        close(d["dh_prev"], p["W"].T @ d["da"], f"dh_prev({t})")
    assert_what_leaves_arrives(runner, backward, ("dh",))


def test_expected_key_sets_follow_the_variant_switches() -> None:
    """The helpers above are the contract: spot-check them against docs/NOTATION.md by hand."""
    nig = expected_deltas(Variant.parse("NIG"))
    assert "d_i" not in nig and "dc_from_p_i_next" not in nig and "dc_from_p_f_next" in nig
    cifg = expected_values(Variant.parse("NP+CIFG"))
    assert "f_bar" not in cifg and "pc_i" not in cifg and "c_prev_f" in cifg
    fgr = expected_values(Variant.parse("FGR"))
    assert {"fgr_fi", "fgr_oo", "i_prev"} <= fgr
