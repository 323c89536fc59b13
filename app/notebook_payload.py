"""explore()'s model and sequence as the files POST /sessions/upload reads: one mapping, the server's.

A torch model (or its state_dict) becomes the zip a `torch.save(model.state_dict(), "m.pt")`
writes, a Keras model the `.keras` zip `model.save("m.keras")` writes (config.json and
model.weights.h5), a dict of arrays in the notation an .npz; the inputs and targets a CSV. The
server then reads them exactly as it reads the user's own files (app/sessions/uploads.py,
engine/io_torch_file.py, engine/io_keras_file.py). Frameworks are duck-typed, never imported:
tensors give `.detach().cpu().numpy()`, modules `.state_dict()`, Keras models `get_config()`,
`layers` and each layer's `get_weights()`.
"""

from __future__ import annotations

import io
import json
import math
import re
import struct
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.io_keras_config import parse_config

_TORCH_KEY = re.compile(r"(^|\.)(weight|bias)_(ih|hh|hr)_l\d+")
# NumPy dtype → the storage class torch.save names for it.
_STORAGES = {
    "f8": "DoubleStorage",
    "f4": "FloatStorage",
    "f2": "HalfStorage",
    "i8": "LongStorage",
    "i4": "IntStorage",
    "i2": "ShortStorage",
    "i1": "CharStorage",
    "u1": "ByteStorage",
    "b1": "BoolStorage",
}
_KERAS_MODELS = ("Sequential", "Functional", "Model")


@dataclass(frozen=True)
class Payload:
    """One params_file for the upload: its name, its bytes, and what its head implies: the
    output size O (None without a head) and the loss (Keras: softmax → cross-entropy)."""

    filename: str
    data: bytes
    output_size: int | None = None
    loss: str | None = None


def model_payload(model: object, head: object = None) -> Payload:
    """The upload file for a torch module or state_dict, a Keras model, or a dict of arrays."""
    if head is not None:
        return _torch_payload(
            {**_prefixed("rnn.", _state_dict(model)), **_prefixed("head.", _state_dict(head))}
        )
    # Keras first: a Keras 3 model on the torch backend is an nn.Module too
    if callable(getattr(model, "get_config", None)) and hasattr(model, "layers"):
        return keras_payload(model)
    if callable(getattr(model, "state_dict", None)):
        return _torch_payload(_state_dict(model))
    if isinstance(model, Mapping):
        arrays = {str(k): to_numpy(v, str(k)) for k, v in model.items()}
        if any(_TORCH_KEY.search(k) for k in arrays):
            return _torch_payload(arrays)
        V = arrays.get("V")
        O = int(V.shape[0]) if V is not None and V.ndim == 2 else None
        return Payload("params.npz", _npz(arrays), O)
    raise TypeError(
        "explore() takes a torch nn.LSTM / nn.RNN or an nn.Module holding one, a Keras model, "
        f"a state_dict or a dict of arrays; got {type(model).__name__}"
    )


def to_numpy(value: object, name: str = "array") -> np.ndarray:
    """A tensor (torch: .detach().cpu().numpy(); others: .numpy()) or array-like, as NumPy."""
    for method in ("detach", "cpu", "numpy"):  # each one only where the object has it
        if callable(getattr(value, method, None)):
            value = getattr(value, method)()
    try:
        return np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name}: not an array ({type(value).__name__}: {exc})") from None


def sequence_csv(inputs: object, targets: object, output_size: int, loss: str) -> str:
    """inputs (T×D or T) and targets (T×O numbers, T labels, or None: no target at any step;
    a None or NaN row: none at that step) as the CSV of a sequence_file: x1…, target1…."""
    x = to_numpy(inputs, "inputs").astype(np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] < 1:
        raise FieldError("inputs", f"expected a T×D array, got shape {x.shape}")
    T = x.shape[0]
    rows = _target_rows(targets, T, 1 if loss == "cross_entropy" else output_size, loss)
    width = len(rows[0]) if rows else 1
    header = [f"x{k + 1}" for k in range(x.shape[1])] + [f"target{k + 1}" for k in range(width)]
    lines = [",".join(header)]
    for t in range(T):
        lines.append(",".join([*(repr(float(v)) for v in x[t]), *rows[t]]))
    return "\n".join(lines) + "\n"


def _target_rows(targets: object, T: int, width: int, loss: str) -> list[list[str]]:
    if targets is None:
        return [[""] * width for _ in range(T)]
    if isinstance(targets, list | tuple) and any(v is None for v in targets):
        rows: list[list[str]] = []
        for t, v in enumerate(targets):
            rows += [[""] * width] if v is None else _target_rows([v], 1, width, loss)
            if len(rows) != t + 1:
                raise FieldError(("targets", t), "expected one target (or None) per step")
        return _check_length(rows, T)
    y = to_numpy(targets, "targets").astype(np.float64)
    if loss == "cross_entropy":
        if y.ndim != 1:
            raise FieldError("targets", f"cross_entropy needs T labels, got shape {y.shape}")
        return _check_length([[""] if math.isnan(v) or v < 0 else [str(int(v))] for v in y], T)
    if y.ndim == 1:
        y = y[:, None]
    if y.ndim != 2:
        raise FieldError("targets", f"expected T×O numbers, got shape {y.shape}")
    return _check_length(
        [[""] * y.shape[1] if np.all(np.isnan(r)) else [repr(float(v)) for v in r] for r in y], T
    )


