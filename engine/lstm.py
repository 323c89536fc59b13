"""The LSTM of Greff et al. (2017) and its variants, stepped one time step at a time.

Parameters stay separate per gate in the notation (W_z, R_i, p_f, ...); internally the gates that
have weights are stacked once into fused matrices so a step costs one matrix-vector product for
all gates. Every intermediate value is written into preallocated (T, n) arrays: the trace.
"""

from __future__ import annotations

import numpy as np

from engine.readout import Targets, predict, readout_error, step_loss
from engine.spec import ModelSpec
from engine.truncation import truncation_cuts
from engine.variants import FGR_GATES

FORWARD_KEYS = ("z_bar", "z", "i_bar", "i", "f_bar", "f", "c", "o_bar", "o", "y", "v", "y_hat")
BACKWARD_KEYS = ("dv", "dy", "do_bar", "dc", "df_bar", "di_bar", "dz_bar", "dx")


def _sigmoid_into(x: np.ndarray, out: np.ndarray) -> None:
    """out = σ(x) = ½(1 + tanh(x/2)): activations.sigmoid's operations, without temporaries."""
    np.multiply(x, 0.5, out=out)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5


def transpose_copy(a: np.ndarray, rows: int = 64) -> np.ndarray:
    """aᵀ as a C-contiguous copy, a stripe of rows at a time (10× faster than one strided copy)."""
    out = np.empty(a.shape[::-1], dtype=a.dtype)
    for start in range(0, a.shape[0], rows):
        out[:, start : start + rows] = a[start : start + rows].T
    return out


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
        self.R = np.ascontiguousarray(
            np.concatenate([params[f"R_{g}"] for g in self.gates], axis=0)
        )
        self.RT = transpose_copy(self.R)
        self.WT = np.ascontiguousarray(self.W.T)
        b = np.concatenate([params[f"b_{g}"] for g in self.gates])
        # FGR: block (b, a) of Rg is R_ab, gate a at t−1 into gate b.
        self.Rg = (
            np.block([[params[f"R_{a}{bb}"] for a in FGR_GATES] for bb in FGR_GATES])
            if v.gate_recurrence
            else None
        )
        self.RgT = self.Rg.T if self.Rg is not None else None
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
        # Which gates the forward step can pass through σ at once, before c(t) is known: i and f
        # (their peepholes see c(t−1)), and o too when it has no peephole.
        self.peep_prev = [
            (self.slices[g], params[f"p_{g}"]) for g in v.peephole_gates if g in ("i", "f")
        ]
        self.p_o = params["p_o"] if "o" in v.peephole_gates else None
        n_prev = sum(1 for g in self.gates if g in ("i", "f"))
        self.sig_prev = slice(H, (1 + n_prev) * H)  # i, f
        self.sig_now = self.sig_prev if self.p_o is not None else slice(H, n)  # i, f (, o)
        self.act_grad = np.zeros((T, n), dtype=dt)  # g'(z̄), σ'(ī), σ'(f̄), σ'(ō) side by side
        self.h_grad: np.ndarray | None = None  # h'(c)
        self.scratch = np.zeros(H, dtype=dt)
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
        for gate, p_gate in self.peep_prev:
            pre[gate] += p_gate * c_prev
        _sigmoid_into(pre[self.sig_now], act[self.sig_now])
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
            _sigmoid_into(pre[sl["o"]], act[sl["o"]])
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

    # ----------------------------------------------------------------- backward
    def start_backward(self, truncate: int | None) -> None:
        """Readout errors of every step at once, and where truncation cuts the flow of errors."""
        self.dv = readout_error(self.y_hat, self.targets)
        self.dv_proj = self.dv @ self.V  # Vᵀ dv(t) for every t
        # Local derivatives need only the forward pass: every step at once, element by element.
        # act_grad = ∂act/∂pre in the units' layout: g'(z̄) = 1 − z², σ'(ā) = a ⊙ (1 − a).
        v, H = self.variant, self.H
        z, gates = self.act[:, :H], self.act[:, H:]
        self.act_grad[:, :H] = 1.0 - z * z if v.input_activation else 1.0
        self.act_grad[:, H:] = gates * (1.0 - gates)
        self.h_grad = 1.0 - self.hc * self.hc if v.output_activation else None  # h'(c)
        self.cut = truncation_cuts(self.T, truncate)

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
        v, H, sl = self.variant, self.H, self.slices
        c_prev = self.c0 if t == 0 else self.c[t - 1]
        act, act_grad, dpre = self.act[t], self.act_grad[t], self.dpre[t]
        dy, dc = self.dy[t], self.dc[t]
        dnext = None if self.cut[t] else self.dpre[t + 1]
        # backprop into y: from the readout and from every unit at t+1
        if dnext is None:
            dy[:] = self.dv_proj[t]
        else:
            np.add(self.dv_proj[t], np.dot(self.RT, dnext), out=dy)
        # FGR: errors into the gates of t from the gates of t+1
        extra = self.RgT @ dnext[H:] if (self.RgT is not None and dnext is not None) else None
        # Output gate (through σ' now if its peephole passes do_bar on to the cell)
        if v.output_gate:
            do = dpre[sl["o"]]
            np.multiply(dy, self.hc[t], out=do)
            if extra is not None:
                do += extra[2 * H :]
            if self.p_o is not None:
                do *= act_grad[sl["o"]]
        # Cell: through h, the output peephole, and from t+1 along the highway and peepholes
        if v.output_gate:
            np.multiply(dy, act[sl["o"]], out=dc)
        else:
            dc[:] = dy
        if self.h_grad is not None:
            dc *= self.h_grad[t]
        if self.p_o is not None:
            dc += self.p_o * dpre[sl["o"]]
        if dnext is not None:
            if self.f_all is not None:
                dc += self.dc[t + 1] * self.f_all[t + 1]
            else:
                dc += self.dc[t + 1]
            for gate, p_gate in self.peep_prev:
                dc += p_gate * dnext[gate]
        # Forget gate
        if v.has_forget_params:
            np.multiply(dc, c_prev, out=dpre[sl["f"]])
        # Input gate (CIFG: f = 1 − i, so i also pays for what f would have kept)
        z = act[:H]
        if v.input_gate:
            if v.coupled:
                np.subtract(z, c_prev, out=self.scratch)
                np.multiply(dc, self.scratch, out=dpre[sl["i"]])
            else:
                np.multiply(dc, z, out=dpre[sl["i"]])
        if extra is not None:
            dpre[H : 3 * H] += extra[: 2 * H]
        # Block input
        if v.input_gate:
            np.multiply(dc, act[sl["i"]], out=dpre[:H])
        else:
            dpre[:H] = dc
        # Through the activation functions: g' for z̄, σ' for the gates (o unless done above)
        dpre[self.late] *= act_grad[self.late]
        # backprop into x
        np.dot(self.WT, dpre, out=self.dx[t])

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
            prev = self.prev_gates(t)
            H = self.H
            out.update(i_prev=prev[:H], f_prev=prev[H : 2 * H], o_prev=prev[2 * H :])
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
