"""A Runner's trace as named arrays, and those arrays as .npz bytes or CSV text (one per quantity)."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Mapping

import numpy as np
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.runner import Runner


def trace_arrays(runner: Runner) -> dict[str, np.ndarray]:
    """Forward arrays of the computed steps, errors (zero where BPTT has not been), their norms
    (`delta_norms.dy`, ...), the loss per step (`loss_t`) and the target mask; every array has time
    as axis 0."""
    n = runner.computed_forward
    out: dict[str, np.ndarray] = dict(runner.forward_arrays())
    out.update(runner.backward_arrays())
    out.update({f"delta_norms.{k}": v for k, v in runner.delta_norms().items()})
    out["loss_t"] = np.asarray(runner.comp.loss[:n], dtype=np.float64)
    out["target_mask"] = runner.targets.mask.astype(np.float64)
    return {k: np.ascontiguousarray(v) for k, v in out.items()}


def to_npz(arrays: Mapping[str, np.ndarray]) -> bytes:
    """An uncompressed .npz (numpy.load reads it back without pickle)."""
    buf = io.BytesIO()
    np.savez(buf, **{k: np.ascontiguousarray(v) for k, v in arrays.items()})  # type: ignore[arg-type]
    return buf.getvalue()


def to_csv(key: str, arr: np.ndarray) -> str:
    """One quantity as CSV: a column t, then key_1 … key_n (or just key for a per-step number).

    Non-finite values are written as nan, inf and -inf, which every CSV reader of numbers accepts.
    """
    a = np.asarray(arr)
    if a.ndim not in (1, 2):
        raise FieldError("key", f"{key} has {a.ndim} dimensions; only per-step arrays go to CSV")
    rows = a[:, None] if a.ndim == 1 else a
    header = [key] if a.ndim == 1 else [f"{key}_{j + 1}" for j in range(rows.shape[1])]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["t", *header])
    for t, row in enumerate(rows):
        writer.writerow([t, *(repr(float(v)) for v in row)])
    return buf.getvalue()


def to_csv_zip(arrays: Mapping[str, np.ndarray]) -> bytes:
    """A zip holding <key>.csv for every quantity."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for key, arr in arrays.items():
            zf.writestr(f"{key}.csv", to_csv(key, arr))
    return buf.getvalue()