def _check_length(rows: list[list[str]], T: int) -> list[list[str]]:
    if len(rows) != T:
        raise FieldError("targets", f"{len(rows)} steps, but the inputs have T = {T}")
    return rows


# ----------------------------------------------------------------------------- torch
def _state_dict(module: object) -> dict[str, np.ndarray]:
    if isinstance(module, Mapping):
        items = module.items()
    elif callable(getattr(module, "state_dict", None)):
        items = module.state_dict().items()  # type: ignore[attr-defined]
    else:
        raise TypeError(f"expected a torch module or a state_dict, got {type(module).__name__}")
    return {str(k): to_numpy(v, str(k)) for k, v in items}


def _prefixed(prefix: str, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {prefix + k: v for k, v in arrays.items()}


def _torch_payload(arrays: dict[str, np.ndarray]) -> Payload:
    """The zip torch.save writes for an OrderedDict of contiguous CPU tensors."""
    pkl = b"\x80\x02" + _global("collections", "OrderedDict") + b")R("
    storages: dict[str, bytes] = {}
    for n, (key, array) in enumerate(arrays.items()):
        a = np.ascontiguousarray(array)
        kind = _STORAGES.get(a.dtype.str[1:])
        if kind is None:
            raise TypeError(f"{key}: a tensor of dtype {a.dtype}; convert it with .float()")
        storages[str(n)] = a.astype(a.dtype.newbyteorder("<")).tobytes()
        pid = _tuple(
            _str("storage"), _global("torch", kind), _str(str(n)), _str("cpu"), _int(a.size)
        )
        strides = [s // a.itemsize for s in a.strides] if a.size else [1] * a.ndim
        args = _tuple(
            pid + b"Q",  # BINPERSID: the storage, by its persistent id
            _int(0),
            _tuple(*map(_int, a.shape)),
            _tuple(*map(_int, strides)),
            b"\x89",  # requires_grad False
            _global("collections", "OrderedDict") + b")R",  # backward hooks
        )
        pkl += _str(key) + _global("torch._utils", "_rebuild_tensor_v2") + args + b"R"
    pkl += b"u."
    heads = [a for k, a in arrays.items() if k.rpartition(".")[2] == "weight" and a.ndim == 2]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("m/data.pkl", pkl)
        zf.writestr("m/byteorder", "little")
        for key, blob in storages.items():
            zf.writestr(f"m/data/{key}", blob)
        zf.writestr("m/version", "3\n")
    return Payload("m.pt", out.getvalue(), int(heads[0].shape[0]) if len(heads) == 1 else None)


def _str(s: str) -> bytes:
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b  # BINUNICODE


def _int(n: int) -> bytes:
    b = n.to_bytes((n.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8a" + bytes([len(b)]) + b  # LONG1


def _tuple(*items: bytes) -> bytes:
    return b"(" + b"".join(items) + b"t"  # MARK … TUPLE


def _global(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"  # GLOBAL


# ----------------------------------------------------------------------------- Keras
def keras_payload(model: Any) -> Payload:
    """The .keras zip of a live Keras model: its config, each weighted layer's get_weights()."""
    import h5py  # a dependency of the server (the Keras readers); loaded only when needed

    cls = type(model).__name__
    try:
        config = {"class_name": cls if cls in _KERAS_MODELS else "Functional"}
        config["config"] = model.get_config()
        text = json.dumps(config, default=str).encode()
    except (NotImplementedError, TypeError, ValueError) as exc:
        raise TypeError(
            f"this Keras model ({cls}) gives no config ({exc}); build it as a Sequential or "
            "functional model of LSTM or SimpleRNN layers and a Dense head"
        ) from None
    parsed = parse_config(text, "keras")  # the server's reading: which layers, where
    live = {layer.name: layer for layer in model.layers}
    weights = io.BytesIO()
    O = None
    with h5py.File(weights, "w") as f:
        for layer in (*parsed.layers, *([parsed.head] if parsed.head else [])):
            if layer.name not in live:
                raise TypeError(f"the config names a layer {layer.name!r} the model does not have")
            for n, w in enumerate(live[layer.name].get_weights()):
                f[f"{layer.path}/vars/{n}"] = array = to_numpy(w, f"{layer.name} weight {n}")
                if layer is parsed.head and n == 0 and array.ndim == 2:
                    O = int(array.shape[1])  # the Dense kernel: H × O
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("metadata.json", json.dumps({"keras_version": "duck-typed"}))
        zf.writestr("config.json", text)
        zf.writestr("model.weights.h5", weights.getvalue())
    return Payload("model.keras", out.getvalue(), O, parsed.loss)


def _npz(arrays: dict[str, np.ndarray]) -> bytes:
    out = io.BytesIO()
    np.savez(out, **arrays)  # type: ignore[arg-type]
    return out.getvalue()
