"""The one interface of the cells the engine steps: the LSTM (engine/lstm.py) and the simple RNN
(engine/rnn.py). Runner, Session and the factory talk to this interface only; which class computes
a spec is looked up once, in engine/problem.py (COMPUTATIONS).

A computation holds one Problem and the full trace of it: (T, n) arrays written step by step.
It knows its keys, computes the terms of a frame (docs/NOTATION.md, "Frame terms"), the parameter
gradients of a window of steps, and backpropagates a batch of seeds through its own backward step
(connectivity). Nothing here depends on the layer count: a stacked model is one more computation
(engine/stacked.py), holding one computation per layer behind this same interface.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

import numpy as np
from lstm_explorer.engine.analysis import connectivity
from lstm_explorer.engine.errors import FieldError

if TYPE_CHECKING:
    from lstm_explorer.engine.problem import Problem
    from lstm_explorer.engine.spec import ModelSpec

Arrays = dict[str, np.ndarray]
# What a batched backward step carries from step t to step t−1 (the LSTM: dpre and dc; the RNN: da).
Carry = tuple[np.ndarray, ...]


class CellComputation(ABC):
    """One cell's computation over one Problem; subclasses fill the trace and name its parts."""

    cell: ClassVar[str]  # the ModelSpec.cell it computes
    hidden_key: ClassVar[str]  # the state the readout sees: y (LSTM), h (RNN)
    norm_keys: ClassVar[tuple[str, ...]]  # the errors whose norms the vanishing view draws

    problem: Problem
    T: int
    H: int
    loss: np.ndarray  # (T,) loss of each step (0 where it has no target)
    cut: np.ndarray  # (T,) bool: no error flows from t+1 into t
    V: np.ndarray  # the readout's O×H matrix
    y_hat: np.ndarray  # (T, O) predictions

    @abstractmethod
    def __init__(self, problem: Problem) -> None:
        """Allocate the trace of `problem`; nothing is computed yet."""

    # ----------------------------------------------------------------- keys
    @classmethod
    @abstractmethod
    def forward_keys(cls, spec: ModelSpec) -> tuple[str, ...]:
        """Keys of forward_arrays() for this spec."""

    @classmethod
    @abstractmethod
    def backward_keys(cls, spec: ModelSpec) -> tuple[str, ...]:
        """Keys of backward_arrays() for this spec (a removed gate has no d<gate>_bar)."""

    # ----------------------------------------------------------------- stepping
    @abstractmethod
    def forward_step(self, t: int) -> None:
        """Compute step t from step t−1, writing into the trace."""

    def project_input(self, t: int) -> None:
        """Recompute the input projection of step t after x(t) was written (stacked layers)."""
        raise NotImplementedError(f"{type(self).__name__} reads its inputs once")

    @abstractmethod
    def start_backward(self, truncate: int | None) -> None:
        """Readout errors of every step, local derivatives, where truncation cuts."""

    @abstractmethod
    def backward_step(self, t: int) -> None:
        """BPTT for step t, given step t+1."""

    # ----------------------------------------------------------------- frames
    @abstractmethod
    def step_values(self, t: int) -> Arrays:
        """Every forward term of step t (docs/NOTATION.md, "Frame terms")."""

    @abstractmethod
    def step_deltas(self, t: int) -> Arrays:
        """Every backward term of step t: arriving, inside, and leaving for t−1."""

    @abstractmethod
    def saturation(self, t: int) -> float:
        """Fraction of step t's units whose activation sits where its derivative is nearly 0."""

    def cut_to_prev(self, t: int) -> bool:
        """Whether truncated BPTT drops what step t sends back (step t−1 receives nothing)."""
        return bool(t > 0 and self.cut[t - 1])

    # ----------------------------------------------------------------- whole trace
    @abstractmethod
    def forward_arrays(self) -> Arrays:
        """Every forward quantity as a (T, n) array under its notation key."""

    @abstractmethod
    def backward_arrays(self) -> Arrays:
        """Every per-step error as a (T, n) array under its notation key."""

    # ----------------------------------------------------------------- gradients
    @abstractmethod
    def window_grads(self, t_from: int, t_to: int) -> Arrays:
        """Σ over steps t_from..t_to−1 of each step's contribution, in the cell's fused layout."""

    @abstractmethod
    def named_grads(self, fused: Arrays) -> Arrays:
        """Fused gradient buffers as d<param> arrays in the notation (views where possible)."""

    def grads(self, t_from: int = 0, t_to: int | None = None) -> Arrays:
        """Parameter gradients summed over steps t_from..t_to−1 (default: to the last step)."""
        fused = self.window_grads(t_from, self.T if t_to is None else t_to)
        return {k: np.ascontiguousarray(a) for k, a in self.named_grads(fused).items()}

    @abstractmethod
    def initial_state_grads(self) -> Arrays:
        """Gradients of the loss with respect to the initial state (what step 0 sends back)."""

    # ----------------------------------------------------------------- connectivity
    @abstractmethod
    def prepare_derivatives(self, n: int) -> None:
        """Local derivatives (g', σ', h', tanh') of steps 0..n−1, from the forward pass alone."""

    @abstractmethod
    def batch_step(
        self, t: int, seed: np.ndarray | None, carry: Carry | None
    ) -> tuple[np.ndarray, Carry]:
        """The backward step of t on B error vectors at once (shape (B, ·)): the seed at the
        hidden output of t (the first step of a pass), or what step t+1 carried back.
        Returns ∂/∂x(t) of each (B, D) and what step t carries to t−1."""

    def output_seed(self, t: int, output: str) -> np.ndarray:
        """∂out(t)/∂hidden(t), one row per entry of out: the identity for the hidden output,
        the readout's Jacobian for y_hat (V for MSE, (diag ŷ − ŷŷᵀ) V for cross-entropy)."""
        if output == self.hidden_key:
            return np.eye(self.H, dtype=self.V.dtype)
        if output != "y_hat":
            raise FieldError("output", f"expected {self.hidden_key!r} or 'y_hat', got {output!r}")
        if self.problem.spec.loss == "cross_entropy":
            p = self.y_hat[t]
            return (np.diag(p) - np.outer(p, p)) @ self.V
        return np.array(self.V, copy=True)

    def connectivity(self, t_out: int, output: str | None = None) -> np.ndarray:
        """‖∂out(t_out)/∂x(t′)‖_F for t′ = 0 … T−1 (zero after t_out); out is the hidden output
        (the default) or y_hat. Needs steps 0..t_out computed forward."""
        return connectivity(self, t_out, output or self.hidden_key)
