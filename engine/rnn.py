"""The simple RNN of Goodfellow, Bengio and Courville, ch. 10, stepped one time step at a time.

a(t) = b + W h(t−1) + U x(t);  h(t) = tanh(a(t));  o(t) = c + V h(t);  y_hat(t) = softmax(o) or o.
The parameters U, W, b, V, c are shared by every step; the errors depend on t.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
from lstm_explorer.engine.activations import tanh_grad_from_output
from lstm_explorer.engine.analysis import saturation
from lstm_explorer.engine.array_ops import shifted, transpose_copy
from lstm_explorer.engine.cell import Arrays, Carry, CellComputation
from lstm_explorer.engine.readout import predict, readout_error, step_loss
from lstm_explorer.engine.spec import ModelSpec
from lstm_explorer.engine.truncation import truncation_cuts

if TYPE_CHECKING:
    from lstm_explorer.engine.problem import Problem

FORWARD_KEYS = ("x", "a", "h", "o", "y_hat")
BACKWARD_KEYS = ("do", "dh", "da", "dx")


class RNNComputation(CellComputation):
    """Parameters, inputs and the full trace of one simple-RNN run over a sequence."""

    cell: ClassVar[str] = "rnn"
    hidden_key: ClassVar[str] = "h"
    norm_keys: ClassVar[tuple[str, ...]] = ("dh", "dx")

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        spec, params, inputs = problem.spec, problem.params, problem.inputs
        self.spec = spec
        self.params = params
        self.targets = problem.targets
        H, T, dt = spec.hidden_size, inputs.shape[0], spec.np_dtype
        self.T, self.H = T, H
        self.x = inputs
        self.W, self.U = params["W"], params["U"]
        # Wᵀ and Uᵀ stored C-contiguous: np.dot(d, M.T) reads them row by row (see engine/lstm.py)
        self.WT = transpose_copy(params["W"])
        self.UT = np.ascontiguousarray(params["U"].T)
        self.V, self.c_out = params["V"], params["c"]
        self.h0 = problem.initial_state["h"]
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
        self.do_proj: np.ndarray | None = None
        self.h_grad = np.zeros((T, H), dtype=dt)  # tanh'(a) = 1 − h², rows 0..derived−1 valid
        self.derived = 0
        self.cut = np.zeros(T, dtype=bool)

    @classmethod
    def forward_keys(cls, spec: ModelSpec) -> tuple[str, ...]:
        return FORWARD_KEYS

    @classmethod
    def backward_keys(cls, spec: ModelSpec) -> tuple[str, ...]:
        return BACKWARD_KEYS

    def project_input(self, t: int) -> None:
        """U x(t) + b again after x(t) changed (a stacked layer reads the h of the layer below)."""
        np.add(np.dot(self.U, self.x[t]), self.params["b"], out=self.x_proj[t])

    def prev_state(self, t: int) -> np.ndarray:
        return self.h0 if t == 0 else self.h[t - 1]

    # ----------------------------------------------------------------- forward
    def forward_step(self, t: int) -> None:
        """a = b + W h(t−1) + U x;  h = tanh(a);  o = c + V h."""
        a, h, o = self.a[t], self.h[t], self.o[t]
        if t < self.derived:
            self.derived = t  # step t is rewritten: its derivative is stale
        np.add(self.x_proj[t], np.dot(self.W, self.h0 if t == 0 else self.h[t - 1]), out=a)
        np.tanh(a, out=h)
        np.add(np.dot(self.V, h), self.c_out, out=o)
        self.y_hat[t] = predict(o, self.spec.loss)
        self.loss[t] = step_loss(o, self.targets, t)

    def saturation(self, t: int) -> float:
        return saturation([], [self.h[t]])

    # ----------------------------------------------------------------- backward
    def prepare_derivatives(self, n: int) -> None:
        """tanh'(a) = 1 − h² for steps 0..n−1: it needs only h."""
        lo = self.derived
        if n > lo:
            self.h_grad[lo:n] = tanh_grad_from_output(self.h[lo:n])
            self.derived = n

    def start_backward(self, truncate: int | None) -> None:
        """Output errors of every step at once, and where truncation cuts the flow of errors."""
        self.do = readout_error(self.y_hat, self.targets)
        self.do_proj = self.do @ self.V  # Vᵀ do(t) for every t
        self.prepare_derivatives(self.T)
        self.cut = truncation_cuts(self.T, truncate)

    def recurrent(self, da: np.ndarray) -> np.ndarray:
        """Wᵀ da: the error a step sends to h of the step before."""
        return np.dot(da, self.WT.T)

    def _through_cell(self, t: int, dh: np.ndarray, da: np.ndarray) -> None:
        """da = dh ⊙ tanh'(a(t)), on errors whose last axis is the unit axis."""
        np.multiply(dh, self.h_grad[t], out=da)  # through tanh

    def backward_step(self, t: int) -> None:
        """dh = Vᵀ do + Wᵀ da(t+1);  da = dh ⊙ (1 − h²);  dx = Uᵀ da."""
        assert self.do_proj is not None
        dh = self.dh[t]
        if self.cut[t]:
            dh[:] = self.do_proj[t]  # backprop from the output
        else:  # ... and from the next step
            np.add(self.do_proj[t], self.recurrent(self.da[t + 1]), out=dh)
        self._through_cell(t, dh, self.da[t])
        np.dot(self.da[t], self.UT.T, out=self.dx[t])  # into x

    def batch_step(
        self, t: int, seed: np.ndarray | None, carry: Carry | None
    ) -> tuple[np.ndarray, Carry]:
        if carry is None:
            assert seed is not None
            dh = seed
        else:
            dh = self.recurrent(carry[0])
            if seed is not None:  # a stacked layer: the error from the layer above, too
                dh += seed
        da = np.empty_like(dh)
        self._through_cell(t, dh, da)
        return np.dot(da, self.UT.T), (da,)

    # ----------------------------------------------------------------- gradients
    def window_grads(self, t_from: int, t_to: int) -> Arrays:
        """Sums over steps t_from..t_to−1 of every step's contribution."""
        assert self.do is not None
        win = slice(t_from, t_to)
        da, do = self.da[win], self.do[win]
        return {
            "dU": da.T @ self.x[win],
            "dW": da.T @ shifted(self.h0, self.h, t_from, t_to),
            "db": da.sum(axis=0),
            "dV": do.T @ self.h[win],
            "dc": do.sum(axis=0),
        }

    def named_grads(self, fused: Arrays) -> Arrays:
        return dict(fused)  # the RNN's parameters are not fused

    def initial_state_grads(self) -> Arrays:
        return {"h": self.recurrent(self.da[0])}

    # ----------------------------------------------------------------- named views
    def forward_arrays(self) -> Arrays:
        return {"x": self.x, "a": self.a, "h": self.h, "o": self.o, "y_hat": self.y_hat}

    def backward_arrays(self) -> Arrays:
        assert self.do is not None
        return {"do": self.do, "dh": self.dh, "da": self.da, "dx": self.dx}

    def step_values(self, t: int) -> Arrays:
        h_prev = self.prev_state(t)
        out = {"x": self.x[t], "h_prev": h_prev}
        out["Wh"] = np.dot(self.W, h_prev)  # the product the forward step added
        out["Ux"] = np.dot(self.U, self.x[t])
        out.update(a=self.a[t], h=self.h[t], o=self.o[t], y_hat=self.y_hat[t])
        return out

    def step_deltas(self, t: int) -> Arrays:
        assert self.do_proj is not None
        out = {k: a[t] for k, a in self.backward_arrays().items()}
        out["dh_readout"] = self.do_proj[t]
        out["dh_from_next"] = (
            np.zeros(self.H, dtype=self.dh.dtype) if self.cut[t] else self.recurrent(self.da[t + 1])
        )
        out["h_prime"] = self.h_grad[t]
        out["dh_prev"] = self.recurrent(self.da[t])
        return out
