"""The one place where NumPy arrays and engine frames become JSON.

Non-finite numbers are sent as null and the object that holds them carries "nonfinite": true
(docs/ARCHITECTURE.md); NaN and Infinity never reach the wire.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from lstm_explorer.engine.runner import BackwardFrame, ForwardFrame
from starlette.responses import Response

try:  # orjson is ~10x faster on frames (bench/results/stream.md); json is the fallback.
    import orjson
except ImportError:  # pragma: no cover - exercised only where orjson is missing
    orjson = None  # type: ignore[assignment]


_ONE_PASS = 1 << 15  # up to this many numbers, one concatenated isfinite beats one per array


class NonFinite:
    """Collects whether any array passed through `array()` held NaN or ±Inf."""

    __slots__ = ("seen",)

    def __init__(self) -> None:
        self.seen = False

    def array(self, a: np.ndarray | float) -> Any:
        """Nested lists (or a float) for one array; non-finite entries noted, later sent as null."""
        arr = np.asarray(a)
        if arr.dtype.kind in "fc" and not np.isfinite(arr).all():
            self.seen = True
        return arr.tolist()

    def arrays(self, named: Mapping[str, np.ndarray]) -> dict[str, Any]:
        """Nested lists per key; a frame's small arrays are checked for NaN/Inf in one pass."""
        arrs = {key: np.asarray(a) for key, a in named.items()}
        floats = [a for a in arrs.values() if a.dtype.kind in "fc" and a.size]
        if sum(a.size for a in floats) > _ONE_PASS:
            return {key: self.array(a) for key, a in arrs.items()}
        if (
            floats
            and not self.seen
            and not np.isfinite(np.concatenate([a.ravel() for a in floats])).all()
        ):
            self.seen = True
        return {key: a.tolist() for key, a in arrs.items()}

    def number(self, x: float | None) -> float | None:
        if x is not None and not math.isfinite(x):
            self.seen = True
        return x

    def mark(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Add "nonfinite": true to `obj` when anything non-finite was seen."""
        if self.seen:
            obj["nonfinite"] = True
        return obj


def forward_frame(frame: ForwardFrame) -> dict[str, Any]:
    """A forward frame in the ARCHITECTURE.md format; `values` also holds the step's target."""
    nf = NonFinite()
    values = nf.arrays(frame.values)
    values["target"] = frame.target
    return nf.mark(
        {
            "type": "forward",
            "t": frame.t,
            "T": frame.T,
            "values": values,
            "loss_t": nf.number(frame.loss_t),
            "saturation": frame.saturation,
            **({} if frame.layer is None else {"layer": frame.layer}),
            **({} if frame.stack is None else {"stack": nf.arrays(frame.stack)}),
        }
    )


def backward_frame(frame: BackwardFrame, with_grads: bool = False) -> dict[str, Any]:
    """A backward frame; `grads` (accumulated from T−1 down to t) only when asked for."""
    nf = NonFinite()
    out: dict[str, Any] = {
        "type": "backward",
        "t": frame.t,
        "T": frame.T,
        "deltas": nf.arrays(frame.deltas),
        "delta_norms": {k: nf.number(v) for k, v in frame.delta_norms.items()},
        "cut_to_prev": frame.cut_to_prev,
        "grad_norm": nf.number(frame.grad_norm),
    }
    if frame.layer is not None:  # a stacked model: the layer these errors are of
        out["layer"] = frame.layer
    if frame.stack is not None:  # a stacked model: every layer's errors at t, for the overview
        out["stack"] = nf.arrays(frame.stack)
    if with_grads and frame.grads is not None:
        out["grads"] = nf.arrays(frame.grads)
    return nf.mark(out)


def dumps(obj: Any) -> bytes:
    """Compact JSON bytes; float NaN/±Inf become null (callers flag them with NonFinite)."""
    if orjson is not None:
        return orjson.dumps(obj, option=orjson.OPT_SERIALIZE_NUMPY)
    return json.dumps(_nulls(obj), allow_nan=False, separators=(",", ":")).encode()


def dumps_text(obj: Any) -> str:
    """dumps() as str, for WebSocket text frames."""
    return dumps(obj).decode()


def _nulls(obj: Any) -> Any:
    """The fallback encoder's NaN/Inf → None pass (orjson does this itself)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _nulls(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_nulls(v) for v in obj]
    if isinstance(obj, np.ndarray | np.generic):
        return _nulls(obj.tolist())
    return obj


class JSONBytesResponse(Response):
    """A JSON response rendered by dumps(): no pydantic round trip for large arrays."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)
