"""The simple RNN of Goodfellow, Bengio and Courville, ch. 10, stepped one time step at a time.

a(t) = b + W h(t−1) + U x(t);  h(t) = tanh(a(t));  o(t) = c + V h(t);  y_hat(t) = softmax(o) or o.
The parameters U, W, b, V, c are shared by every step; the errors depend on t.
"""

from __future__ import annotations

import numpy as np

from engine.activations import tanh_grad_from_output
from engine.lstm import transpose_copy
from engine.readout import Targets, predict, readout_error, step_loss
from engine.spec import ModelSpec
from engine.truncation import truncation_cuts

FORWARD_KEYS = ("a", "h", "o", "y_hat")
BACKWARD_KEYS = ("do", "dh", "da", "dx")


class RNNComputation:
    """Parameters, inputs and the full trace of one simple-RNN run over a sequence."""

    def __init__(
        self,
        spec: ModelSpec,
        params: dict[str, np.ndarray],
        inputs: np.ndarray,
        targets: Targets,
        initial_state: dict[str, np.ndarray],
    ) -> None:
        self.spec = spec
        self.params = params
        self.targets = targets
        H, T, dt = spec.hidden_size, inputs.shape[0], spec.np_dtype
        self.T, self.H = T, H
        self.x = inputs
        self.W = params["W"]
        self.WT = transpose_copy(params["W"])
        self.UT = np.ascontiguousarray(params["U"].T)
        self.V, self.c_out = params["V"], params["c"]
        self.h0 = initial_state["h"]
        self.x_proj = inputs @ params["U"].T + params["b"]  # U x(t) + b for every step at once
        self.a = np.zeros((T, H), dtype=dt)
        self.h = np.zeros((T, H), dtype=dt)
        self.o = np.zeros((T, spec.output_size), dtype=dt)
        self.y_hat = np.zeros((T, spec.output_size), dtype=dt)
        self.loss = np.zeros(T, dtype=np.float64)
        self.da = np.zeros((T, H), dtype=dt)
        self.dh = np.zeros((T, H), dtype=dt)
        self.dx = np.zeros((T, inputs.shape[1]), dtype=dt)
        self.do: np.ndarray | None = None
        self.h_grad: np.ndarray | None = None  # tanh'(a) = 1 − h², set when BPTT starts
        self.cut = np.zeros(T, dtype=bool)

    def prev_state(self, t: int) -> np.ndarray:
        return self.h0 if t == 0 else self.h[t - 1]

    def forward_step(self, t: int) -> None:
        """a = b + W h(t−1) + U x;  h = tanh(a);  o = c + V h."""
        a, h, o = self.a[t], self.h[t], self.o[t]
        np.add(self.x_proj[t], np.dot(self.W, self.h0 if t == 0 else self.h[t - 1]), out=a)
        np.tanh(a, out=h)
        np.add(np.dot(self.V, h), self.c_out, out=o)
        self.y_hat[t] = predict(o, self.spec.loss)
        self.loss[t] = step_loss(o, self.targets, t)

    def start_backward(self, truncate: int | None) -> None:
        """Output errors of every step at once, and where truncation cuts the flow of errors."""
        self.do = readout_error(self.y_hat, self.targets)
        self.do_proj = self.do @ self.V  # Vᵀ do(t) for every t
        self.h_grad = tanh_grad_from_output(self.h)  # every step at once: it needs only h
        self.cut = truncation_cuts(self.T, truncate)

    def recurrent_error(self, t: int) -> np.ndarray:
        """dh_from_next(t) = Wᵀ da(t+1), zero where the flow is cut."""
        if self.cut[t]:
            return np.zeros(self.H, dtype=self.dh.dtype)
        return self.WT @ self.da[t + 1]

    def backward_step(self, t: int) -> None:
        """dh = Vᵀ do + Wᵀ da(t+1);  da = dh ⊙ (1 − h²);  dx = Uᵀ da."""
        dh, da = self.dh[t], self.da[t]
        if self.cut[t]:
            dh[:] = self.do_proj[t]  # backprop from the output
        else:  # ... and from the next step
            np.add(self.do_proj[t], np.dot(self.WT, self.da[t + 1]), out=dh)
        assert self.h_grad is not None
        np.multiply(dh, self.h_grad[t], out=da)  # through tanh
        np.dot(self.UT, da, out=self.dx[t])  # into x

    def grads(self, t_from: int = 0, t_to: int | None = None) -> dict[str, np.ndarray]:
        """Sums over steps t_from..t_to−1 of every step's contribution."""
        assert self.do is not None
        win = slice(t_from, self.T if t_to is None else t_to)
        da, do = self.da[win], self.do[win]
        h_prev = np.concatenate([self.h0[None, :], self.h[:-1]])[win]
        return {
            "dU": da.T @ self.x[win],
            "dW": da.T @ h_prev,
            "db": da.sum(axis=0),
            "dV": do.T @ self.h[win],
            "dc": do.sum(axis=0),
        }

    def step_grads(self, t: int) -> dict[str, np.ndarray]:
        return self.grads(t, t + 1)

    def initial_state_grads(self) -> dict[str, np.ndarray]:
        return {"h": self.WT @ self.da[0]}

    def forward_arrays(self) -> dict[str, np.ndarray]:
        return {"x": self.x, "a": self.a, "h": self.h, "o": self.o, "y_hat": self.y_hat}

    def backward_arrays(self) -> dict[str, np.ndarray]:
        assert self.do is not None
        return {"do": self.do, "dh": self.dh, "da": self.da, "dx": self.dx}

    def step_values(self, t: int) -> dict[str, np.ndarray]:
        out = {"x": self.x[t], "h_prev": self.prev_state(t)}
        out.update(a=self.a[t], h=self.h[t], o=self.o[t], y_hat=self.y_hat[t])
        return out

    def step_deltas(self, t: int) -> dict[str, np.ndarray]:
        out = {k: a[t] for k, a in self.backward_arrays().items()}
        out["dh_from_next"] = self.recurrent_error(t)
        return out
