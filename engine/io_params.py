"""Parameters to and from .npz, JSON and safetensors in the notation's names; PyTorch and Keras.

Readers take bytes (an upload), never a path, and check every declared size against Limits
before reading the data behind it. Anything malformed raises FieldError naming what is wrong:
located at the array's name, or at the format (("npz",)) for the file as a whole.
"""

from __future__ import annotations

import io
import json
import math
import struct
import zipfile
import zlib
from collections.abc import Mapping

import numpy as np
import safetensors.numpy
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.io_checks import (
    DEFAULT_LIMITS,
    Limits,
    ShapeCheck,
    check_float_dtype,
    check_name,
    generic_check,
    notation_check,
    notation_params,
)
from lstm_explorer.engine.io_frameworks import (
    Imported,
    from_keras,
    from_pytorch,
    to_keras,
    to_pytorch,
)
from safetensors import SafetensorError

__all__ = [
    "DEFAULT_LIMITS",
    "FORMATS",
    "Imported",
    "Limits",
    "dump_params",
    "from_keras",
    "from_pytorch",
    "load_params",
    "read_arrays",
    "to_keras",
    "to_pytorch",
]

FORMATS = ("npz", "json", "safetensors")
_SAFETENSORS_DTYPES = {"F16": np.dtype("<f2"), "F32": np.dtype("<f4"), "F64": np.dtype("<f8")}
# What a broken zip or npy member can raise besides ValueError (numpy's header checks).
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
    struct.error,
    KeyError,
    OverflowError,
)


def dump_params(params: Mapping[str, np.ndarray], fmt: str) -> bytes:
    """Serialise named arrays as an uncompressed .npz, JSON text or safetensors."""
    arrays = {k: np.ascontiguousarray(v) for k, v in params.items()}
    if fmt == "npz":
        buf = io.BytesIO()
        np.savez(buf, **arrays)  # type: ignore[arg-type]
        return buf.getvalue()
    if fmt == "json":
        return json.dumps({k: v.tolist() for k, v in arrays.items()}).encode()
    if fmt == "safetensors":
        return bytes(safetensors.numpy.save(arrays))
    raise FieldError("format", f"expected one of {FORMATS}, got {fmt!r}")


def load_params(
    data: bytes | str, fmt: str, limits: Limits = DEFAULT_LIMITS
) -> dict[str, np.ndarray]:
    """Read a file of parameters named in the notation; float64, consistent sizes, all finite."""
    return notation_params(read_arrays(data, fmt, limits, notation_check(limits)), limits)


