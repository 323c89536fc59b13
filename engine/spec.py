"""What a model is: cell type, sizes, variant, loss and dtype, and the parameter shapes that follow."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.variants import FGR_KEYS, VANILLA, Variant

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

    def __post_init__(self) -> None:
        if self.cell not in CELLS:
            raise ValueError(f"cell: expected one of {CELLS}, got {self.cell!r}")
        if self.loss not in LOSSES:
            raise ValueError(f"loss: expected one of {LOSSES}, got {self.loss!r}")
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype: expected one of {tuple(DTYPES)}, got {self.dtype!r}")
        for name in ("input_size", "hidden_size", "output_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name}: expected a positive integer, got {value!r}")
        if self.cell == "rnn" and self.variant != VANILLA:
            raise ValueError("variant: the simple RNN has no variants; use 'vanilla'")

    @property
    def np_dtype(self) -> type[np.floating]:
        return DTYPES[self.dtype]  # type: ignore[return-value]

    @property
    def state_keys(self) -> tuple[str, ...]:
        """Recurrent state carried from t−1 to t (FGR also carries the gates)."""
        if self.cell == "rnn":
            return ("h",)
        if self.variant.gate_recurrence:
            return ("y", "c", "i", "f", "o")
        return ("y", "c")


def param_shapes(spec: ModelSpec) -> dict[str, tuple[int, ...]]:
    """Every parameter's key and shape, in the notation of DESIGN.md."""
    d, h, o = spec.input_size, spec.hidden_size, spec.output_size
    if spec.cell == "rnn":
        return {"U": (h, d), "W": (h, h), "b": (h,), "V": (o, h), "c": (o,)}
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
    shapes["V"] = (o, h)
    shapes["b_V"] = (o,)
    return shapes


def check_params(spec: ModelSpec, params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Validate names, shapes and finiteness; return contiguous copies in the spec's dtype."""
    shapes = param_shapes(spec)
    missing = [k for k in shapes if k not in params]
    if missing:
        raise ValueError(f"params: missing {', '.join(missing)} for {_describe(spec)}")
    extra = [k for k in params if k not in shapes]
    if extra:
        raise ValueError(f"params: unexpected {', '.join(extra)} for {_describe(spec)}")
    out: dict[str, np.ndarray] = {}
    for key, shape in shapes.items():
        try:
            arr = np.asarray(params[key], dtype=spec.np_dtype)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"params.{key}: not an array of numbers ({exc})") from None
        if arr.shape != shape:
            raise ValueError(f"params.{key}: expected shape {shape}, got {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"params.{key}: contains NaN or Inf")
        out[key] = np.array(arr, order="C", copy=True)  # a trace must not change under its owner
    return out


def state_shapes(spec: ModelSpec) -> dict[str, tuple[int, ...]]:
    return {k: (spec.hidden_size,) for k in spec.state_keys}


def _describe(spec: ModelSpec) -> str:
    if spec.cell == "rnn":
        return "the simple RNN"
    return f"the LSTM variant {spec.variant.key}"
