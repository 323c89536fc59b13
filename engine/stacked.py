"""A stack of L layers of one cell (the LSTM, any variant, or the simple RNN) behind the interface of
engine/cell.py, so the Runner and the session step it like one layer.

Layer l ≥ 1 reads the y (RNN: h) of layer l − 1 as its x; the readout (V, b_V; RNN: V, c) reads the
top layer only. Each layer is an ordinary one-layer computation of its own Problem: the layers below
the top carry a zero readout and no targets, so their readout error is 0, and what they receive
from above is written where a one-layer cell adds Vᵀ dv(t): dy(t) = dx of layer l + 1 at t +
Σ R_*ᵀ d*_bar(t+1). Forward step t runs layers 0 … L−1, backward step t runs L−1 … 0: one step at a
time through layers and time. Truncation cuts the flow in time, never the flow between layers.

Keys (docs/NOTATION.md, "Stacked layers"): layer 0 keeps the bare keys, layer l ≥ 1 appends `@l`;
the readout's keys are bare. A frame (step_values, step_deltas) shows one layer with bare keys.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
from lstm_explorer.engine.cell import Arrays, Carry, CellComputation
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.readout import no_targets
from lstm_explorer.engine.spec import READOUT_PARAMS, ModelSpec, layer_key, split_layer_key

if TYPE_CHECKING:
    from lstm_explorer.engine.problem import Problem

# The readout's own keys: forward, backward, and what a layer below the top calls its dy_readout.
READOUT_FORWARD = {"lstm": ("v", "y_hat"), "rnn": ("o", "y_hat")}
READOUT_BACKWARD = {"lstm": ("dv",), "rnn": ("do",)}
FROM_ABOVE = {"lstm": ("dy_readout", "dy_from_above"), "rnn": ("dh_readout", "dh_from_above")}
# The quantities a frame of a stack carries for every layer at once (`stack`: the page's overview).
STACK_FORWARD = {"lstm": ("c", "y", "z", "i", "f", "o"), "rnn": ("h", "a")}
STACK_BACKWARD = {
    "lstm": ("dc", "dy", "dz_bar", "di_bar", "df_bar", "do_bar"),
    "rnn": ("dh", "da"),
}


def layer_problems(problem: Problem) -> list[Problem]:
    """One one-layer Problem per layer (its parameters with bare keys; only the top one reads out
    into the targets). Inputs of layer l ≥ 1 are placeholders: the stack points them at layer l − 1."""
    from lstm_explorer.engine.problem import Problem

    spec, params = problem.spec, problem.params
    L, H, O, dt = spec.num_layers, spec.hidden_size, spec.output_size, spec.np_dtype
    V_key, bias_key = READOUT_PARAMS[spec.cell]
    readout = READOUT_PARAMS[spec.cell]
    out = []
    for l in range(L):
        own = {
            split_layer_key(k)[0]: a
            for k, a in params.items()
            if k not in readout and split_layer_key(k)[1] == l
        }
        top = l == L - 1
        own[V_key] = params[V_key] if top else np.zeros((O, H), dtype=dt)
        own[bias_key] = params[bias_key] if top else np.zeros(O, dtype=dt)
        state = {
            split_layer_key(k)[0]: a
            for k, a in problem.initial_state.items()
            if split_layer_key(k)[1] == l
        }
        inputs = problem.inputs if l == 0 else np.zeros((problem.T, H), dtype=dt)
        targets = problem.targets if top else no_targets(problem.T)
        out.append(Problem(spec.layer(l), own, inputs, targets, state, problem.truncate))
    return out


class StackedComputation(CellComputation):
    """L computations of one cell, layer l's x the hidden output of layer l − 1."""

    cell: ClassVar[str] = "stacked"

    def __init__(self, problem: Problem) -> None:
        from lstm_explorer.engine.problem import COMPUTATIONS

        self.problem = problem
        spec = problem.spec
        base = COMPUTATIONS[spec.cell]
        self.base = base
        self.cell_name = spec.cell
        self.hidden_key = base.hidden_key  # type: ignore[misc]  # per instance: the stacked cell
        self.norm_keys = base.norm_keys  # type: ignore[misc]
        self.layers: list[CellComputation] = [base(p) for p in layer_problems(problem)]
        for below, above in zip(self.layers, self.layers[1:], strict=False):
            above.x = getattr(below, base.hidden_key)  # type: ignore[attr-defined]  # x = y below
        top = self.layers[-1]
        self.top = top
        self.L, self.T, self.H = spec.num_layers, problem.T, spec.hidden_size
        self.loss, self.V, self.y_hat = top.loss, top.V, top.y_hat
        self.x = problem.inputs

    @property
    def cut(self) -> np.ndarray:  # type: ignore[override]  # every layer cuts where the top does
        return self.top.cut

    def layer(self, l: int | None) -> CellComputation:
        """Layer l's computation (None: the top layer)."""
        if l is None:
            return self.top
        if isinstance(l, bool) or not isinstance(l, int) or not 0 <= l < self.L:
            raise FieldError("layer", f"expected a layer in 0..{self.L - 1}, got {l!r}")
        return self.layers[l]

    # ----------------------------------------------------------------- keys
    @classmethod
    def forward_keys(cls, spec: ModelSpec) -> tuple[str, ...]:
        return _stacked_keys(spec, "forward")

    @classmethod
    def backward_keys(cls, spec: ModelSpec) -> tuple[str, ...]:
        return _stacked_keys(spec, "backward")

    # ----------------------------------------------------------------- stepping
    def forward_step(self, t: int) -> None:
        for l, comp in enumerate(self.layers):
            if l > 0:
                comp.project_input(t)  # x(t) of layer l is the y(t) layer l − 1 just computed
            comp.forward_step(t)

    def start_backward(self, truncate: int | None) -> None:
        for comp in self.layers:
            comp.start_backward(truncate)

    def backward_step(self, t: int) -> None:
        for l in range(self.L - 1, -1, -1):
            comp = self.layers[l]
            if l < self.L - 1:  # the error from the layer above, where the readout's would be
                _from_above(comp)[t] = self.layers[l + 1].dx[t]  # type: ignore[attr-defined]
            comp.backward_step(t)

    # ----------------------------------------------------------------- frames
    def step_values(self, t: int, layer: int | None = None) -> Arrays:
        """Layer `layer`'s forward terms of step t, bare keys (the readout's only on the top)."""
        comp = self.layer(layer)
        out = comp.step_values(t)
        if comp is not self.top:
            for key in READOUT_FORWARD[self.cell_name]:
                out.pop(key, None)
        return out

    def step_deltas(self, t: int, layer: int | None = None) -> Arrays:
        """Layer `layer`'s backward terms of step t; below the top, the error arriving from above
        is `dy_from_above` (RNN: `dh_from_above`), the dx of the layer above at t."""
        comp = self.layer(layer)
        out = comp.step_deltas(t)
        if comp is not self.top:
            for key in READOUT_BACKWARD[self.cell_name]:
                out.pop(key, None)
            readout, above = FROM_ABOVE[self.cell_name]
            out[above] = out.pop(readout)
        return out

    def stack_values(self, t: int) -> Arrays:
        """Every layer's c, y, z, i, f, o (RNN: h, a) at step t: key → (L, H), layer 0 first."""
        rows = [_step_row(comp, "forward", t) for comp in self.layers]
        return {k: np.stack([r[k] for r in rows]) for k in STACK_FORWARD[self.cell_name]}

    def stack_deltas(self, t: int) -> Arrays:
        """Every layer's dc, dy, d*_bar (RNN: dh, da) at step t: key → (L, H). A gate the variant
        lacks has no error of its own and no key."""
        rows = [_step_row(comp, "backward", t) for comp in self.layers]
        keys = [k for k in STACK_BACKWARD[self.cell_name] if k in rows[0]]
        return {k: np.stack([r[k] for r in rows]) for k in keys}

    def saturation(self, t: int, layer: int | None = None) -> float:
        return self.layer(layer).saturation(t)

    # ----------------------------------------------------------------- whole trace
    def _arrays(self, direction: str) -> Arrays:
        readout = (READOUT_FORWARD if direction == "forward" else READOUT_BACKWARD)[self.cell_name]
        out: Arrays = {}
        for l, comp in enumerate(self.layers):
            arrays = comp.forward_arrays() if direction == "forward" else comp.backward_arrays()
            out.update({layer_key(k, l): a for k, a in arrays.items() if k not in readout})
        top = self.top.forward_arrays() if direction == "forward" else self.top.backward_arrays()
        out.update({k: top[k] for k in readout})
        return out

    def forward_arrays(self) -> Arrays:
        return self._arrays("forward")

    def backward_arrays(self) -> Arrays:
        return self._arrays("backward")

    # ----------------------------------------------------------------- gradients
    def window_grads(self, t_from: int, t_to: int) -> Arrays:
        """Every layer's fused sums, keyed `<fused>@l`; the readout's only from the top."""
        V_key, bias_key = _fused_readout(self.cell_name)
        out: Arrays = {}
        for l, comp in enumerate(self.layers):
            for k, a in comp.window_grads(t_from, t_to).items():
                if k in (V_key, bias_key):
                    if comp is self.top:
                        out[k] = a
                else:
                    out[f"{k}@{l}"] = a
        return out

    def named_grads(self, fused: Arrays) -> Arrays:
        fused_readout = _fused_readout(self.cell_name)
        readout = {k: fused[k] for k in fused_readout}
        dreadout = tuple(f"d{k}" for k in READOUT_PARAMS[self.cell_name])
        out: Arrays = {}
        for l, comp in enumerate(self.layers):
            own = {
                split_layer_key(k)[0]: a
                for k, a in fused.items()
                if "@" in k and split_layer_key(k)[1] == l
            }
            named = comp.named_grads({**own, **readout})
            out.update({layer_key(k, l): a for k, a in named.items() if k not in dreadout})
        out.update({d: fused[k] for d, k in zip(dreadout, fused_readout, strict=True)})
        return out

    def initial_state_grads(self) -> Arrays:
        out: Arrays = {}
        for l, comp in enumerate(self.layers):
            out.update({layer_key(k, l): a for k, a in comp.initial_state_grads().items()})
        return out

    # ----------------------------------------------------------------- connectivity
    def prepare_derivatives(self, n: int) -> None:
        for comp in self.layers:
            comp.prepare_derivatives(n)

    def batch_step(
        self, t: int, seed: np.ndarray | None, carry: Carry | None
    ) -> tuple[np.ndarray, Carry]:
        """Top layer first: each layer's ∂/∂x(t) is the seed of the layer below at t."""
        carries: list = [None] * self.L if carry is None else list(carry)
        down = seed
        for l in range(self.L - 1, -1, -1):
            down, carries[l] = self.layers[l].batch_step(t, down, carries[l])
        assert down is not None
        return down, tuple(carries)