def read_arrays(
    data: bytes | str, fmt: str, limits: Limits = DEFAULT_LIMITS, check: ShapeCheck | None = None
) -> dict[str, np.ndarray]:
    """Read float arrays under any names (e.g. a PyTorch state_dict saved as safetensors)."""
    if fmt not in FORMATS:
        raise FieldError("format", f"expected one of {FORMATS}, got {fmt!r}")
    if isinstance(data, str):
        if fmt != "json":
            raise FieldError(fmt, "expected bytes, got text")
        data = data.encode("utf-8", errors="replace")
    if not isinstance(data, bytes | bytearray | memoryview):
        raise FieldError(fmt, f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    if len(data) > limits.max_bytes:
        raise FieldError(fmt, f"{len(data)} bytes, more than the limit of {limits.max_bytes}")
    check = check or generic_check(limits)
    reader = {"npz": _read_npz, "json": _read_json, "safetensors": _read_safetensors}[fmt]
    arrays = reader(data, limits, check)
    if not arrays:
        raise FieldError(fmt, "the file holds no arrays")
    return arrays


# ----------------------------------------------------------------------------- npz
def _read_npz(data: bytes, limits: Limits, check: ShapeCheck) -> dict[str, np.ndarray]:
    if not data.startswith(b"PK\x03\x04"):
        raise FieldError("npz", "not a zip archive (as written by numpy.savez)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            keys = _npz_members(zf, limits, check)
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {key: np.asarray(npz[key]) for key in keys}
    except FieldError:
        raise  # about one array: located at its name
    except ValueError as exc:  # numpy's own header and format checks
        raise FieldError("npz", f"unreadable array ({str(exc)[:100]})") from None
    except _ZIP_ERRORS as exc:
        raise FieldError("npz", f"unreadable archive ({type(exc).__name__}: {exc})") from None
    for key, arr in arrays.items():
        # the header was checked; make sure the data agrees with it
        check_float_dtype(key, arr.dtype, "as declared")
        check(key, arr.shape)
    return arrays


def _npz_members(zf: zipfile.ZipFile, limits: Limits, check: ShapeCheck) -> list[str]:
    """Check every member's declared size and .npy header before any data is read."""
    infos = zf.infolist()
    if len(infos) > limits.max_arrays:
        raise FieldError("npz", f"{len(infos)} arrays, more than the limit of {limits.max_arrays}")
    declared = sum(info.file_size for info in infos)
    if declared > limits.max_bytes:
        raise FieldError(
            "npz", f"members declare {declared} bytes, more than the limit of {limits.max_bytes}"
        )
    keys: list[str] = []
    for info in infos:
        if not info.filename.endswith(".npy"):
            raise FieldError("npz", f"member {info.filename[:100]!r} is not a .npy array")
        key = info.filename[: -len(".npy")]
        check_name(key)
        if key in keys:
            raise FieldError(key, "stored twice")
        with zf.open(info) as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, _, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                raise FieldError(key, f"unsupported .npy version {version}")
            data_bytes = info.file_size - f.tell()
        check_float_dtype(key, dtype, "as declared")  # refuses object (pickled) arrays unread
        check(key, tuple(shape))
        if math.prod(shape) * dtype.itemsize > data_bytes:
            raise FieldError(key, "header declares more data than the member holds")
        keys.append(key)
    return keys


# ----------------------------------------------------------------------------- JSON
def _read_json(data: bytes, limits: Limits, check: ShapeCheck) -> dict[str, np.ndarray]:
    try:
        obj = json.loads(data)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError
        raise FieldError("json", f"not valid JSON ({str(exc)[:100]})") from None
    if not isinstance(obj, dict):
        raise FieldError("json", "expected an object mapping parameter names to nested lists")
    if len(obj) > limits.max_arrays:
        raise FieldError("json", f"{len(obj)} arrays, more than the limit of {limits.max_arrays}")
    out = {}
    for key, value in obj.items():
        check_name(key)
        shape = _nested_shape(key, value)
        check(key, shape)
        try:
            out[key] = np.array(value, dtype=np.float64)
        except OverflowError:
            raise FieldError(key, "a number too large for a float") from None
    return out


def _nested_shape(key: str, value: object) -> tuple[int, ...]:
    """Shape of a list of numbers or a list of equal-length lists of numbers, else FieldError."""
    expected = "expected a non-empty list of numbers or of rows (lists of numbers)"
    if not isinstance(value, list) or not value:
        raise FieldError(key, expected)
    if all(_is_number(v) for v in value):
        return (len(value),)
    rows = value
    if not all(isinstance(r, list) for r in rows):
        raise FieldError(key, expected)
    width = len(rows[0])
    for r, row in enumerate(rows):
        if len(row) != width or not all(_is_number(v) for v in row):
            raise FieldError((key, r), f"expected {width} numbers like row 0")
    return (len(rows), width)


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


# ----------------------------------------------------------------------------- safetensors
def _read_safetensors(data: bytes, limits: Limits, check: ShapeCheck) -> dict[str, np.ndarray]:
    if len(data) < 8:
        raise FieldError("safetensors", "shorter than its 8-byte header length")
    n = int.from_bytes(data[:8], "little")
    if n > len(data) - 8:
        raise FieldError("safetensors", "header length runs past the end of the file")
    try:
        header = json.loads(data[8 : 8 + n])
    except (ValueError, RecursionError):
        raise FieldError("safetensors", "the header is not valid JSON") from None
    if not isinstance(header, dict):
        raise FieldError("safetensors", "the header is not a JSON object")
    entries = {k: v for k, v in header.items() if k != "__metadata__"}
    if len(entries) > limits.max_arrays:
        raise FieldError(
            "safetensors", f"{len(entries)} arrays, more than the limit of {limits.max_arrays}"
        )
    for key, entry in entries.items():
        check_name(key)
        if not isinstance(entry, dict) or entry.get("dtype") not in _SAFETENSORS_DTYPES:
            dtype = entry.get("dtype") if isinstance(entry, dict) else entry
            raise FieldError(key, f"dtype {str(dtype)[:20]!r} is not F16, F32 or F64")
        shape = entry.get("shape")
        if not isinstance(shape, list) or not all(_is_count(n) for n in shape):
            raise FieldError(key, f"shape {str(shape)[:40]} is not a list of sizes")
        check(key, tuple(shape))
    try:
        arrays = safetensors.numpy.load(data)
    except (SafetensorError, ValueError, TypeError, OverflowError) as exc:
        raise FieldError("safetensors", f"unreadable ({str(exc)[:100]})") from None
    out = {}
    for key, arr in arrays.items():
        check(key, arr.shape)
        check_float_dtype(key, arr.dtype, "as declared")
        out[key] = np.array(arr)  # own the memory, not a view of the upload
    return out


def _is_count(n: object) -> bool:
    return isinstance(n, int) and not isinstance(n, bool) and n >= 0
