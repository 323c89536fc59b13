"""What a model is: cell type, sizes, variant, loss and dtype, and the parameter shapes that follow."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.variants import FGR_KEYS, VANILLA, Variant

CELLS = ("lstm", "rnn")
LOSSES = ("mse", "cross_entropy")
DTYPES = {"float64": np.float64, "float32": np.float32}


@dataclass(frozen=True)
class ModelSpec:
    """A model: D inputs, H cells (or hidden units), O outputs."""

    cell: str
    input_size: int
    hidden_size: int
    output_size: int
    variant: Variant = field(default=VANILLA)
    loss: str = "mse"
    dtype: str = "float64"
    num_layers: int = 1  # L: layer l > 0 reads the y (RNN: h) of layer l − 1; V reads the top

    def __post_init__(self) -> None:
        if self.cell not in CELLS:
            raise FieldError("cell", f"expected one of {CELLS}, got {self.cell!r}")
        if self.loss not in LOSSES:
            raise FieldError("loss", f"expected one of {LOSSES}, got {self.loss!r}")
        if self.dtype not in DTYPES:
            raise FieldError("dtype", f"expected one of {tuple(DTYPES)}, got {self.dtype!r}")
        for name in ("input_size", "hidden_size", "output_size", "num_layers"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise FieldError(name, f"expected a positive integer, got {value!r}")
        if self.cell == "rnn" and self.variant != VANILLA:
            raise FieldError("variant", "the simple RNN has no variants; use 'vanilla'")

    @property
    def np_dtype(self) -> type[np.floating]:
        return DTYPES[self.dtype]  # type: ignore[return-value]

    def layer(self, l: int) -> ModelSpec:
        """The one-layer spec of layer l alone: its input is x (l = 0) or the layer below's y."""
        size = self.input_size if l == 0 else self.hidden_size
        return replace(self, input_size=size, num_layers=1)

    @property
    def state_keys(self) -> tuple[str, ...]:
        """Recurrent state of one layer carried from t−1 to t (FGR also carries the gates)."""
        if self.cell == "rnn":
            return ("h",)
        if self.variant.gate_recurrence:
            return ("y", "c", "i", "f", "o")
        return ("y", "c")


def layer_key(key: str, l: int) -> str:
    """Layer l's name of a per-layer key (docs/NOTATION.md, "Stacked layers"): layer 0 keeps the
    bare key, so a one-layer model reads as before; layer l ≥ 1 appends `@l` (`W_z@1`, `y@2`)."""
    return key if l == 0 else f"{key}@{l}"


def split_layer_key(key: str) -> tuple[str, int]:
    """`W_z@1` → (`W_z`, 1); a bare key is layer 0's (or the readout's)."""
    base, sep, l = key.partition("@")
    return (base, int(l)) if sep and l.isdigit() else (key, 0)


READOUT_PARAMS = {"lstm": ("V", "b_V"), "rnn": ("V", "c")}


def param_shapes(spec: ModelSpec) -> dict[str, tuple[int, ...]]:
    """Every parameter's key and shape, in the notation of docs/NOTATION.md: each layer's, layer 0
    first, then the readout of the top layer."""
    shapes: dict[str, tuple[int, ...]] = {}
    for l in range(spec.num_layers):
        layer = _layer_shapes(spec.layer(l))
        shapes.update({layer_key(k, l): s for k, s in layer.items()})
    h, o = spec.hidden_size, spec.output_size
    shapes.update(dict(zip(READOUT_PARAMS[spec.cell], ((o, h), (o,)), strict=True)))
    return shapes


def _layer_shapes(spec: ModelSpec) -> dict[str, tuple[int, ...]]:
    """One layer's parameters, without the readout."""
    d, h = spec.input_size, spec.hidden_size
    if spec.cell == "rnn":
        return {"U": (h, d), "W": (h, h), "b": (h,)}
    v = spec.variant
    shapes: dict[str, tuple[int, ...]] = {}
    for gate in v.gates:
        shapes[f"W_{gate}"] = (h, d)
    for gate in v.gates:
        shapes[f"R_{gate}"] = (h, h)
    for gate in v.peephole_gates:
        shapes[f"p_{gate}"] = (h,)
    for gate in v.gates:
        shapes[f"b_{gate}"] = (h,)
    if v.gate_recurrence:
        for key in FGR_KEYS:
            shapes[key] = (h, h)
    return shapes


def check_params(spec: ModelSpec, params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Validate names, shapes and finiteness; return contiguous copies in the spec's dtype."""
    shapes = param_shapes(spec)
    missing = [k for k in shapes if k not in params]
    if missing:
        raise FieldError("params", f"missing {', '.join(missing)} for {_describe(spec)}")
    extra = [k for k in params if k not in shapes]
    if extra:
        raise FieldError("params", f"unexpected {', '.join(extra)} for {_describe(spec)}")
    out: dict[str, np.ndarray] = {}
    for key, shape in shapes.items():
        try:
            arr = np.asarray(params[key], dtype=spec.np_dtype)
        except (TypeError, ValueError) as exc:
            raise FieldError(("params", key), f"not an array of numbers ({exc})") from None
        if arr.shape != shape:
            raise FieldError(("params", key), f"expected shape {shape}, got {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise FieldError(("params", key), "contains NaN or Inf")
        out[key] = np.array(arr, order="C", copy=True)  # a trace must not change under its owner
    return out


def state_shapes(spec: ModelSpec) -> dict[str, tuple[int, ...]]:
    """Every layer's initial state (layer l ≥ 1 keyed `y@l`, `c@l`; RNN `h@l`)."""
    return {
        layer_key(k, l): (spec.hidden_size,)
        for l in range(spec.num_layers)
        for k in spec.state_keys
    }


def _describe(spec: ModelSpec) -> str:
    layers = f" of {spec.num_layers} layers" if spec.num_layers > 1 else ""
    if spec.cell == "rnn":
        return f"the simple RNN{layers}"
    return f"the LSTM variant {spec.variant.key}{layers}"
