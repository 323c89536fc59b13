"""A recurrent stack read from a framework's file: every layer's weights in the notation.

Layer l's parameters carry the notation's keys (LSTM: W_z … b_o; RNN: U, W, b); layer 0 reads x,
layer l > 0 reads the y (RNN: h) of layer l − 1. The readout (V, b_V; RNN: V, c) reads the top
layer. `stacked_params()` names every layer as the engine's stack does (`W_z@1`: layer 1);
`single_layer()` gives layer 0 alone in the one-layer notation.
PyTorch stacks gate rows i, f, g, o and Keras kernel columns i, f, c, o (their g and c are our z).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
from lstm_explorer.engine.errors import FieldError, Loc
from lstm_explorer.engine.io_checks import DEFAULT_LIMITS, Limits, check_name
from lstm_explorer.engine.io_frameworks import TORCH_ORDER, Imported
from lstm_explorer.engine.spec import ModelSpec, layer_key
from lstm_explorer.engine.variants import Variant

# Until the engine's num_layers has its own setting, a file may hold at most this many layers.
MAX_LAYERS = 16
READOUT_KEYS = {"lstm": ("V", "b_V"), "rnn": ("V", "c")}
_TORCH_KEY = re.compile(r"(weight|bias)_(ih|hh|hr)_l(\d+)(_reverse)?")
_GATES = {1: "rnn", 4: "lstm"}


@dataclass(frozen=True)
class ModelFile:
    """Every layer of a stacked LSTM or RNN and its readout, as a framework saved them."""

    cell: str  # "lstm" or "rnn"
    variant: str  # "NP" (PyTorch's and Keras's LSTM), "NIAF+NOAF+NP" (linear), "vanilla" (RNN)
    layers: tuple[dict[str, np.ndarray], ...]  # layer l's parameters, float64, no readout
    readout: dict[str, np.ndarray]  # V and b_V (RNN: V and c); empty without a head in the file
    source: str  # "pytorch" or "keras"
    loss: str | None = None  # what the head's activation implies (Keras: linear → mse)
    notes: tuple[str, ...] = field(default=())  # what the file declares but the engine ignores

    @property
    def num_layers(self) -> int:
        return len(self.layers)

    @property
    def input_size(self) -> int:
        return int(self.layers[0]["W_z" if self.cell == "lstm" else "U"].shape[1])

    @property
    def hidden_sizes(self) -> tuple[int, ...]:
        """H of each layer (PyTorch's are equal; Keras's may differ)."""
        key = "R_z" if self.cell == "lstm" else "W"
        return tuple(int(layer[key].shape[0]) for layer in self.layers)

    @property
    def output_size(self) -> int | None:
        return int(self.readout["V"].shape[0]) if self.readout else None

    def spec(
        self, loss: str = "mse", output_size: int | None = None, stacked: bool = False
    ) -> ModelSpec:
        """The ModelSpec with this file's readout (or `output_size`): of layer 0 alone, or of the
        whole stack (`stacked`: every layer, the engine's num_layers; equal H in every layer)."""
        O = self.output_size or output_size
        if O is None:
            raise FieldError("output_size", "the file has no readout; pass output_size")
        variant = Variant.parse(self.variant) if self.cell == "lstm" else Variant()
        L = self.num_layers if stacked else 1
        if stacked and len(set(self.hidden_sizes)) > 1:
            sizes = ", ".join(map(str, self.hidden_sizes))
            raise FieldError(
                "params_file",
                f"the layers have hidden sizes {sizes}; a stack needs the same H in every layer",
            )
        spec = ModelSpec(self.cell, self.input_size, self.hidden_sizes[0], O, variant, loss)
        return replace(spec, num_layers=L) if L > 1 else spec

    def stacked_params(self) -> tuple[dict[str, np.ndarray], tuple[str, ...]]:
        """Every layer's parameters under its stacked key (docs/NOTATION.md, "Stacked layers":
        layer l ≥ 1 as `W_z@l`), the readout when the file has one; and the readout keys missing."""
        params = {
            layer_key(k, l): a for l, layer in enumerate(self.layers) for k, a in layer.items()
        }
        params.update(self.readout)
        missing = () if self.readout else READOUT_KEYS[self.cell]
        return params, missing

    def single_layer(self, output_size: int | None = None) -> Imported:
        """Layer 0 in today's one-layer notation; the readout only when it reads layer 0."""
        params = dict(self.layers[0])
        taken = list(params)
        readout = READOUT_KEYS[self.cell]
        missing: tuple[str, ...] = readout
        if self.readout and self.num_layers == 1:
            params.update(self.readout)
            taken += [k for k in readout if k in self.readout]
            missing = ()
        O = self.output_size or output_size
        if O is None:
            raise FieldError("output_size", "the file has no readout; pass output_size")
        if output_size is not None and output_size != O:
            raise FieldError("output_size", f"{output_size} given but the readout has O = {O}")
        return Imported(self.input_size, self.hidden_sizes[0], O, params, tuple(taken), missing)


# ----------------------------------------------------------------------------- PyTorch
def from_torch_state_dict(
    state_dict: Mapping[str, np.ndarray], limits: Limits = DEFAULT_LIMITS
) -> ModelFile:
    """nn.LSTM or nn.RNN of any num_layers (cell read from the shapes) plus one nn.Linear head."""
    if not isinstance(state_dict, Mapping) or not state_dict:
        raise FieldError((), "expected a non-empty state_dict of named tensors")
    rec, linear = _split_torch(state_dict)
    if len(rec) > MAX_LAYERS:
        raise FieldError((), f"{len(rec)} layers, more than the limit of {MAX_LAYERS}")
    cell, H = _torch_cell(rec.get(0, {}), limits)
    G = 4 if cell == "lstm" else 1
    layers = []
    for layer in range(len(rec)):
        parts = rec.get(layer)
        if parts is None or "weight_ih" not in parts or "weight_hh" not in parts:
            raise FieldError((), f"layer {layer}: needs weight_ih_l{layer} and weight_hh_l{layer}")
        key, w_ih = parts["weight_ih"]
        D = _shape((key,), w_ih, 2)[1]
        if layer == 0:
            _bounded((key,), "input size D (its columns)", D, limits.max_input_size)
        elif D != H:
            raise FieldError((key,), f"expected shape ({G * H}, {H}): it reads layer {layer - 1}")
        w_ih = _floats((key,), w_ih, (G * H, D))
        w_hh = _floats((parts["weight_hh"][0],), parts["weight_hh"][1], (G * H, H))
        bias = np.zeros(G * H)
        for part in ("bias_ih", "bias_hh"):  # PyTorch adds the two; bias=False has neither
            if part in parts:
                bias = bias + _floats((parts[part][0],), parts[part][1], (G * H,))
        layers.append(_torch_layer(cell, w_ih, w_hh, bias))
    readout = _torch_readout(cell, linear, H, limits)
    variant, notes = ("NP", ()) if cell == "lstm" else ("vanilla", (_RNN_NONLINEARITY,))
    if len(layers) > 1:
        notes = (*notes, _TORCH_DROPOUT)
    return ModelFile(cell, variant, tuple(layers), readout, "pytorch", notes=notes)


_TORCH_DROPOUT = (
    "dropout between layers is not modelled (a state_dict does not save it; it is off at inference)"
)
_RNN_NONLINEARITY = (
    "nn.RNN's nonlinearity is not saved in a state_dict: the engine computes tanh (the default)"
)
Named = tuple[str, object]


def _split_torch(
    state_dict: Mapping[str, object],
) -> tuple[dict[int, dict[str, Named]], dict[str, dict[str, Named]]]:
    """Recurrent entries by layer and part ('weight_ih', …); Linear entries by module prefix."""
    rec: dict[int, dict[str, Named]] = {}
    rec_prefixes: set[str] = set()
    linear: dict[str, dict[str, Named]] = {}
    for key, value in state_dict.items():
        try:
            check_name(key)
        except ValueError as exc:
            raise FieldError((), str(exc)) from None
        prefix, _, leaf = key.rpartition(".")
        m = _TORCH_KEY.fullmatch(leaf)
        if m:
            if m[4]:
                raise FieldError(
                    (key,),
                    "a bidirectional layer (bidirectional=True): the engine runs one direction",
                )
            if m[2] == "hr":
                raise FieldError(
                    (key,), "projection weights (proj_size > 0) are not supported; use proj_size=0"
                )
            if m[3] != str(int(m[3])):
                raise FieldError((key,), "not a layer index PyTorch writes")
            rec.setdefault(int(m[3]), {})[f"{m[1]}_{m[2]}"] = (key, value)
            rec_prefixes.add(prefix)
        elif leaf in ("weight", "bias"):
            linear.setdefault(prefix, {})[leaf] = (key, value)
        else:
            raise FieldError(
                (key,),
                "not a key of an nn.LSTM/nn.RNN (weight_ih_l<k>, weight_hh_l<k>, bias_ih_l<k>, "
                "bias_hh_l<k>) nor of one nn.Linear head (<name>.weight, <name>.bias)",
            )
    if not rec:
        raise FieldError((), "no nn.LSTM/nn.RNN weights (weight_ih_l0, weight_hh_l0) in the file")
    if len(rec_prefixes) > 1:
        raise FieldError((), f"more than one recurrent module ({', '.join(sorted(rec_prefixes))})")
    if len(linear) > 1:
        raise FieldError((), f"more than one Linear head ({', '.join(sorted(linear))})")
    return rec, linear


def _torch_cell(parts: dict[str, Named], limits: Limits) -> tuple[str, int]:
    """'lstm' or 'rnn' and H, from weight_hh_l0's (G·H, H): 4 gates, or 1; GRU's 3 is refused."""
    if "weight_hh" not in parts:
        raise FieldError((), "layer 0: needs weight_hh_l0 (4H, H) for nn.LSTM or (H, H) for nn.RNN")
    key, w_hh = parts["weight_hh"]
    rows, H = _shape((key,), w_hh, 2)
    if H < 1 or rows % H:
        raise FieldError((key,), f"expected (4H, H) or (H, H), got {(rows, H)}")
    if rows // H == 3:
        raise FieldError(
            (key,),
            f"{rows} rows for H = {H}: GRU weights (3H rows: r, z, n) are not supported; "
            "only nn.LSTM (4H rows) and nn.RNN (H rows)",
        )
    if rows // H not in _GATES:
        raise FieldError(
            (key,), f"expected (4H, H) for nn.LSTM or (H, H) for nn.RNN, got {(rows, H)}"
        )
    _bounded((key,), "hidden size H (its columns)", H, limits.max_hidden_size)
    return _GATES[rows // H], H


def _torch_layer(cell: str, w_ih: np.ndarray, w_hh: np.ndarray, bias: np.ndarray) -> dict:
    if cell == "rnn":
        return {"U": w_ih, "W": w_hh, "b": bias}
    H = w_hh.shape[1]
    rows = {g: slice(k * H, (k + 1) * H) for k, g in enumerate(TORCH_ORDER)}
    params = {}
    for prefix, src in (("W", w_ih), ("R", w_hh), ("b", bias)):
        for g in "zifo":
            params[f"{prefix}_{g}"] = np.ascontiguousarray(src[rows[g]])
    return params


def _torch_readout(
    cell: str, linear: dict[str, dict[str, Named]], H: int, limits: Limits
) -> dict[str, np.ndarray]:
    if not linear:
        return {}
    ((prefix, parts),) = linear.items()
    if "weight" not in parts:
        raise FieldError((f"{prefix}.weight",), "the Linear head's weight (O, H) is missing")
    key, weight = parts["weight"]
    O = _shape((key,), weight, 2)[0]
    _bounded((key,), "output size O (its rows)", O, limits.max_output_size)
    V = _floats((key,), weight, (O, H))
    b_V = _floats((parts["bias"][0],), parts["bias"][1], (O,)) if "bias" in parts else np.zeros(O)
    return dict(zip(READOUT_KEYS[cell], (V, b_V), strict=True))


# ----------------------------------------------------------------------------- Keras
def keras_layer(
    cell: str,
    name: str,
    weights: Mapping[str, object],
    input_size: int | None,
    limits: Limits,
) -> dict[str, np.ndarray]:
    """A Keras LSTM (kernel D × 4H, columns i, f, c, o) or SimpleRNN (D × H) layer's parameters.

    `weights` holds kernel, recurrent_kernel and (unless use_bias=False) bias; `input_size` is
    the H of the layer below, None for layer 0.
    """
    G = 4 if cell == "lstm" else 1
    for part in ("kernel", "recurrent_kernel"):
        if part not in weights:
            raise FieldError((name,), f"the layer's {part} is missing")
    H = _shape((name, "recurrent_kernel"), weights["recurrent_kernel"], 2)[0]
    _bounded((name, "recurrent_kernel"), "units H (its rows)", H, limits.max_hidden_size)
    D = _shape((name, "kernel"), weights["kernel"], 2)[0]
    if input_size is None:
        _bounded((name, "kernel"), "input size D (its rows)", D, limits.max_input_size)
    elif input_size != D:
        raise FieldError((name, "kernel"), f"{D} rows, but the layer below has {input_size} units")
    k = _floats((name, "kernel"), weights["kernel"], (D, G * H))
    r = _floats((name, "recurrent_kernel"), weights["recurrent_kernel"], (H, G * H))
    bias = weights.get("bias")
    b = np.zeros(G * H) if bias is None else _floats((name, "bias"), bias, (G * H,))
    if cell == "rnn":
        return {"U": k.T.copy(), "W": r.T.copy(), "b": b}
    cols = {g: slice(n * H, (n + 1) * H) for n, g in enumerate(TORCH_ORDER)}
    params = {f"W_{g}": np.ascontiguousarray(k[:, cols[g]].T) for g in "zifo"}
    params.update({f"R_{g}": np.ascontiguousarray(r[:, cols[g]].T) for g in "zifo"})
    params.update({f"b_{g}": b[cols[g]].copy() for g in "zifo"})
    return params


def keras_dense(
    cell: str, name: str, weights: Mapping[str, object], hidden_size: int, limits: Limits
) -> dict[str, np.ndarray]:
    """A Dense head (kernel H × O, bias O unless use_bias=False) as the readout V (O × H)."""
    if "kernel" not in weights:
        raise FieldError((name,), "the Dense layer's kernel is missing")
    O = _shape((name, "kernel"), weights["kernel"], 2)[1]
    _bounded((name, "kernel"), "units O (its columns)", O, limits.max_output_size)
    V = _floats((name, "kernel"), weights["kernel"], (hidden_size, O)).T.copy()
    bias = weights.get("bias")
    b_V = np.zeros(O) if bias is None else _floats((name, "bias"), bias, (O,))
    return dict(zip(READOUT_KEYS[cell], (V, b_V), strict=True))


# ----------------------------------------------------------------------------- checks
def _shape(loc: Loc, value: object, ndim: int) -> tuple[int, ...]:
    if not isinstance(value, np.ndarray):
        raise FieldError(loc, f"expected an array, got {type(value).__name__}")
    if value.ndim != ndim:
        raise FieldError(loc, f"expected a {ndim}-D array, got shape {value.shape}")
    return tuple(int(n) for n in value.shape)


def _floats(loc: Loc, value: object, shape: tuple[int, ...]) -> np.ndarray:
    """A finite float64 copy of a float16/32/64 array of exactly `shape`."""
    if not isinstance(value, np.ndarray):
        raise FieldError(loc, f"expected an array of shape {shape}, got {type(value).__name__}")
    if tuple(value.shape) != shape:
        raise FieldError(loc, f"expected shape {shape}, got {tuple(value.shape)}")
    if value.dtype.kind != "f" or value.dtype.itemsize > 8:
        raise FieldError(loc, f"dtype {value.dtype} is not float16/32/64")
    out = np.array(value, dtype=np.float64)
    if not np.all(np.isfinite(out)):
        raise FieldError(loc, "contains NaN or Inf")
    return out


def _bounded(loc: Loc, what: str, n: int, limit: int) -> None:
    if not 1 <= n <= limit:
        raise FieldError(loc, f"{what}: expected 1..{limit}, got {n}")
