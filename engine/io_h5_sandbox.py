"""Keras files read in a child process: libhdf5 can crash or loop on a damaged file.

Fuzzing the .h5 reader found a three-byte change of a real Keras file that makes libhdf5
segfault and a two-byte one that makes it loop for ever (tests/fixtures/files/hostile-h5-*).
In the server's process either would take every session down, so uploads read Keras files in a
child with bounded memory, CPU and wall time; what it cannot read is a FieldError, whatever
happened to it. The child runs the same readers (engine/io_keras_file.py) and hands back the
arrays as an .npz, which the parent loads with allow_pickle=False.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.io_checks import DEFAULT_LIMITS, Limits
from lstm_explorer.engine.io_layers import ModelFile

TIMEOUT_S = 30.0
# Address space of the child: NumPy and h5py take ~0.3 GiB; the arrays at most the limits.
CHILD_MEMORY = 2 << 30
_ROOT = str(Path(__file__).resolve().parent.parent)  # the folder that holds engine/
_CHILD = f"import sys; sys.path.insert(0, {_ROOT!r}); from engine.io_h5_sandbox import main; main()"
_FIELD_ERROR = 3  # the child's exit status for a FieldError it reports on stdout


def read_keras_isolated(
    fmt: str, data: bytes, limits: Limits = DEFAULT_LIMITS, timeout: float = TIMEOUT_S
) -> ModelFile:
    """read_keras_file ('keras') or read_h5_file ('h5') in a child process."""
    if fmt not in ("keras", "h5"):
        raise FieldError("format", f"expected 'keras' or 'h5', got {fmt!r}")
    header = json.dumps({"fmt": fmt, "limits": vars(limits), "cpu_s": int(timeout) + 1})
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-c", _CHILD],
            input=header.encode() + b"\n" + data,
            capture_output=True,
            timeout=timeout,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise FieldError(
            (), f"{fmt}: reading the file did not finish within {timeout:g} s"
        ) from None
    if done.returncode == _FIELD_ERROR:
        report = json.loads(done.stdout)
        raise FieldError(tuple(report["loc"]), report["message"])
    if done.returncode != 0:
        raise FieldError(
            (),
            f"{fmt}: the HDF5 library failed on this file (exit status {done.returncode}); "
            "it is damaged or not one Keras wrote",
        )
    return _from_npz(done.stdout)


def main() -> None:
    """The child: a header line (format, limits), then the file, on stdin; the result on stdout."""
    import resource

    from lstm_explorer.engine.io_keras_file import read_h5_file, read_keras_file

    header_line, _, data = sys.stdin.buffer.read().partition(b"\n")
    header = json.loads(header_line)
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))
    resource.setrlimit(resource.RLIMIT_CPU, (header["cpu_s"], header["cpu_s"]))
    reader = read_keras_file if header["fmt"] == "keras" else read_h5_file
    try:
        model = reader(data, Limits(**header["limits"]))
    except FieldError as exc:
        sys.stdout.write(json.dumps({"loc": list(exc.loc), "message": exc.message}))
        sys.stdout.flush()
        sys.exit(_FIELD_ERROR)
    sys.stdout.buffer.write(_to_npz(model))
    sys.stdout.flush()


def _to_npz(model: ModelFile) -> bytes:
    meta = {
        "cell": model.cell,
        "variant": model.variant,
        "source": model.source,
        "loss": model.loss,
        "notes": list(model.notes),
        "layers": [list(layer) for layer in model.layers],
        "readout": list(model.readout),
    }
    arrays = {"meta": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)}
    for k, layer in enumerate(model.layers):
        arrays.update({f"layer{k}.{key}": value for key, value in layer.items()})
    arrays.update({f"readout.{key}": value for key, value in model.readout.items()})
    buf = io.BytesIO()
    np.savez(buf, **arrays)  # type: ignore[arg-type]
    return buf.getvalue()


def _from_npz(blob: bytes) -> ModelFile:
    with np.load(io.BytesIO(blob), allow_pickle=False) as npz:
        meta = json.loads(npz["meta"].tobytes())
        layers = tuple(
            {key: np.array(npz[f"layer{k}.{key}"]) for key in keys}
            for k, keys in enumerate(meta["layers"])
        )
        readout = {key: np.array(npz[f"readout.{key}"]) for key in meta["readout"]}
    return ModelFile(
        meta["cell"],
        meta["variant"],
        layers,
        readout,
        meta["source"],
        meta["loss"],
        tuple(meta["notes"]),
    )


if __name__ == "__main__":
    main()
