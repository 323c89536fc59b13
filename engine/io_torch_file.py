"""torch.save(model.state_dict(), "m.pt") files read without torch and without running pickle code.

The zip format (torch ≥ 1.6): <name>/data.pkl is a pickle of the state_dict whose tensors point
by persistent id at raw storages <name>/data/<key>; <name>/byteorder says their byte order.
The pickle is read by an Unpickler whose find_class hands out only stand-ins for the few names
a state_dict needs (an OrderedDict, the tensor and parameter rebuilders, the storage types);
every other global is refused before anything is called. Storage sizes are checked against
each tensor's shape, stride and offset, and all of them against the upload limit.
"""

from __future__ import annotations

import _compat_pickle
import collections
import io
import math
import pickle
import pickletools
import re
import struct
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, TypeGuard

import numpy as np
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.io_archive import open_zip, read_member
from lstm_explorer.engine.io_checks import DEFAULT_LIMITS, Limits, generic_check
from lstm_explorer.engine.io_layers import ModelFile, from_torch_state_dict

# A state_dict's pickle is ~100 bytes per tensor; anything near this is not one.
MAX_PICKLE_BYTES = 1 << 20
WHAT = "pt"
# Checkpoints often wrap the state_dict: {"epoch": 3, "model_state_dict": {...}, ...}.
WRAPPER_KEYS = ("state_dict", "model_state_dict", "model")

_STORAGE_DTYPES = {
    "DoubleStorage": "f8",
    "FloatStorage": "f4",
    "HalfStorage": "f2",
    "BFloat16Storage": "bf16",  # no NumPy dtype: read as uint16, widened to float32
    "LongStorage": "i8",
    "IntStorage": "i4",
    "ShortStorage": "i2",
    "CharStorage": "i1",
    "ByteStorage": "u1",
    "BoolStorage": "?",
}
_KEY = re.compile(r"[0-9A-Za-z_]{1,64}")
_MAX_NDIM = 8
# Opcodes a torch state_dict never holds: out-of-band buffers (protocol 5).
_REFUSED_OPCODES = {"NEXT_BUFFER", "READONLY_BUFFER", "BYTEARRAY8"}
_UNPICKLE_ERRORS = (
    pickle.UnpicklingError,
    EOFError,
    ValueError,
    TypeError,
    AttributeError,
    IndexError,
    KeyError,
    RecursionError,
    struct.error,
    OverflowError,
    MemoryError,
)


def read_torch_file(data: bytes, limits: Limits = DEFAULT_LIMITS) -> ModelFile:
    """Every layer of the nn.LSTM/nn.RNN (and its nn.Linear head) in a torch.save'd state_dict."""
    return from_torch_state_dict(read_torch_state_dict(data, limits), limits)


def read_torch_state_dict(data: bytes, limits: Limits = DEFAULT_LIMITS) -> dict[str, np.ndarray]:
    """The named tensors of a torch.save'd dict, as NumPy arrays (bfloat16 → float32)."""
    if len(data) > limits.max_bytes:
        raise FieldError(
            (), f"{WHAT}: {len(data)} bytes, more than the limit of {limits.max_bytes}"
        )
    if len(data) >= 2 and data[0] == 0x80:
        raise FieldError(
            (),
            f"{WHAT}: a bare pickle, as torch.save wrote before 1.6 (or with "
            "_use_new_zipfile_serialization=False); save it again with a current torch",
        )
    zf = open_zip(data, WHAT)
    prefix = _archive_prefix(zf.namelist())
    byteorder = "little"
    if f"{prefix}byteorder" in zf.namelist():
        byteorder = read_member(zf, f"{prefix}byteorder", 16, WHAT).decode("ascii", "replace")
        if byteorder not in ("little", "big"):
            raise FieldError((), f"{WHAT}: byteorder {byteorder[:16]!r} is not 'little' or 'big'")
    pkl = read_member(zf, f"{prefix}data.pkl", MAX_PICKLE_BYTES, WHAT)
    globals_ = _prescan(pkl)
    unpickler = _StateDictUnpickler(pkl, zf, prefix, byteorder, limits, globals_)
    try:
        obj = unpickler.load()
    except FieldError:
        raise
    except _UNPICKLE_ERRORS as exc:
        raise FieldError(
            (), f"{WHAT}: data.pkl is not a state_dict pickle ({_short(exc)})"
        ) from None
    return _materialise(_state_dict_of(obj), limits)


# ----------------------------------------------------------------------------- the archive
def _archive_prefix(names: list[str]) -> str:
    """'<name>/' of the one '<name>/data.pkl' (torch names the folder after the file)."""
    pickles = [n for n in names if n.endswith("data.pkl") and n.count("/") <= 1]
    if len(pickles) != 1:
        raise FieldError(
            (), f"{WHAT}: expected one <name>/data.pkl as torch.save writes, found {len(pickles)}"
        )
    return pickles[0][: -len("data.pkl")]


