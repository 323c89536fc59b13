"""Helpers of the model-file tests: the committed fixtures, and the engine run layer by layer.

The fixtures (tests/fixtures/files, written by scripts/make_file_fixtures.py) are real torch and
Keras files; each model's .npz holds what the framework computed on its inputs.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
from lstm_explorer.engine.io_layers import READOUT_KEYS, ModelFile
from lstm_explorer.engine.problem import Problem
from lstm_explorer.engine.sequence import run_trace
from lstm_explorer.engine.spec import ModelSpec
from lstm_explorer.engine.variants import Variant

FILES = Path(__file__).resolve().parent.parent / "fixtures" / "files"
INDEX: dict[str, dict[str, Any]] = json.loads((FILES / "index.json").read_text())["fixtures"]


def models(prefix: str) -> list[str]:
    """Fixtures of computed models (not refusals) whose name starts with `prefix`."""
    return [n for n, m in INDEX.items() if n.startswith(prefix) and not m.get("refused")]


def sidecar(name: str) -> dict[str, np.ndarray]:
    with np.load(FILES / f"{name}.npz", allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def tolerance(meta: dict[str, Any]) -> float:
    """1e-10 for a float64 model; a float32 one computed in float32 agrees to about 1e-7."""
    return 1e-10 if meta["dtype"] == "float64" else 1e-5


def run_layer(
    model: ModelFile, layer: int, inputs: np.ndarray, loss: str = "mse"
) -> dict[str, np.ndarray]:
    """Layer `layer` alone through the engine on `inputs`, read by the file's readout if it fits.

    The engine has one layer today, so layer l runs as a one-layer model whose x is the y (RNN:
    h) of layer l − 1; a placeholder readout stands in where the file's reads another layer.
    """
    params = dict(model.layers[layer])
    H = model.hidden_sizes[layer]
    readout = dict(model.readout)
    if not readout or readout["V"].shape[1] != H or layer != model.num_layers - 1:
        readout = dict(zip(READOUT_KEYS[model.cell], (np.zeros((1, H)), np.zeros(1)), strict=True))
    params.update(readout)
    variant = Variant.parse(model.variant) if model.cell == "lstm" else Variant()
    spec = ModelSpec(model.cell, inputs.shape[1], H, readout["V"].shape[0], variant, loss)
    return run_trace(Problem.build(spec, params, inputs)).forward


def hidden_key(model: ModelFile) -> str:
    return "y" if model.cell == "lstm" else "h"


def rezip(
    data: bytes, replace: dict[str, bytes | None], extra: dict[str, bytes] | None = None
) -> bytes:
    """The archive with members replaced (None: removed) and `extra` ones added, stored as is."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename in replace:
                blob = replace[info.filename]
                if blob is not None:
                    dst.writestr(info.filename, blob)
            else:
                dst.writestr(info, src.read(info))
        for name, blob in (extra or {}).items():
            dst.writestr(name, blob)
    return out.getvalue()


# ----------------------------------------------------------------------------- torch.save, by hand
def _str(s: str) -> bytes:
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def _int(n: int) -> bytes:
    b = n.to_bytes((n.bit_length() + 8) // 8 or 1, "little", signed=True)
    return b"\x8a" + bytes([len(b)]) + b  # LONG1: any size


def _tuple(*items: bytes) -> bytes:
    return b"(" + b"".join(items) + b"t"


def pickle_global(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


EMPTY_ODICT = pickle_global("collections", "OrderedDict") + b")R"


def tensor_pickle(tensors: dict[str, tuple]) -> bytes:
    """A protocol-2 pickle of an OrderedDict of tensors, as torch writes one, opcode by opcode.

    tensors: key → (storage type, storage key, numel, offset, size, stride).
    """
    out = b"\x80\x02" + EMPTY_ODICT + b"("
    for key, (kind, skey, numel, offset, size, stride) in tensors.items():
        pid = _tuple(
            _str("storage"), pickle_global("torch", kind), _str(skey), _str("cpu"), _int(numel)
        )
        args = _tuple(
            pid + b"Q",
            _int(offset),
            _tuple(*map(_int, size)),
            _tuple(*map(_int, stride)),
            b"\x89",
            EMPTY_ODICT,
        )
        out += _str(key) + pickle_global("torch._utils", "_rebuild_tensor_v2") + args + b"R"
    return out + b"u."


def torch_archive(pkl: bytes, storages: dict[str, bytes], byteorder: bytes = b"little") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("archive/data.pkl", pkl)
        zf.writestr("archive/byteorder", byteorder)
        for key, blob in storages.items():
            zf.writestr(f"archive/data/{key}", blob)
        zf.writestr("archive/version", b"3\n")
    return out.getvalue()
