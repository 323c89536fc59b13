"""Keras models as people save them: model.save("m.keras") and the legacy model.save("m.h5").

A .keras file is a zip of config.json, metadata.json and model.weights.h5 (Keras 3: each layer's
weights under layers/<class>[_n]/[cell/]vars/0, 1, 2 in model order); a legacy .h5 holds the
config as an attribute and each layer's weights under model_weights/<layer name>. Both are read
with h5py from memory. Only hard links are followed and only datasets stored inside the file are
read (no external or virtual datasets: nothing outside the upload is opened), each one's shape
and dtype checked against the limits before it is read.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import h5py
import numpy as np
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.io_archive import open_zip, read_member
from lstm_explorer.engine.io_checks import DEFAULT_LIMITS, Limits
from lstm_explorer.engine.io_keras_config import (
    MAX_CONFIG_BYTES,
    KerasLayer,
    KerasModel,
    parse_config,
)
from lstm_explorer.engine.io_layers import ModelFile, keras_dense, keras_layer

# What libhdf5 raises, through h5py, on a damaged file.
_H5_ERRORS = (OSError, KeyError, ValueError, TypeError, RuntimeError, IndexError, OverflowError)
_ROLES = {"lstm": ("kernel", "recurrent_kernel", "bias"), "dense": ("kernel", "bias")}
_ROLES["rnn"] = _ROLES["lstm"]
_MAX_CHILDREN = 256


def read_keras_file(data: bytes, limits: Limits = DEFAULT_LIMITS) -> ModelFile:
    """Every layer of a Keras 3 .keras file (a Sequential or functional chain)."""
    what = "keras"
    _check_size(data, limits, what)
    zf = open_zip(data, what)
    model = parse_config(read_member(zf, "config.json", MAX_CONFIG_BYTES, what), what)
    weights = read_member(zf, "model.weights.h5", limits.max_bytes, what)
    if not weights.startswith(b"\x89HDF\r\n\x1a\n"):
        raise FieldError((), f"{what}: model.weights.h5 is not an HDF5 file")
    with _open_h5(weights, f"{what}: model.weights.h5") as f:
        arrays = [_keras3_weights(f, layer, limits) for layer in _with_head(model)]
    return _model_file(model, arrays, limits)


def read_h5_file(data: bytes, limits: Limits = DEFAULT_LIMITS) -> ModelFile:
    """Every layer of a legacy Keras .h5 model file (Keras 2 or 3, model.save('m.h5'))."""
    what = "h5"
    _check_size(data, limits, what)
    with _open_h5(data, what) as f:
        if "model_config" not in f.attrs:
            raise FieldError(
                (),
                f"{what}: no model config in the file (weights only, as save_weights writes); "
                "save the whole model: model.save('m.keras') or model.save('m.h5')",
            )
        model = parse_config(_text_attr(f, "model_config", MAX_CONFIG_BYTES, what), what)
        root = _hard_child(f, "model_weights", what)
        if not isinstance(root, h5py.Group):
            raise FieldError((), f"{what}: model_weights is not a group")
        arrays = [_legacy_weights(root, layer, limits, what) for layer in _with_head(model)]
    return _model_file(model, arrays, limits)


def _with_head(model: KerasModel) -> list[KerasLayer]:
    return [*model.layers, *([model.head] if model.head else [])]


def _model_file(
    model: KerasModel, arrays: list[dict[str, np.ndarray]], limits: Limits
) -> ModelFile:
    layers: list[dict[str, np.ndarray]] = []
    below: int | None = None
    for layer, weights in zip(model.layers, arrays, strict=False):
        _match_bias(layer, weights)
        params = keras_layer(model.cell, layer.name, weights, below, limits)
        below = int(params["R_z" if model.cell == "lstm" else "W"].shape[0])
        units = layer.config.get("units")
        if units is not None and units != below:
            raise FieldError((layer.name, "units"), f"{units}, but the weights have {below}")
        layers.append(params)
    readout: dict[str, np.ndarray] = {}
    if model.head is not None:
        _match_bias(model.head, arrays[-1])
        readout = keras_dense(model.cell, model.head.name, arrays[-1], below or 0, limits)
    return ModelFile(
        model.cell, model.variant, tuple(layers), readout, "keras", model.loss, model.notes
    )


def _match_bias(layer: KerasLayer, weights: dict[str, np.ndarray]) -> None:
    """use_bias=False: no bias in the file (zeros are used); true: the bias must be there."""
    use_bias = layer.config.get("use_bias", True)
    if use_bias and "bias" not in weights:
        raise FieldError((layer.name, "bias"), "use_bias is true but the file has no bias")
    if not use_bias and "bias" in weights:
        raise FieldError((layer.name, "bias"), "use_bias is false but the file has a bias")


# ----------------------------------------------------------------------------- HDF5
@contextmanager
def _open_h5(data: bytes, what: str) -> Iterator[h5py.File]:
    try:
        f = h5py.File(io.BytesIO(data), "r")
    except _H5_ERRORS as exc:
        raise FieldError((), f"{what}: not a readable HDF5 file ({_short(exc)})") from None
    try:
        yield f
    except FieldError:
        raise
    except _H5_ERRORS as exc:
        raise FieldError((), f"{what}: unreadable HDF5 content ({_short(exc)})") from None
    finally:
        f.close()


def _keras3_weights(f: h5py.File, layer: KerasLayer, limits: Limits) -> dict[str, np.ndarray]:
    """layers/<path>/cell/vars/<n> (recurrent) or layers/<path>/vars/<n> (Dense), by position."""
    what = f"keras: model.weights.h5 {layer.path}"
    group: Any = f
    for part in layer.path.split("/"):
        group = _hard_child(group, part, what)
    if layer.kind != "dense" and group.get("cell", getlink=True) is not None:
        group = _hard_child(group, "cell", what)
    variables = _hard_child(group, "vars", what)
    if len(variables) > _MAX_CHILDREN:
        raise FieldError((layer.name,), f"{len(variables)} weights, more than {_MAX_CHILDREN}")
    names = sorted(variables, key=lambda n: int(n) if n.isdigit() else -1)
    roles = _ROLES[layer.kind]
    if len(names) > len(roles) or any(n != str(k) for k, n in enumerate(names)):
        raise FieldError(
            (layer.name,), f"expected weights {', '.join(roles)}, got vars {names[:8]}"
        )
    return {
        roles[k]: _dataset(_hard_child(variables, n, what), (layer.name, roles[k]), limits)
        for k, n in enumerate(names)
    }


def _legacy_weights(
    root: h5py.Group, layer: KerasLayer, limits: Limits, what: str
) -> dict[str, np.ndarray]:
    """model_weights/<name>/<weight name> for each of the group's weight_names."""
    group = _hard_child(root, layer.name, what)
    names = [_decode(n) for n in _small_attr(group, "weight_names", what)]
    out: dict[str, np.ndarray] = {}
    for weight in names:
        role = weight.rsplit("/", 1)[-1].split(":")[0]  # 'lstm/kernel:0' (Keras 2) → kernel
        if role not in _ROLES[layer.kind] or role in out:
            raise FieldError((layer.name,), f"unexpected weight {weight[:100]!r}")
        node: Any = group
        for part in weight.split("/"):
            node = _hard_child(node, part, what)
        out[role] = _dataset(node, (layer.name, role), limits)
    return out


