"""The Runner: a model on one sequence, stepped forward and backward with two cursors.

Forward cursor: how many steps are shown (`forward_t`, the frame is step forward_t − 1).
Backward cursor: the step BPTT has reached (`backward_t`, T before it starts, 0 when done).
Steps already computed are replayed on rewind and seek, never recomputed, so frames are identical.
The Runner knows no cell: it drives the computation's interface (engine/cell.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from lstm_explorer.engine.analysis import row_norms
from lstm_explorer.engine.cell import CellComputation
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.grad_sums import GradientSums
from lstm_explorer.engine.problem import Problem
from lstm_explorer.engine.readout import Targets
from lstm_explorer.engine.spec import ModelSpec


@dataclass(frozen=True)
class ForwardFrame:
    """Everything the page shows for forward step t."""

    t: int
    T: int
    values: dict[str, np.ndarray]
    target: list[float] | int | None
    loss_t: float | None
    saturation: float
    layer: int | None = None  # the layer shown, in a stacked model (None: the only layer)
    stack: dict[str, np.ndarray] | None = None  # a stacked model: key → (L, H), every layer at t


@dataclass(frozen=True)
class BackwardFrame:
    """Everything the page shows for BPTT step t: errors, their norms, and gradients so far."""

    t: int
    T: int
    deltas: dict[str, np.ndarray]
    delta_norms: dict[str, float]
    cut_to_prev: bool  # truncation drops what step t sends back to t−1
    grad_norm: float  # ‖Σ_{s ≥ t} grads(s)‖: the gradients accumulated from T−1 down to t
    grads: dict[str, np.ndarray] | None  # those gradients, when asked for
    layer: int | None = None  # the layer whose errors these are, in a stacked model
    stack: dict[str, np.ndarray] | None = None  # a stacked model: key → (L, H), every layer at t


class Runner:
    """A model stepped over one sequence, forward then backward, with rewind and seek."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.T = problem.T
        self.comp: CellComputation = problem.computation()
        self.reset()

    # The problem's parts, read through (the problem is frozen; set_truncate replaces it).
    @property
    def spec(self) -> ModelSpec:
        return self.problem.spec

    @property
    def params(self) -> dict[str, np.ndarray]:
        return self.problem.params

    @property
    def inputs(self) -> np.ndarray:
        return self.problem.inputs

    @property
    def targets(self) -> Targets:
        return self.problem.targets

    @property
    def initial_state(self) -> dict[str, np.ndarray]:
        return self.problem.initial_state

    @property
    def truncate(self) -> int | None:
        """k of truncated BPTT; None when BPTT is full (a chunk of ≥ T steps cuts nothing)."""
        k = self.problem.truncate
        return k if k is not None and k < self.T else None

    # ----------------------------------------------------------------- cursors
    def reset(self) -> None:
        """Back to before step 0; the trace is recomputed from here on."""
        self.forward_t = 0
        self.computed_forward = 0
        self._drop_backward()

    def _drop_backward(self) -> None:
        self.backward_t = self.T
        self.computed_backward = self.T  # lowest step BPTT has computed (T: none)
        self.sums: GradientSums | None = None

    def set_truncate(self, k: int | None) -> None:
        """Change truncated BPTT; errors computed so far are dropped."""
        self.problem = self.problem.with_truncate(k)
        self._drop_backward()

    @property
    def forward_done(self) -> bool:
        return self.computed_forward == self.T

    @property
    def backward_done(self) -> bool:
        return self.computed_backward == 0

    def step_forward(self) -> ForwardFrame:
        """Show the next step: replayed if already computed, computed otherwise."""
        if self.forward_t >= self.T:
            raise FieldError("t", f"already at the last step ({self.T - 1})")
        if self.forward_t == self.computed_forward:
            self.comp.forward_step(self.forward_t)
            self.computed_forward += 1
        self.forward_t += 1
        return self.forward_frame(self.forward_t - 1)

    def step_back(self) -> ForwardFrame:
        """Rewind the forward cursor by one step (nothing is recomputed)."""
        if self.forward_t <= 1:
            raise FieldError("t", "already at the first step")
        self.forward_t -= 1
        return self.forward_frame(self.forward_t - 1)

    def run_forward(self) -> None:
        """Compute every remaining step; the cursor moves to the last step."""
        comp = self.comp
        for t in range(self.computed_forward, self.T):
            comp.forward_step(t)
        self.computed_forward = self.forward_t = self.T

    def step_backward(self) -> BackwardFrame:
        """BPTT one step towards 0 (completing the forward pass first if needed)."""
        self._ensure_backward_started()
        if self.backward_t == 0:
            raise FieldError("t", "BPTT has already reached step 0")
        t = self.backward_t - 1
        if t < self.computed_backward:
            self.comp.backward_step(t)
            self.computed_backward = t
        self.backward_t = t
        return self.backward_frame(t)

    def run_backward(self) -> None:
        """BPTT over every remaining step."""
        self._ensure_backward_started()
        comp = self.comp
        for t in range(self.computed_backward - 1, -1, -1):
            comp.backward_step(t)
        self.computed_backward = self.backward_t = 0

    def _ensure_backward_started(self) -> None:
        if not self.forward_done:
            self.run_forward()
        if self.computed_backward == self.T:
            self.comp.start_backward(self.truncate)

    def seek(self, t: int, direction: str = "forward") -> ForwardFrame | BackwardFrame:
        """Move a cursor to a step already computed, or compute up to it; its frame."""
        self.move_to(t, direction)
        return self.forward_frame(t) if direction == "forward" else self.backward_frame(t)

    def move_to(self, t: int, direction: str = "forward") -> None:
        """seek() without building the frame (a caller that builds frames of several steps)."""
        if isinstance(t, bool) or not isinstance(t, int) or not 0 <= t < self.T:
            raise FieldError("t", f"expected a step in 0..{self.T - 1}, got {t!r}")
        if direction == "forward":
            for step in range(self.computed_forward, t + 1):
                self.comp.forward_step(step)
            self.computed_forward = max(self.computed_forward, t + 1)
            self.forward_t = t + 1
        elif direction == "backward":
            self._ensure_backward_started()
            for step in range(self.computed_backward - 1, t - 1, -1):
                self.comp.backward_step(step)
            self.computed_backward = min(self.computed_backward, t)
            self.backward_t = t
        else:
            raise FieldError("direction", f"expected 'forward' or 'backward', got {direction!r}")

    # ----------------------------------------------------------------- frames
    def frame_layer(self, layer: int | None) -> tuple[int | None, dict[str, int]]:
        """The layer a frame shows (a stacked model: `layer`, default the top; one layer: None)
        and the keyword the computation's frame methods take for it."""
        L = self.spec.num_layers
        if layer is not None and (
            isinstance(layer, bool) or not isinstance(layer, int) or not 0 <= layer < L
        ):
            raise FieldError("layer", f"expected a layer in 0..{L - 1}, got {layer!r}")
        if L == 1:
            return None, {}
        shown = L - 1 if layer is None else layer
        return shown, {"layer": shown}

    def forward_frame(self, t: int, layer: int | None = None) -> ForwardFrame:
        """The frame of forward step t, of `layer` in a stacked model (default the top)."""
        if not 0 <= t < self.computed_forward:
            raise FieldError("t", f"step {t} has not been computed forward")
        comp = self.comp
        shown, kw = self.frame_layer(layer)
        has_target = bool(self.targets.mask[t])
        return ForwardFrame(
            t=t,
            T=self.T,
            values=comp.step_values(t, **kw),
            target=self.targets.row(t),
            loss_t=float(comp.loss[t]) if has_target else None,
            saturation=comp.saturation(t, **kw),
            layer=shown,
            stack=comp.stack_values(t) if kw else None,  # type: ignore[attr-defined]
        )

    def backward_frame(
        self, t: int, include_grads: bool = False, layer: int | None = None
    ) -> BackwardFrame:
        """The frame of BPTT step t (of `layer` in a stacked model, default the top); its
        grad_norm (over every layer's parameters) always, its accumulated grads when asked."""
        if not self.computed_backward <= t < self.T or self.computed_backward == self.T:
            raise FieldError("t", f"step {t} has not been computed backward")
        comp = self.comp
        if self.sums is None:
            self.sums = GradientSums(comp)
        shown, kw = self.frame_layer(layer)
        deltas = comp.step_deltas(t, **kw)
        return BackwardFrame(
            t=t,
            T=self.T,
            deltas=deltas,
            delta_norms={k: float(np.linalg.norm(deltas[k])) for k in comp.norm_keys},
            cut_to_prev=comp.cut_to_prev(t),
            grad_norm=self.sums.norm(t),
            grads=self.sums.grads(t) if include_grads else None,
            layer=shown,
            stack=comp.stack_deltas(t) if kw else None,  # type: ignore[attr-defined]
        )

    # ----------------------------------------------------------------- results
    def loss(self) -> float:
        """Total loss over the steps computed so far that carry a target."""
        return float(self.comp.loss[: self.computed_forward].sum())

    def grads(self) -> dict[str, np.ndarray]:
        """Parameter gradients accumulated over the steps BPTT has reached."""
        if self.computed_backward == self.T:
            raise FieldError("grads", "BPTT has not started")
        return self.comp.grads(self.computed_backward)

    def initial_state_grads(self) -> dict[str, np.ndarray]:
        if not self.backward_done:
            raise FieldError("initial_state_grads", "BPTT has not reached step 0")
        return self.comp.initial_state_grads()

    def connectivity(self, t_out: int, output: str | None = None) -> np.ndarray:
        """‖∂out(t_out)/∂x(t′)‖_F for t′ = 0 … t_out; out is the hidden output (y, h) by
        default, or y_hat. Step t_out must have been computed forward."""
        n = self.computed_forward
        if isinstance(t_out, bool) or not isinstance(t_out, int) or not 0 <= t_out < n:
            computed = f"0..{n - 1}" if n else "none yet"
            raise FieldError("t", f"expected a step computed forward ({computed}), got {t_out!r}")
        return self.comp.connectivity(t_out, output)[: t_out + 1]

    def forward_arrays(self) -> dict[str, np.ndarray]:
        """Every forward quantity as (computed steps, n) arrays."""
        n = self.computed_forward
        return {k: a[:n] for k, a in self.comp.forward_arrays().items()}

    def backward_arrays(self) -> dict[str, np.ndarray]:
        """Every error as (T, n) arrays; rows BPTT has not reached are zero."""
        if self.computed_backward == self.T:
            return {}
        out = dict(self.comp.backward_arrays())
        lo = self.computed_backward
        return {k: _zero_above(a, lo) for k, a in out.items()}

    def delta_norms(self, layer: int | None = None) -> dict[str, np.ndarray]:
        """‖dy(t)‖, ‖dc(t)‖, ‖dx(t)‖ (RNN: ‖dh(t)‖, ‖dx(t)‖) for every step: the vanishing view
        (of `layer` in a stacked model, default the top; under the bare keys)."""
        arrays = self.backward_arrays()
        shown, _ = self.frame_layer(layer)
        suffix = f"@{shown}" if shown else ""
        return {
            k: row_norms(arrays[k + suffix]) for k in self.comp.norm_keys if k + suffix in arrays
        }


def _zero_above(a: np.ndarray, lo: int) -> np.ndarray:
    if lo == 0:
        return a
    out = np.array(a, copy=True)
    out[:lo] = 0.0
    return out
