"""Bounds and checks shared by the parameter readers: limits, notation shapes, float arrays."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.variants import FGR_KEYS

# Called with (name, declared shape) before an array is read, so nothing too big is allocated.
ShapeCheck = Callable[[str, tuple[int, ...]], None]

MAX_NAME = 100
MAX_STACK_INDEX = 63  # the highest layer index a name may carry (the setting bounds the stack)


@dataclass(frozen=True)
class Limits:
    """Largest sizes and file a reader accepts; checked before anything is allocated."""

    max_input_size: int = 1024
    max_hidden_size: int = 1024
    max_output_size: int = 1024
    max_bytes: int = 64 * 2**20
    max_arrays: int = 64

    def __post_init__(self) -> None:
        for name in (
            "max_input_size",
            "max_hidden_size",
            "max_output_size",
            "max_bytes",
            "max_arrays",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise FieldError(("limits", name), f"expected a positive integer, got {value!r}")

    @property
    def max_dim(self) -> int:
        """Longest axis of any accepted array: PyTorch stacks four gates, 4H rows."""
        return 4 * max(self.max_input_size, self.max_hidden_size, self.max_output_size)

    @property
    def max_elements(self) -> int:
        """Largest accepted array: PyTorch's weight_hh (4H × H) or weight_ih (4H × D)."""
        h = self.max_hidden_size
        return 4 * h * max(h, self.max_input_size, self.max_output_size)


DEFAULT_LIMITS = Limits()

# Each notation parameter's axes: D inputs, H cells or hidden units, O outputs.
LSTM_DIMS: dict[str, tuple[str, ...]] = {
    **{f"W_{g}": ("H", "D") for g in "zifo"},
    **{f"R_{g}": ("H", "H") for g in "zifo"},
    **{f"p_{g}": ("H",) for g in "ifo"},
    **{f"b_{g}": ("H",) for g in "zifo"},
    **{key: ("H", "H") for key in FGR_KEYS},
    "V": ("O", "H"),
    "b_V": ("O",),
}
RNN_DIMS: dict[str, tuple[str, ...]] = {
    "U": ("H", "D"),
    "W": ("H", "H"),
    "b": ("H",),
    "V": ("O", "H"),
    "c": ("O",),
}


def size_limit(limits: Limits, axis: str) -> int:
    sizes = {"D": limits.max_input_size, "H": limits.max_hidden_size, "O": limits.max_output_size}
    return sizes[axis]


def generic_check(limits: Limits) -> ShapeCheck:
    """Any name, 1-D or 2-D, no axis over limits.max_dim, no more than limits.max_elements."""

    def check(name: str, shape: tuple[int, ...]) -> None:
        check_name(name)
        if len(shape) not in (1, 2):
            raise FieldError(name, f"expected a 1-D or 2-D array, got shape {shape}")
        if max(shape) > limits.max_dim or math.prod(shape) > limits.max_elements:
            raise FieldError(
                name,
                f"shape {shape} is over the limits (axes up to {limits.max_dim}, "
                f"{limits.max_elements} numbers)",
            )

    return check


def notation_dims(
    name: str, table: Mapping[str, tuple[str, ...]] | None = None
) -> tuple[str, ...] | None:
    """The axes of a parameter of the notation (in `table`, or either cell's); None for another
    name. Layer l ≥ 1 of a stack (`W_z@1`) reads the layer below's H outputs where layer 0 reads D."""
    base, sep, layer = name.partition("@")
    dims = (table or LSTM_DIMS).get(base) or (None if table else RNN_DIMS.get(base))
    if not sep or dims is None:
        return dims
    if base in ("V", "b_V", "c") or not (layer.isdigit() and 1 <= int(layer) <= MAX_STACK_INDEX):
        return None  # the readout is one per model; `@0` and `@x` are not names
    return tuple("H" if axis == "D" else axis for axis in dims)


def notation_check(limits: Limits) -> ShapeCheck:
    """Names of the notation only, each axis within its size limit."""

    def check(name: str, shape: tuple[int, ...]) -> None:
        dims = notation_dims(name)
        if dims is None:
            # not a field to locate: the name is the file's, shown quoted
            raise FieldError(
                (),
                f"{name[:MAX_NAME]!r}: not a parameter of the notation; LSTM: "
                f"{', '.join(LSTM_DIMS)}; RNN: {', '.join(RNN_DIMS)} (layer l ≥ 1 of a stack: W_z@l, U@l …)",
            )
        if len(shape) != len(dims):
            raise FieldError(name, f"expected shape ({', '.join(dims)}), got {shape}")
        for axis, n in zip(dims, shape, strict=True):
            if n < 1 or n > size_limit(limits, axis):
                raise FieldError(
                    name,
                    f"expected shape ({', '.join(dims)}) with {axis} in "
                    f"1..{size_limit(limits, axis)}, got {shape}",
                )

    return check


def check_name(name: object) -> None:
    if not isinstance(name, str) or not name or len(name) > MAX_NAME or not name.isprintable():
        raise FieldError(
            (), f"array name {str(name)[:MAX_NAME]!r}: expected 1..{MAX_NAME} printable characters"
        )


def check_float_dtype(name: str, dtype: np.dtype, expected: str) -> None:
    """Refuse anything but float16/32/64: ints, bools, complex, objects, records."""
    if dtype.kind != "f" or dtype.itemsize > 8 or dtype.fields is not None:
        raise FieldError(
            name, f"dtype {dtype} is not float16/32/64; expected floats of shape {expected}"
        )


def float_array(name: str, value: object, expected: str) -> np.ndarray:
    """A finite float64 copy of an ndarray that is already known to be small enough."""
    if not isinstance(value, np.ndarray):
        raise FieldError(name, f"expected an array of shape {expected}, got {type(value).__name__}")
    check_float_dtype(name, value.dtype, expected)
    arr = np.array(value, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise FieldError(name, "contains NaN or Inf")
    return arr


def notation_params(arrays: Mapping[str, np.ndarray], limits: Limits) -> dict[str, np.ndarray]:
    """Check arrays named in the notation: one cell type, consistent D, H and O; float64 copies."""
    if not arrays:
        raise FieldError((), "the file holds no arrays")
    check = notation_check(limits)
    rnn = [k for k in arrays if k.partition("@")[0] in RNN_DIMS and k != "V"]
    lstm = [k for k in arrays if k.partition("@")[0] in LSTM_DIMS and k != "V"]
    if rnn and lstm:
        raise FieldError((), f"mixes RNN ({', '.join(rnn)}) and LSTM ({', '.join(lstm)}) names")
    table = RNN_DIMS if rnn else LSTM_DIMS
    sizes: dict[str, tuple[int, str]] = {}
    out = {}
    for name, arr in arrays.items():
        shape = tuple(int(n) for n in np.shape(arr))
        check(name, shape)
        dims = notation_dims(name, table)
        if dims is None:  # a name of the other cell: the check above took both tables
            raise FieldError(name, "not a parameter of this cell")
        for axis, n in zip(dims, shape, strict=True):
            first = sizes.setdefault(axis, (n, name))
            if first[0] != n:
                raise FieldError(
                    name,
                    f"expected shape ({', '.join(dims)}) with {axis} = {first[0]} "
                    f"as in {first[1]}, got {shape}",
                )
        out[name] = float_array(name, arr, "(" + ", ".join(dims) + ")")
    return out