def _hard_child(group: Any, name: str, what: str) -> Any:
    """group[name] when it is a hard link: soft links may loop, external ones open other files."""
    if not isinstance(group, h5py.Group):
        raise FieldError((), f"{what}: expected a group on the way to {name[:100]!r}")
    link = group.get(name, getlink=True)
    if link is None:
        raise FieldError((), f"{what}: no {name[:100]!r} in {group.name[:100]}")
    if not isinstance(link, h5py.HardLink):
        raise FieldError((), f"{what}: {name[:100]!r} is a {type(link).__name__}, not stored here")
    return group[name]


def _dataset(node: Any, loc: tuple[str, ...], limits: Limits) -> np.ndarray:
    """A float dataset read only once its shape, dtype and storage are known to be fine."""
    if not isinstance(node, h5py.Dataset):
        raise FieldError(loc, "not a dataset")
    if node.is_virtual or node.id.get_create_plist().get_external_count():
        raise FieldError(loc, "a dataset stored in other files: refused")
    if node.dtype.kind != "f" or node.dtype.itemsize > 8 or node.dtype.fields is not None:
        raise FieldError(loc, f"dtype {node.dtype} is not float16/32/64")
    shape = tuple(int(n) for n in node.shape)
    if len(shape) not in (1, 2) or max(shape) > limits.max_dim or node.size > limits.max_elements:
        raise FieldError(loc, f"shape {shape} is not 1-D or 2-D within the limits")
    return np.asarray(node[()], dtype=node.dtype.newbyteorder("="))


def _text_attr(obj: Any, name: str, limit: int, what: str) -> bytes:
    value = _small_attr(obj, name, what, limit)
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    raise FieldError((), f"{what}: the {name} attribute is not text")


def _small_attr(obj: Any, name: str, what: str, limit: int = 1 << 16) -> Any:
    """An attribute, refused unread when its stored size is over `limit` bytes.

    For a variable-length string that size counts the strings, not their text, which libhdf5
    reads from the file's heap: the text is bounded by the upload, then by the caller.
    """
    if name not in obj.attrs:
        raise FieldError((), f"{what}: {obj.name[:100]} has no {name} attribute")
    size = obj.attrs.get_id(name).get_storage_size()
    if size > limit:
        raise FieldError((), f"{what}: the {name} attribute takes {size} bytes, over {limit}")
    return obj.attrs[name]


def _decode(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _check_size(data: bytes, limits: Limits, what: str) -> None:
    if len(data) > limits.max_bytes:
        raise FieldError(
            (), f"{what}: {len(data)} bytes, more than the limit of {limits.max_bytes}"
        )


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:100]}"
