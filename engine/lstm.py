"""The LSTM of Greff et al. (2017) and its variants, stepped one time step at a time.

Parameters stay separate per gate in the notation (W_z, R_i, p_f, ...); internally the gates that
have weights are stacked once into fused matrices so a step costs one matrix-vector product for
all gates. Every intermediate value is written into preallocated (T, n) arrays: the trace.
The backward pass and the parameter gradients are in engine/lstm_backward.py, the terms of a frame
in engine/lstm_frames.py: both read this trace.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
from lstm_explorer.engine import lstm_backward, lstm_frames
from lstm_explorer.engine.analysis import saturation
from lstm_explorer.engine.array_ops import sigmoid_into, transpose_copy
from lstm_explorer.engine.cell import Arrays, Carry, CellComputation
from lstm_explorer.engine.readout import predict, readout_error, step_loss
from lstm_explorer.engine.spec import ModelSpec
from lstm_explorer.engine.truncation import truncation_cuts
from lstm_explorer.engine.variants import FGR_GATES

if TYPE_CHECKING:
    from lstm_explorer.engine.problem import Problem

FORWARD_KEYS = ("z_bar", "z", "i_bar", "i", "f_bar", "f", "c", "o_bar", "o", "y", "v", "y_hat")
BACKWARD_KEYS = ("dv", "dy", "do_bar", "dc", "df_bar", "di_bar", "dz_bar", "dx")


class LSTMComputation(CellComputation):
    """Parameters, inputs and the full trace of one LSTM run over a sequence."""

    cell: ClassVar[str] = "lstm"
    hidden_key: ClassVar[str] = "y"
    norm_keys: ClassVar[tuple[str, ...]] = ("dy", "dc", "dx")

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        spec, params, inputs = problem.spec, problem.params, problem.inputs
        self.spec = spec
        self.variant = v = spec.variant
        self.params = params
        self.targets = problem.targets
        H, T = spec.hidden_size, inputs.shape[0]
        dt = spec.np_dtype
        self.T, self.H = T, H
        self.x = inputs
        self.gates = v.gates
        self.peephole_gates = v.peephole_gates  # (Variant computes both on every access)
        self.slices = {g: slice(k * H, (k + 1) * H) for k, g in enumerate(self.gates)}
        # Fused weights, rows in self.gates order (z, then the sigmoid gates present).
        self.W = np.concatenate([params[f"W_{g}"] for g in self.gates], axis=0)
        self.R = np.ascontiguousarray(
            np.concatenate([params[f"R_{g}"] for g in self.gates], axis=0)
        )
        # Rᵀ and Wᵀ stored C-contiguous: np.dot(d, M.T) then reads them row by row, for one
        # error vector or a batch (as fast as Mᵀ @ d, and bit for bit the same).
        self.RT = transpose_copy(self.R)
        self.WT = np.ascontiguousarray(self.W.T)
        self.b = np.concatenate([params[f"b_{g}"] for g in self.gates])
        # FGR: block (b, a) of Rg is R_ab, gate a at t−1 into gate b.
        self.Rg = (
            np.block([[params[f"R_{a}{bb}"] for a in FGR_GATES] for bb in FGR_GATES])
            if v.gate_recurrence
            else None
        )
        self.RgT = transpose_copy(self.Rg) if self.Rg is not None else None
        self.V, self.b_V = params["V"], params["b_V"]
        self.y0 = problem.initial_state["y"]
        self.c0 = problem.initial_state["c"]
        self.gates0 = np.zeros(3 * H, dtype=dt)  # FGR: gates before the first step are 0
        # Input projections of every step at once: the inputs are known from the start.
        self.x_proj = inputs @ self.W.T + self.b
        n = len(self.gates) * H
        self.pre = np.zeros((T, n), dtype=dt)  # z̄, ī, f̄, ō side by side
        self.act = np.zeros((T, n), dtype=dt)  # z, i, f, o side by side
        self.ones = np.ones(H, dtype=dt)
        self.c = np.zeros((T, H), dtype=dt)
        self.hc = np.zeros((T, H), dtype=dt)  # h(c(t)), kept for the backward pass
        self.f_derived = np.zeros((T, H), dtype=dt) if v.coupled else None  # CIFG: f = 1 − i
        self.y = np.zeros((T, H), dtype=dt)
        self.v = np.zeros((T, spec.output_size), dtype=dt)
        self.y_hat = np.zeros((T, spec.output_size), dtype=dt)
        self.loss = np.zeros(T, dtype=np.float64)
        self.dpre = np.zeros((T, n), dtype=dt)  # dz̄, dī, df̄, dō side by side
        self.dy = np.zeros((T, H), dtype=dt)
        self.dc = np.zeros((T, H), dtype=dt)
        self.dx = np.zeros((T, inputs.shape[1]), dtype=dt)
        self.dv: np.ndarray | None = None
        self.dv_proj: np.ndarray | None = None
        self.cut = np.zeros(T, dtype=bool)  # cut[t]: no error flows from t+1 into t
        # Which gates the forward step can pass through σ at once, before c(t) is known: i and f
        # (their peepholes see c(t−1)), and o too when it has no peephole.
        self.peep_prev = [
            (g, self.slices[g], params[f"p_{g}"]) for g in v.peephole_gates if g in ("i", "f")
        ]
        self.p_o = params["p_o"] if "o" in v.peephole_gates else None
        n_prev = sum(1 for g in self.gates if g in ("i", "f"))
        self.sig_prev = slice(H, (1 + n_prev) * H)  # i, f
        self.sig_now = self.sig_prev if self.p_o is not None else slice(H, n)  # i, f (, o)
        # Local derivatives, from the forward pass alone: g'(z̄), σ'(ī), σ'(f̄), σ'(ō) side by
        # side, and h'(c); rows 0..derived−1 are valid.
        self.act_grad = np.zeros((T, n), dtype=dt)
        self.h_grad = np.zeros((T, H), dtype=dt) if v.output_activation else None
        self.derived = 0
        # Units whose δ passes through the activation's derivative at the end of a backward step
        # (all but o when o's peephole needs do_bar earlier); the forget gate of every step.
        self.late = slice(0, n - H) if self.p_o is not None else slice(0, n)
        self.f_all = (
            self.act[:, self.slices["f"]]
            if v.has_forget_params
            else self.f_derived
            if v.coupled
            else None
        )

    # ----------------------------------------------------------------- keys
    @classmethod
    def forward_keys(cls, spec: ModelSpec) -> tuple[str, ...]:
        present = spec.variant.gates
        kept = (k for k in FORWARD_KEYS if not (k.endswith("_bar") and k[0] not in present))
        return ("x", *kept)

    @classmethod
    def backward_keys(cls, spec: ModelSpec) -> tuple[str, ...]:
        present = spec.variant.gates
        return tuple(k for k in BACKWARD_KEYS if not (k.endswith("_bar") and k[1] not in present))

    def project_input(self, t: int) -> None:
        """W x(t) + b again after x(t) changed (a stacked layer reads the y of the layer below)."""
        np.add(np.dot(self.W, self.x[t]), self.b, out=self.x_proj[t])

    # ----------------------------------------------------------------- helpers
    def gate(self, name: str, t: int) -> np.ndarray:
        """Post-activation of gate `name` at step t; a removed gate is constant 1, CIFG's f is 1 − i."""
        if name in self.slices:
            return self.act[t, self.slices[name]]
        if name == "f" and self.variant.coupled:
            assert self.f_derived is not None
            return self.f_derived[t]
        return self.ones

    def prev_state(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """y(t−1), c(t−1), with the initial state before step 0."""
        if t == 0:
            return self.y0, self.c0
        return self.y[t - 1], self.c[t - 1]

    def prev_gates(self, t: int) -> np.ndarray:
        """i(t−1), f(t−1), o(t−1) side by side (FGR)."""
        if t == 0:
            return self.gates0
        return self.act[t - 1, self.slices["i"].start :]

    # ----------------------------------------------------------------- forward
    def forward_step(self, t: int) -> None:
        """Compute step t from step t−1 (Greff's equations), writing into the trace."""
        v, H, sl = self.variant, self.H, self.slices
        y_prev, c_prev = (self.y0, self.c0) if t == 0 else (self.y[t - 1], self.c[t - 1])
        pre, act, c = self.pre[t], self.act[t], self.c[t]
        if t < self.derived:
            self.derived = t  # step t is rewritten: its local derivatives are stale
        # Every unit at once: W x(t) + b (projected up front) + R y(t−1)
        np.add(self.x_proj[t], np.dot(self.R, y_prev), out=pre)
        if self.Rg is not None:  # FGR: the gates of t−1 into ī, f̄, ō
            pre[H:] += self.Rg @ self.prev_gates(t)
        # Block input
        z = act[:H]
        if v.input_activation:
            np.tanh(pre[:H], out=z)
        else:
            z[:] = pre[:H]
        # Input gate and forget gate: peepholes from c(t−1), then one σ for both (and for o
        # when it has no peephole: then no gate waits for c(t))
        for _, gate, p_gate in self.peep_prev:
            pre[gate] += p_gate * c_prev
        sigmoid_into(pre[self.sig_now], act[self.sig_now])
        if v.coupled:
            assert self.f_derived is not None
            np.subtract(1.0, act[sl["i"]], out=self.f_derived[t])
        # Cell: c = z ⊙ i + c(t−1) ⊙ f
        if v.input_gate:
            np.multiply(z, act[sl["i"]], out=c)
        else:
            c[:] = z
        if self.f_all is not None:
            c += c_prev * self.f_all[t]
        else:
            c += c_prev
        # Output gate: its peephole sees c(t)
        if self.p_o is not None:
            pre[sl["o"]] += self.p_o * c
            sigmoid_into(pre[sl["o"]], act[sl["o"]])
        # Block output: y = h(c) ⊙ o
        hc, y = self.hc[t], self.y[t]
        if v.output_activation:
            np.tanh(c, out=hc)
        else:
            hc[:] = c
        if v.output_gate:
            np.multiply(hc, act[sl["o"]], out=y)
        else:
            y[:] = hc
        # Readout
        out = self.v[t]
        np.add(np.dot(self.V, y), self.b_V, out=out)
        self.y_hat[t] = predict(out, self.spec.loss)
        self.loss[t] = step_loss(out, self.targets, t)

    def saturation(self, t: int) -> float:
        gates = [self.act[t, self.slices[g]] for g in self.gates if g != "z"]
        return saturation(gates, [self.act[t, : self.H]] if self.variant.input_activation else [])

    # ----------------------------------------------------------------- backward
    # The equations are in engine/lstm_backward.py; these methods are the cell interface to them.
    def prepare_derivatives(self, n: int) -> None:
        lstm_backward.prepare_derivatives(self, n)

    def start_backward(self, truncate: int | None) -> None:
        """Readout errors of every step at once, and where truncation cuts the flow of errors."""
        self.dv = readout_error(self.y_hat, self.targets)
        self.dv_proj = self.dv @ self.V  # Vᵀ dv(t) for every t
        self.prepare_derivatives(self.T)
        self.cut = truncation_cuts(self.T, truncate)

    def recurrent(self, dpre: np.ndarray) -> np.ndarray:
        """Σ R_*ᵀ d*_bar: the error a step's units send to y of the step before."""
        return np.dot(dpre, self.RT.T)

    def gate_recurrent(self, dpre: np.ndarray) -> np.ndarray:
        """FGR: Σ_b R_abᵀ db_bar for a = i, f, o side by side: sent to the gates of the step before."""
        assert self.RgT is not None
        return np.dot(dpre[..., self.H :], self.RgT.T)

    def backward_step(self, t: int) -> None:
        lstm_backward.backward_step(self, t)

    def batch_step(
        self, t: int, seed: np.ndarray | None, carry: Carry | None
    ) -> tuple[np.ndarray, Carry]:
        return lstm_backward.batch_step(self, t, seed, carry)

    # ----------------------------------------------------------------- gradients
    def window_grads(self, t_from: int, t_to: int) -> Arrays:
        return lstm_backward.window_grads(self, t_from, t_to)

    def named_grads(self, fused: Arrays) -> Arrays:
        return lstm_backward.named_grads(self, fused)

    def initial_state_grads(self) -> Arrays:
        """Gradients of the loss with respect to y(−1) and c(−1): what step 0 sends back."""
        sent = lstm_frames.sent_back(self, 0)
        return {"y": sent["dy_prev"], "c": sent["dc_prev"]}

    # ----------------------------------------------------------------- named views
    def forward_arrays(self) -> Arrays:
        """Every forward quantity as a (T, n) array under its notation key."""
        out: Arrays = {"x": self.x}
        for g in ("z", "i", "f", "o"):
            if g in self.slices:
                out[f"{g}_bar"] = self.pre[:, self.slices[g]]
                out[g] = self.act[:, self.slices[g]]
            elif g == "f" and self.f_derived is not None:
                out["f"] = self.f_derived
            else:
                out[g] = np.ones((self.T, self.H), dtype=self.c.dtype)
        out.update(c=self.c, y=self.y, v=self.v, y_hat=self.y_hat)
        return out

    def backward_arrays(self) -> Arrays:
        """Every per-step error as a (T, n) array under its notation key."""
        assert self.dv is not None
        out: Arrays = {"dv": self.dv, "dy": self.dy}
        for g in ("o", "f", "i", "z"):
            if g in self.slices:
                out[f"d{g}_bar"] = self.dpre[:, self.slices[g]]
            if g == "o":
                out["dc"] = self.dc
        out["dx"] = self.dx
        return out

    def step_values(self, t: int) -> Arrays:
        return lstm_frames.step_values(self, t)

    def step_deltas(self, t: int) -> Arrays:
        return lstm_frames.step_deltas(self, t)