def _prescan(pkl: bytes) -> set[str]:
    """Walk the opcodes without running any: every counted length is checked against the bytes
    really there (so no opcode can make the unpickler allocate more), and the globals named."""
    names: set[str] = set()
    strings: list[str] = []
    try:
        for op, arg, _ in pickletools.genops(io.BytesIO(pkl)):
            if op.name in _REFUSED_OPCODES:
                raise FieldError((), f"{WHAT}: refused pickle opcode {op.name}")
            if op.name in ("GLOBAL", "INST") and isinstance(arg, str):
                names.add(_display(*arg.split(" ", 1)) if " " in arg else arg)
            elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
                names.add(_display(strings[-2], strings[-1]))
            if isinstance(arg, str):
                strings.append(arg)
    except FieldError:
        raise
    except (ValueError, EOFError, struct.error, OverflowError, UnicodeDecodeError) as exc:
        raise FieldError((), f"{WHAT}: data.pkl is not a valid pickle ({_short(exc)})") from None
    return names


# ----------------------------------------------------------------------------- the stand-ins
@dataclass(frozen=True)
class _StorageType:
    """What find_class gives for torch.FloatStorage & co: a dtype, not callable."""

    name: str
    dtype: str


class _Storage:
    """One storage's elements, read from <name>/data/<key>."""

    __slots__ = ("array",)

    def __init__(self, array: np.ndarray) -> None:
        self.array = array


class _Tensor:
    """A tensor as the pickle describes it; checked and copied out by _materialise."""

    __slots__ = ("array",)

    def __init__(self, array: np.ndarray) -> None:
        self.array = array


class _StateDictUnpickler(pickle.Unpickler):
    """Rebuilds tensors and ordered dicts; refuses every other global."""

    def __init__(
        self,
        pkl: bytes,
        zf: zipfile.ZipFile,
        prefix: str,
        byteorder: str,
        limits: Limits,
        globals_: set[str],
    ) -> None:
        super().__init__(io.BytesIO(pkl))
        self._zf, self._prefix, self._limits = zf, prefix, limits
        self._order: Literal["<", ">"] = "<" if byteorder == "little" else ">"
        self._storages: dict[str, _Storage] = {}
        self._bytes_read = 0
        self._globals = globals_
        self._allowed = {
            ("collections", "OrderedDict"): collections.OrderedDict,
            ("torch._utils", "_rebuild_tensor_v2"): self._rebuild_tensor,
            ("torch._utils", "_rebuild_parameter"): self._rebuild_parameter,
            **{("torch", name): _StorageType(name, dt) for name, dt in _STORAGE_DTYPES.items()},
        }

    def find_class(self, module: str, name: str) -> object:
        found = self._allowed.get((module, name))
        if found is not None:
            return found
        raise FieldError((), f"refused pickle global {_display(module, name)}{self._hint()}")

    def _hint(self) -> str:
        if any(g.startswith("torch.nn.modules.") for g in self._globals):
            return (
                ": this file holds a whole pickled module (torch.save(model)), whose code is not "
                "run here; save its weights instead: torch.save(model.state_dict(), 'm.pt')"
            )
        return ": a torch state_dict holds only tensors in an (ordered) dict"

    def persistent_load(self, pid: object) -> _Storage:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise FieldError((), f"{WHAT}: refused persistent id {str(pid)[:60]} (not a storage)")
        _, storage_type, key, _location, numel = pid
        if not isinstance(storage_type, _StorageType):
            raise FieldError((), f"{WHAT}: a storage of unknown type {str(storage_type)[:60]}")
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise FieldError((), f"{WHAT}: storage key {str(key)[:60]!r} is not a plain name")
        if key in self._storages:
            return self._storages[key]
        if not _is_count(numel):
            raise FieldError((), f"{WHAT}: storage {key}: size {str(numel)[:30]} is not a count")
        itemsize = 2 if storage_type.dtype == "bf16" else np.dtype(storage_type.dtype).itemsize
        nbytes = numel * itemsize
        if self._bytes_read + nbytes > self._limits.max_bytes:
            raise FieldError(
                (), f"{WHAT}: storages of more than the limit of {self._limits.max_bytes} bytes"
            )
        raw = read_member(self._zf, f"{self._prefix}data/{key}", nbytes, WHAT)
        if len(raw) != nbytes:
            raise FieldError(
                (), f"{WHAT}: storage {key} holds {len(raw)} bytes, its record declares {nbytes}"
            )
        self._bytes_read += nbytes
        self._storages[key] = _Storage(self._elements(raw, storage_type.dtype))
        return self._storages[key]

    def _elements(self, raw: bytes, dtype: str) -> np.ndarray:
        if dtype == "bf16":  # bfloat16 is the top half of a float32
            halves = np.frombuffer(raw, dtype=f"{self._order}u2").astype(np.uint32)
            return (halves << 16).view(np.float32)
        return np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder(self._order))

    def _rebuild_tensor(
        self,
        storage: object,
        offset: object,
        size: object,
        stride: object,
        requires_grad: object = False,
        backward_hooks: object = None,
        metadata: object = None,
    ) -> _Tensor:
        """torch._utils._rebuild_tensor_v2: a strided view of a storage, every index in it."""
        if not isinstance(storage, _Storage):
            raise FieldError((), f"{WHAT}: a tensor whose storage is not one from the archive")
        if not (_is_shape(size) and _is_shape(stride) and len(size) == len(stride)):
            raise FieldError(
                (), f"{WHAT}: a tensor of size {str(size)[:60]} and stride {str(stride)[:60]}"
            )
        if not isinstance(offset, int) or not _is_count(offset):
            raise FieldError((), f"{WHAT}: a tensor with storage offset {str(offset)[:30]}")
        shape, steps = size, stride
        elements = storage.array
        if math.prod(shape) == 0:
            return _Tensor(np.empty(shape, dtype=elements.dtype))
        last = offset + sum((n - 1) * s for n, s in zip(shape, steps, strict=True))
        if last >= elements.size:
            raise FieldError(
                (),
                f"{WHAT}: a tensor of shape {shape} (stride {steps}, offset {offset}) reaches "
                f"element {last}, but its storage holds {elements.size}",
            )
        # a read-only view, every index of it inside the storage: nothing is allocated yet
        view = np.lib.stride_tricks.as_strided(
            elements[offset:],
            shape=shape,
            strides=[s * elements.itemsize for s in steps],
            writeable=False,
        )
        return _Tensor(view)

    def _rebuild_parameter(
        self, data: object, requires_grad: object = False, backward_hooks: object = None
    ) -> _Tensor:
        """torch._utils._rebuild_parameter: an nn.Parameter is its tensor here."""
        if not isinstance(data, _Tensor):
            raise FieldError((), f"{WHAT}: a parameter that is not a tensor")
        return data


