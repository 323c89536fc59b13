"""One model on one sequence, validated once: spec, params, inputs, targets, initial state,
truncation. Every computation (Runner, run_trace, Trainer, the session) starts from a Problem,
and COMPUTATIONS says which class computes which cell: the one place that looks at spec.cell.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from lstm_explorer.engine.cell import CellComputation
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.lstm import LSTMComputation
from lstm_explorer.engine.readout import Targets, make_targets
from lstm_explorer.engine.rnn import RNNComputation
from lstm_explorer.engine.spec import ModelSpec, check_params, split_layer_key, state_shapes

COMPUTATIONS: dict[str, type[CellComputation]] = {
    "lstm": LSTMComputation,
    "rnn": RNNComputation,
}


def cell_class(spec: ModelSpec) -> type[CellComputation]:
    """The computation class of the spec's cell (a stack of them when num_layers > 1)."""
    if spec.num_layers > 1:
        from lstm_explorer.engine.stacked import StackedComputation

        return StackedComputation
    return COMPUTATIONS[spec.cell]


@dataclass(frozen=True, eq=False)  # eq=False: arrays have no truth value; compare by identity
class Problem:
    """Everything a computation reads; build() validates, the dataclass itself trusts its fields."""

    spec: ModelSpec
    params: dict[str, np.ndarray]
    inputs: np.ndarray  # (T, D) in the spec's dtype, finite
    targets: Targets
    initial_state: dict[str, np.ndarray]  # y, c (LSTM) or h (RNN)
    truncate: int | None = None  # k of truncated BPTT; None: full BPTT

    @classmethod
    def build(
        cls,
        spec: ModelSpec,
        params: dict[str, np.ndarray],
        inputs: object,
        targets: Targets | object = None,
        initial_state: dict | None = None,
        truncate: int | None = None,
        max_length: int | None = None,
    ) -> Problem:
        """Validate and normalise every part (params copied in the spec's dtype)."""
        checked = check_params(spec, params)
        arr = check_inputs(spec, inputs, max_length)
        parsed = check_targets(spec, targets, arr.shape[0])
        state = check_initial_state(spec, initial_state)
        return cls(spec, checked, arr, parsed, state, check_truncate(truncate))

    @property
    def T(self) -> int:
        return int(self.inputs.shape[0])

    def with_params(self, params: dict[str, np.ndarray]) -> Problem:
        """The same problem on other parameters (validated and copied)."""
        return replace(self, params=check_params(self.spec, params))

    def with_sequence(self, inputs: object, targets: Targets | object) -> Problem:
        """The same model on another sequence (validated); params, initial state, truncation kept."""
        arr = check_inputs(self.spec, inputs)
        return replace(self, inputs=arr, targets=check_targets(self.spec, targets, arr.shape[0]))

    def with_truncate(self, truncate: int | None) -> Problem:
        return replace(self, truncate=check_truncate(truncate))

    def computation(self) -> CellComputation:
        """A fresh computation of this problem (nothing computed yet)."""
        return cell_class(self.spec)(self)


def check_truncate(k: object) -> int | None:
    """k for truncated BPTT, or None for full BPTT (a k ≥ T cuts nothing, as None)."""
    if k is None:
        return None
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise FieldError("truncate", f"expected a positive number of steps, got {k!r}")
    return k


def check_targets(spec: ModelSpec, targets: Targets | object, T: int) -> Targets:
    """Targets of T steps: parsed from raw numbers or labels (None: no target anywhere)."""
    if not isinstance(targets, Targets):
        targets = make_targets(targets, spec.loss, T, spec.output_size)
    if targets.length != T:
        raise FieldError("targets", f"expected {T} entries, got {targets.length}")
    return targets


def check_inputs(spec: ModelSpec, inputs: object, max_length: int | None = None) -> np.ndarray:
    """Validate a T×D input sequence: non-empty, the spec's D, finite numbers, within the limit."""
    try:
        with np.errstate(over="ignore"):  # a float32 overflow is refused below, not warned about
            arr = np.asarray(inputs, dtype=spec.np_dtype)
    except (TypeError, ValueError):
        raise FieldError(
            "inputs", "expected a T×D array of numbers (ragged or non-numeric)"
        ) from None
    if arr.ndim != 2:
        raise FieldError("inputs", f"expected a T×D array, got {arr.ndim} dimension(s)")
    if arr.shape[0] == 0:
        raise FieldError("inputs", "the sequence is empty; at least one time step is needed")
    if max_length is not None and arr.shape[0] > max_length:
        raise FieldError("inputs", f"{arr.shape[0]} time steps exceed the limit of {max_length}")
    if arr.shape[1] != spec.input_size:
        raise FieldError(
            "inputs", f"expected {spec.input_size} values per step, got {arr.shape[1]}"
        )
    if not np.all(np.isfinite(arr)):
        raise FieldError("inputs", "contains NaN or Inf")
    return np.ascontiguousarray(arr)


def check_initial_state(spec: ModelSpec, state: dict | None) -> dict[str, np.ndarray]:
    """Initial state (y, c for the LSTM; h for the RNN), zeros where not given."""
    state = dict(state or {})
    shapes = state_shapes(spec)
    carried = {k for k in shapes if split_layer_key(k)[0] in ("y", "c", "h")}
    unknown = [k for k in state if k not in carried]
    if unknown:
        raise FieldError(
            "initial_state",
            f"unexpected {', '.join(unknown)}; expected {tuple(k for k in shapes if k in carried)}",
        )
    out: dict[str, np.ndarray] = {}
    for key, shape in shapes.items():
        if key not in carried:
            continue
        if state.get(key) is None:
            out[key] = np.zeros(shape, dtype=spec.np_dtype)
            continue
        loc = ("initial_state", key)
        try:
            arr = np.array(state[key], dtype=spec.np_dtype)  # a copy: the trace owns it
        except (TypeError, ValueError):
            raise FieldError(loc, f"expected {shape[0]} numbers") from None
        if arr.shape != shape:
            raise FieldError(loc, f"expected shape {shape}, got {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise FieldError(loc, "contains NaN or Inf")
        out[key] = arr
    return out