def _from_above(comp: CellComputation) -> np.ndarray:
    """The (T, H) rows a one-layer cell fills with Vᵀ dv(t): below the top, the error from above."""
    arr = comp.dv_proj if comp.cell == "lstm" else comp.do_proj  # type: ignore[attr-defined]
    assert arr is not None
    return arr


def _step_row(comp: CellComputation, direction: str, t: int) -> Arrays:
    """Row t of the per-step arrays of one layer's computation (views, nothing recomputed)."""
    keys = STACK_FORWARD if direction == "forward" else STACK_BACKWARD
    if (
        comp.cell == "lstm" and direction == "forward"
    ):  # gates: a removed one is 1, CIFG's f = 1 − i
        out = {g: comp.gate(g, t) for g in ("z", "i", "f", "o")}  # type: ignore[attr-defined]
        return {**out, "c": comp.c[t], "y": comp.y[t]}  # type: ignore[attr-defined]
    arrays = comp.forward_arrays() if direction == "forward" else comp.backward_arrays()
    return {k: arrays[k][t] for k in keys[comp.cell] if k in arrays}


def _fused_readout(cell: str) -> tuple[str, str]:
    """The readout's keys in a cell's window_grads."""
    return ("V", "b_V") if cell == "lstm" else ("dV", "dc")


def _stacked_keys(spec: ModelSpec, direction: str) -> tuple[str, ...]:
    from lstm_explorer.engine.problem import COMPUTATIONS

    base = COMPUTATIONS[spec.cell]
    readout = (READOUT_FORWARD if direction == "forward" else READOUT_BACKWARD)[spec.cell]
    out: list[str] = []
    for l in range(spec.num_layers):
        lspec = spec.layer(l)
        keys = base.forward_keys(lspec) if direction == "forward" else base.backward_keys(lspec)
        out += [layer_key(k, l) for k in keys if k not in readout]
    return (*out, *readout)
