"""The LSTM of Greff et al. (2017) and its variants, stepped one time step at a time.

Parameters stay separate per gate in the notation (W_z, R_i, p_f, ...); internally the gates that
have weights are stacked once into fused matrices so a step costs one matrix-vector product for
all gates. Every intermediate value is written into preallocated (T, n) arrays: the trace.
"""

from __future__ import annotations

import numpy as np

from engine.activations import sigmoid, sigmoid_grad_from_output, tanh_grad_from_output
from engine.readout import Targets, predict, readout_error, step_loss
from engine.spec import ModelSpec
from engine.variants import FGR_GATES

FORWARD_KEYS = ("z_bar", "z", "i_bar", "i", "f_bar", "f", "c", "o_bar", "o", "y", "v", "y_hat")
BACKWARD_KEYS = ("dv", "dy", "do_bar", "dc", "df_bar", "di_bar", "dz_bar", "dx")


class LSTMComputation:
    """Parameters, inputs and the full trace of one LSTM run over a sequence."""

    def __init__(
        self,
        spec: ModelSpec,
        params: dict[str, np.ndarray],
        inputs: np.ndarray,
        targets: Targets,
        initial_state: dict[str, np.ndarray],
    ) -> None:
        self.spec = spec
        self.variant = v = spec.variant
        self.params = params
        self.targets = targets
        H, T = spec.hidden_size, inputs.shape[0]
        dt = spec.np_dtype
        self.T, self.H = T, H
        self.x = inputs
        self.gates = v.gates
        self.slices = {g: slice(k * H, (k + 1) * H) for k, g in enumerate(self.gates)}
        # Fused weights, rows in self.gates order (z, then the sigmoid gates present).
        self.W = np.concatenate([params[f"W_{g}"] for g in self.gates], axis=0)
        self.R = np.ascontiguousarray(np.concatenate([params[f"R_{g}"] for g in self.gates], axis=0))
        self.RT = np.ascontiguousarray(self.R.T)
        self.WT = np.ascontiguousarray(self.W.T)
        b = np.concatenate([params[f"b_{g}"] for g in self.gates])
        # FGR: block (b, a) of Rg is R_ab, gate a at t−1 into gate b.
        self.Rg = (
            np.block([[params[f"R_{a}{bb}"] for a in FGR_GATES] for bb in FGR_GATES])
            if v.gate_recurrence
            else None
        )
        self.V, self.b_V = params["V"], params["b_V"]
        self.y0 = initial_state["y"]
        self.c0 = initial_state["c"]
        self.gates0 = np.zeros(3 * H, dtype=dt)  # FGR: gates before the first step are 0
        # Input projections of every step at once: the inputs are known from the start.
        self.x_proj = inputs @ self.W.T + b
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
        self.cut = np.zeros(T, dtype=bool)  # cut[t]: no error flows from t+1 into t

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
        v, p, sl = self.variant, self.params, self.slices
        y_prev, c_prev = self.prev_state(t)
        pre, act = self.pre[t], self.act[t]
        np.add(self.x_proj[t], self.R @ y_prev, out=pre)
        if self.Rg is not None:
            pre[sl["i"].start :] += self.Rg @ self.prev_gates(t)
        # Block input
        act[sl["z"]] = np.tanh(pre[sl["z"]]) if v.input_activation else pre[sl["z"]]
        # Input gate
        if v.input_gate:
            if v.peepholes:
                pre[sl["i"]] += p["p_i"] * c_prev
            act[sl["i"]] = sigmoid(pre[sl["i"]])
        # Forget gate
        if v.has_forget_params:
            if v.peepholes:
                pre[sl["f"]] += p["p_f"] * c_prev
            act[sl["f"]] = sigmoid(pre[sl["f"]])
        elif v.coupled:
            assert self.f_derived is not None
            np.subtract(1.0, act[sl["i"]], out=self.f_derived[t])
        # Cell
        c = self.c[t]
        i, f = self.gate("i", t), self.gate("f", t)
        np.multiply(act[sl["z"]], i, out=c)
        c += c_prev * f
        # Output gate
        if v.output_gate:
            if v.peepholes:
                pre[sl["o"]] += p["p_o"] * c
            act[sl["o"]] = sigmoid(pre[sl["o"]])
        # Block output
        self.hc[t] = np.tanh(c) if v.output_activation else c
        np.multiply(self.hc[t], self.gate("o", t), out=self.y[t])
        # Readout
        np.add(self.V @ self.y[t], self.b_V, out=self.v[t])
        self.y_hat[t] = predict(self.v[t], self.spec.loss)
        self.loss[t] = step_loss(self.v[t], self.targets, t)

    # ----------------------------------------------------------------- backward
    def start_backward(self, truncate: int | None) -> None:
        """Readout errors of every step at once, and where truncation cuts the flow of errors."""
        self.dv = readout_error(self.y_hat, self.targets)
        self.dv_proj = self.dv @ self.V  # Vᵀ dv(t) for every t
        self.cut[:] = False
        self.cut[-1] = True
        if truncate:
            self.cut[truncate - 1 :: truncate] = True

    def recurrent_error(self, t: int) -> np.ndarray:
        """dy_from_next(t): Σ R_*ᵀ d*_bar(t+1), zero where the flow is cut."""
        if self.cut[t]:
            return np.zeros(self.H, dtype=self.dy.dtype)
        return self.RT @ self.dpre[t + 1]

    def highway_error(self, t: int) -> np.ndarray:
        """dc_from_next(t): dc(t+1) ⊙ f(t+1), the error carried back along the cell highway."""
        if self.cut[t]:
            return np.zeros(self.H, dtype=self.dc.dtype)
        return self.dc[t + 1] * self.gate("f", t + 1)

    def backward_step(self, t: int) -> None:
        """BPTT for step t, given step t+1 (Greff's backward equations)."""
        v, p, sl = self.variant, self.params, self.slices
        cut = self.cut[t]
        _, c_prev = self.prev_state(t)
        act, dpre = self.act[t], self.dpre[t]
        dnext = self.dpre[t + 1] if not cut else None
        # backprop into y: from the readout and from every unit at t+1
        dy = self.dy[t]
        np.copyto(dy, self.dv_proj[t])
        if dnext is not None:
            dy += self.RT @ dnext
        # FGR: errors into the gates of t from the gates of t+1
        extra = self.Rg.T @ dnext[sl["i"].start :] if (self.Rg is not None and dnext is not None) else None
        # Output gate
        if v.output_gate:
            do = dy * self.hc[t]
            if extra is not None:
                do += extra[2 * self.H :]
            dpre[sl["o"]] = do * sigmoid_grad_from_output(act[sl["o"]])
        # Cell: through h, the output peephole, and from t+1 along the highway and peepholes
        dc = self.dc[t]
        h_grad = tanh_grad_from_output(self.hc[t]) if v.output_activation else 1.0
        np.multiply(dy * self.gate("o", t), h_grad, out=dc)
        if v.output_gate and v.peepholes:
            dc += p["p_o"] * dpre[sl["o"]]
        if dnext is not None:
            dc += self.dc[t + 1] * self.gate("f", t + 1)
            if v.peepholes and v.input_gate:
                dc += p["p_i"] * dnext[sl["i"]]
            if v.peepholes and v.has_forget_params:
                dc += p["p_f"] * dnext[sl["f"]]
        # Forget gate
        if v.has_forget_params:
            df = dc * c_prev
            if extra is not None:
                df += extra[self.H : 2 * self.H]
            dpre[sl["f"]] = df * sigmoid_grad_from_output(act[sl["f"]])
        # Input gate (CIFG: f = 1 − i, so i also pays for what f would have kept)
        if v.input_gate:
            di = dc * (act[sl["z"]] - c_prev) if v.coupled else dc * act[sl["z"]]
            if extra is not None:
                di += extra[: self.H]
            dpre[sl["i"]] = di * sigmoid_grad_from_output(act[sl["i"]])
        # Block input
        dz = dc * self.gate("i", t)
        dpre[sl["z"]] = dz * tanh_grad_from_output(act[sl["z"]]) if v.input_activation else dz
        # backprop into x
        np.matmul(self.WT, dpre, out=self.dx[t])

    # ----------------------------------------------------------------- gradients
    def grads(self, t_from: int = 0, t_to: int | None = None) -> dict[str, np.ndarray]:
        """Parameter gradients summed over steps t_from..t_to−1 (default: as far as BPTT reached)."""
        v, H, sl = self.variant, self.H, self.slices
        assert self.dv is not None
        win = slice(t_from, self.T if t_to is None else t_to)
        dpre = self.dpre[win]
        y_prev = np.concatenate([self.y0[None, :], self.y[:-1]])[win]
        dW = dpre.T @ self.x[win]
        dR = dpre.T @ y_prev
        db = dpre.sum(axis=0)
        out: dict[str, np.ndarray] = {}
        for g in self.gates:
            out[f"dW_{g}"] = dW[sl[g]]
        for g in self.gates:
            out[f"dR_{g}"] = dR[sl[g]]
        if v.peepholes:
            c_prev = np.concatenate([self.c0[None, :], self.c[:-1]])[win]
            for g in v.peephole_gates:
                cells = self.c[win] if g == "o" else c_prev
                out[f"dp_{g}"] = np.einsum("th,th->h", cells, dpre[:, sl[g]])
        for g in self.gates:
            out[f"db_{g}"] = db[sl[g]]
        if v.gate_recurrence:
            gates_prev = np.concatenate([self.gates0[None, :], self.act[:-1, sl["i"].start :]])
            dRg = dpre[:, sl["i"].start :].T @ gates_prev[win]
            for bi, bb in enumerate(FGR_GATES):
                for ai, a in enumerate(FGR_GATES):
                    out[f"dR_{a}{bb}"] = dRg[bi * H : (bi + 1) * H, ai * H : (ai + 1) * H]
        dv = self.dv[win]
        out["dV"] = dv.T @ self.y[win]
        out["db_V"] = dv.sum(axis=0)
        return {k: np.ascontiguousarray(a) for k, a in out.items()}

    def step_grads(self, t: int) -> dict[str, np.ndarray]:
        """Each parameter's gradient contribution at step t alone."""
        return self.grads(t, t + 1)

    def initial_state_grads(self) -> dict[str, np.ndarray]:
        """Gradients of the loss with respect to y(−1) and c(−1) (the initial state)."""
        v, p, sl = self.variant, self.params, self.slices
        d0 = self.dpre[0]
        dy0 = self.RT @ d0
        dc0 = self.dc[0] * self.gate("f", 0)
        if v.peepholes and v.input_gate:
            dc0 = dc0 + p["p_i"] * d0[sl["i"]]
        if v.peepholes and v.has_forget_params:
            dc0 = dc0 + p["p_f"] * d0[sl["f"]]
        return {"y": dy0, "c": dc0}

    # ----------------------------------------------------------------- named views
    def forward_arrays(self) -> dict[str, np.ndarray]:
        """Every forward quantity as a (T, n) array under its notation key."""
        out: dict[str, np.ndarray] = {"x": self.x}
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

    def backward_arrays(self) -> dict[str, np.ndarray]:
        """Every per-step error as a (T, n) array under its notation key."""
        assert self.dv is not None
        out: dict[str, np.ndarray] = {"dv": self.dv, "dy": self.dy}
        for g in ("o", "f", "i", "z"):
            if g in self.slices:
                out[f"d{g}_bar"] = self.dpre[:, self.slices[g]]
            if g == "o":
                out["dc"] = self.dc
        out["dx"] = self.dx
        return out

    def step_values(self, t: int) -> dict[str, np.ndarray]:
        """Forward quantities of step t, with the state it started from."""
        y_prev, c_prev = self.prev_state(t)
        out = {"x": self.x[t], "y_prev": y_prev, "c_prev": c_prev}
        if self.variant.gate_recurrence:
            g = self.prev_gates(t)
            out.update(i_prev=g[: self.H], f_prev=g[self.H : 2 * self.H], o_prev=g[2 * self.H :])
        for g in ("z", "i", "f", "o"):
            if g in self.slices:
                out[f"{g}_bar"] = self.pre[t, self.slices[g]]
            out[g] = self.gate(g, t)
        out.update(c=self.c[t], y=self.y[t], v=self.v[t], y_hat=self.y_hat[t])
        return out

    def step_deltas(self, t: int) -> dict[str, np.ndarray]:
        """Errors of step t, with the parts that arrive from t+1."""
        out = {k: a[t] for k, a in self.backward_arrays().items()}
        out["dy_from_next"] = self.recurrent_error(t)
        out["dc_from_next"] = self.highway_error(t)
        return out