# ----------------------------------------------------------------------------- the result
def _state_dict_of(obj: object) -> Mapping[object, object]:
    if not isinstance(obj, dict):
        raise FieldError((), f"{WHAT}: the pickle holds a {type(obj).__name__}, not a state_dict")
    if obj and not all(isinstance(v, _Tensor) for v in obj.values()):
        for key in WRAPPER_KEYS:  # a checkpoint dict with the state_dict inside
            inner = obj.get(key)
            if isinstance(inner, dict):
                return inner
    return obj


def _materialise(state_dict: Mapping[object, object], limits: Limits) -> dict[str, np.ndarray]:
    if not state_dict:
        raise FieldError((), f"{WHAT}: the state_dict is empty")
    if len(state_dict) > limits.max_arrays:
        raise FieldError(
            (), f"{WHAT}: {len(state_dict)} entries, more than the limit of {limits.max_arrays}"
        )
    check = generic_check(limits)
    total = 0
    arrays: dict[str, np.ndarray] = {}
    for key, value in state_dict.items():
        if not isinstance(key, str):
            raise FieldError((), f"{WHAT}: a state_dict key {str(key)[:60]} that is not a string")
        if not isinstance(value, _Tensor) or not isinstance(value.array, np.ndarray):
            raise FieldError((key,), f"a {type(value).__name__}, not a tensor")
        try:
            check(key, value.array.shape)
        except ValueError as exc:
            raise FieldError((), str(exc)) from None
        # views may share (or repeat, with stride 0) one storage: bound what the copies take
        total += value.array.size * value.array.itemsize
        if total > limits.max_bytes:
            raise FieldError((key,), f"the tensors take more than {limits.max_bytes} bytes")
        arrays[key] = value.array
    # native byte order, owning its memory: no view of the upload leaves the reader
    return {key: np.array(a, dtype=a.dtype.newbyteorder("=")) for key, a in arrays.items()}


def _display(module: str, name: str) -> str:
    """'__builtin__ eval' (protocol 2) reads as builtins.eval, as Python 3 names it."""
    module = _compat_pickle.IMPORT_MAPPING.get(module, module)
    return f"{module}.{name}"[:120]


def _is_count(n: object) -> bool:
    return isinstance(n, int) and not isinstance(n, bool) and 0 <= n < 2**62


def _is_shape(t: object) -> TypeGuard[tuple[int, ...]]:
    return isinstance(t, tuple) and len(t) <= _MAX_NDIM and all(_is_count(n) for n in t)


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:100]}"
