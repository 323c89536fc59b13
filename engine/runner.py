"""The Runner: a model on one sequence, stepped forward and backward with two cursors.

Forward cursor: how many steps are shown (`forward_t`, the frame is step forward_t − 1).
Backward cursor: the step BPTT has reached (`backward_t`, T before it starts, 0 when done).
Steps already computed are replayed on rewind and seek, never recomputed, so frames are identical.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.analysis import row_norms, saturation
from engine.clipping import global_norm
from engine.lstm import LSTMComputation
from engine.readout import Targets, make_targets
from engine.rnn import RNNComputation
from engine.spec import ModelSpec, check_params, state_shapes

Computation = LSTMComputation | RNNComputation


@dataclass(frozen=True)
class ForwardFrame:
    """Everything the page shows for forward step t."""

    t: int
    T: int
    values: dict[str, np.ndarray]
    target: list[float] | int | None
    loss_t: float | None
    loss_so_far: float
    saturation: float


@dataclass(frozen=True)
class BackwardFrame:
    """Everything the page shows for BPTT step t: errors, their norms, and gradients so far."""

    t: int
    T: int
    deltas: dict[str, np.ndarray]
    norms: dict[str, float]
    grads: dict[str, np.ndarray] | None
    step_grads: dict[str, np.ndarray] | None
    grad_norm: float | None


def check_inputs(spec: ModelSpec, inputs: object, max_length: int | None = None) -> np.ndarray:
    """Validate a T×D input sequence: non-empty, the spec's D, finite numbers, within the limit."""
    try:
        with np.errstate(over="ignore"):  # a float32 overflow is refused below, not warned about
            arr = np.asarray(inputs, dtype=spec.np_dtype)
    except (TypeError, ValueError):
        raise ValueError(
            "inputs: expected a T×D array of numbers (ragged or non-numeric)"
        ) from None
    if arr.ndim != 2:
        raise ValueError(f"inputs: expected a T×D array, got {arr.ndim} dimension(s)")
    if arr.shape[0] == 0:
        raise ValueError("inputs: the sequence is empty; at least one time step is needed")
    if max_length is not None and arr.shape[0] > max_length:
        raise ValueError(f"inputs: {arr.shape[0]} time steps exceed the limit of {max_length}")
    if arr.shape[1] != spec.input_size:
        raise ValueError(f"inputs: expected {spec.input_size} values per step, got {arr.shape[1]}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("inputs: contains NaN or Inf")
    return np.ascontiguousarray(arr)


def check_initial_state(spec: ModelSpec, state: dict | None) -> dict[str, np.ndarray]:
    """Initial state (y, c for the LSTM; h for the RNN), zeros where not given."""
    state = dict(state or {})
    shapes = state_shapes(spec)
    unknown = [k for k in state if k not in ("y", "c", "h") or (k not in shapes)]
    if unknown:
        raise ValueError(
            f"initial_state: unexpected {', '.join(unknown)}; expected {tuple(shapes)}"
        )
    out: dict[str, np.ndarray] = {}
    for key, shape in shapes.items():
        if key not in ("y", "c", "h"):
            continue
        if state.get(key) is None:
            out[key] = np.zeros(shape, dtype=spec.np_dtype)
            continue
        try:
            arr = np.asarray(state[key], dtype=spec.np_dtype)
        except (TypeError, ValueError):
            raise ValueError(f"initial_state.{key}: expected {shape[0]} numbers") from None
        if arr.shape != shape:
            raise ValueError(f"initial_state.{key}: expected shape {shape}, got {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"initial_state.{key}: contains NaN or Inf")
        out[key] = arr
    return out


class Runner:
    """A model stepped over one sequence, forward then backward, with rewind and seek."""

    def __init__(
        self,
        spec: ModelSpec,
        params: dict[str, np.ndarray],
        inputs: object,
        targets: Targets | object = None,
        initial_state: dict | None = None,
        truncate: int | None = None,
    ) -> None:
        self.spec = spec
        self.params = check_params(spec, params)
        self.inputs = check_inputs(spec, inputs)
        self.T = self.inputs.shape[0]
        if not isinstance(targets, Targets):
            targets = make_targets(targets, spec.loss, self.T, spec.output_size)
        if targets.length != self.T:
            raise ValueError(f"targets: expected {self.T} entries, got {targets.length}")
        self.targets = targets
        self.initial_state = check_initial_state(spec, initial_state)
        self.truncate = self._check_truncate(truncate)
        cls = LSTMComputation if spec.cell == "lstm" else RNNComputation
        self.comp: Computation = cls(spec, self.params, self.inputs, targets, self.initial_state)
        self.reset()

    def _check_truncate(self, k: int | None) -> int | None:
        if k is None:
            return None
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"truncate: expected a positive number of steps, got {k!r}")
        return k if k < self.T else None

    # ----------------------------------------------------------------- cursors
    def reset(self) -> None:
        """Back to before step 0; the trace is recomputed from here on."""
        self.forward_t = 0
        self.computed_forward = 0
        self.backward_t = self.T
        self.computed_backward = self.T  # lowest step BPTT has computed (T: none)

    def set_truncate(self, k: int | None) -> None:
        """Change truncated BPTT; errors computed so far are dropped."""
        self.truncate = self._check_truncate(k)
        self.backward_t = self.computed_backward = self.T

    @property
    def forward_done(self) -> bool:
        return self.computed_forward == self.T

    @property
    def backward_done(self) -> bool:
        return self.computed_backward == 0

    def step_forward(self) -> ForwardFrame:
        """Show the next step: replayed if already computed, computed otherwise."""
        if self.forward_t >= self.T:
            raise ValueError(f"t: already at the last step ({self.T - 1})")
        if self.forward_t == self.computed_forward:
            self.comp.forward_step(self.forward_t)
            self.computed_forward += 1
        self.forward_t += 1
        return self.forward_frame(self.forward_t - 1)

    def step_back(self) -> ForwardFrame:
        """Rewind the forward cursor by one step (nothing is recomputed)."""
        if self.forward_t <= 1:
            raise ValueError("t: already at the first step")
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
            raise ValueError("t: BPTT has already reached step 0")
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
        """Move a cursor to a step already computed, or compute up to it going forward."""
        if isinstance(t, bool) or not isinstance(t, int) or not 0 <= t < self.T:
            raise ValueError(f"t: expected a step in 0..{self.T - 1}, got {t!r}")
        if direction == "forward":
            for step in range(self.computed_forward, t + 1):
                self.comp.forward_step(step)
            self.computed_forward = max(self.computed_forward, t + 1)
            self.forward_t = t + 1
            return self.forward_frame(t)
        if direction == "backward":
            self._ensure_backward_started()
            for step in range(self.computed_backward - 1, t - 1, -1):
                self.comp.backward_step(step)
            self.computed_backward = min(self.computed_backward, t)
            self.backward_t = t
            return self.backward_frame(t)
        raise ValueError(f"direction: expected 'forward' or 'backward', got {direction!r}")

    # ----------------------------------------------------------------- frames
    def forward_frame(self, t: int) -> ForwardFrame:
        if not 0 <= t < self.computed_forward:
            raise ValueError(f"t: step {t} has not been computed forward")
        comp = self.comp
        values = comp.step_values(t)
        if isinstance(comp, LSTMComputation):
            gates = [comp.act[t, comp.slices[g]] for g in comp.gates if g != "z"]
            sat = saturation(gates, [values["z"]] if self.spec.variant.input_activation else [])
        else:
            sat = saturation([], [values["h"]])
        has_target = bool(self.targets.mask[t])
        return ForwardFrame(
            t=t,
            T=self.T,
            values=values,
            target=self.targets.row(t),
            loss_t=float(comp.loss[t]) if has_target else None,
            loss_so_far=float(comp.loss[: t + 1].sum()),
            saturation=sat,
        )

    def backward_frame(self, t: int, include_grads: bool = False) -> BackwardFrame:
        if not self.computed_backward <= t < self.T or self.computed_backward == self.T:
            raise ValueError(f"t: step {t} has not been computed backward")
        comp = self.comp
        deltas = comp.step_deltas(t)
        keys = ("dy", "dc", "dx") if self.spec.cell == "lstm" else ("dh", "dx")
        norms = {k: float(np.linalg.norm(deltas[k])) for k in keys}
        grads = comp.grads(t) if include_grads else None
        return BackwardFrame(
            t=t,
            T=self.T,
            deltas=deltas,
            norms=norms,
            grads=grads,
            step_grads=comp.step_grads(t) if include_grads else None,
            grad_norm=global_norm(grads) if grads is not None else None,
        )

    # ----------------------------------------------------------------- results
    def loss(self) -> float:
        """Total loss over the steps computed so far that carry a target."""
        return float(self.comp.loss[: self.computed_forward].sum())

    def grads(self) -> dict[str, np.ndarray]:
        """Parameter gradients accumulated over the steps BPTT has reached."""
        if self.computed_backward == self.T:
            raise ValueError("grads: BPTT has not started")
        return self.comp.grads(self.computed_backward)

    def initial_state_grads(self) -> dict[str, np.ndarray]:
        if not self.backward_done:
            raise ValueError("initial_state_grads: BPTT has not reached step 0")
        return self.comp.initial_state_grads()

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

    def delta_norms(self) -> dict[str, np.ndarray]:
        """‖dy(t)‖, ‖dc(t)‖, ‖dx(t)‖ (RNN: ‖dh(t)‖, ‖dx(t)‖) for every step: the vanishing view."""
        arrays = self.backward_arrays()
        keys = ("dy", "dc", "dx") if self.spec.cell == "lstm" else ("dh", "dx")
        return {k: row_norms(arrays[k]) for k in keys if k in arrays}


def _zero_above(a: np.ndarray, lo: int) -> np.ndarray:
    if lo == 0:
        return a
    out = np.array(a, copy=True)
    out[:lo] = 0.0
    return out
