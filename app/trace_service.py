"""POST /api/v1/trace: infer sizes from the params, check the limits, run the engine, serialise."""

from __future__ import annotations

from typing import Any

import numpy as np
from lstm_explorer.app import serialize
from lstm_explorer.app.limits import check_sizes
from lstm_explorer.app.schemas.trace import TraceRequest
from lstm_explorer.app.sessions.factory import make_spec
from lstm_explorer.app.settings import Settings
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.problem import Problem
from lstm_explorer.engine.sequence import run_trace

# Which parameter gives (H, D) and which (O, H), per cell.
_SIZE_KEYS = {"lstm": ("W_z", "V"), "rnn": ("U", "V")}


def infer_sizes(cell: str, params: dict[str, Any]) -> tuple[int, int, int]:
    """(D, H, O) from the input and readout matrices of the params."""
    in_key, out_key = _SIZE_KEYS[cell]
    for key in (in_key, out_key):
        value = params.get(key)
        if value is None:
            raise FieldError(("params", key), f"missing; the {cell} needs it to know its sizes")
        if not value or not isinstance(value[0], list) or not value[0]:
            raise FieldError(("params", key), "expected a non-empty matrix (a list of rows)")
    h, d = len(params[in_key]), len(params[in_key][0])
    o = len(params[out_key])
    return d, h, o


def _array(loc: tuple[str, ...], value: Any) -> np.ndarray:
    try:
        return np.asarray(value, dtype=np.float64)
    except ValueError:  # numpy's: ragged rows
        raise FieldError(loc, "not a rectangular array (rows of different lengths)") from None


def run(body: TraceRequest, settings: Settings) -> dict[str, Any]:
    """The whole computation for one request, as a JSON-able dict (non-finite numbers flagged)."""
    d, h, o = infer_sizes(body.cell, body.params)
    T = len(body.inputs)
    in_key, out_key = _SIZE_KEYS[body.cell]  # where D, H and O come from
    locs = (("params", in_key), ("params", in_key), ("params", out_key), ("inputs",))
    check_sizes(settings, (d, h, o, T), locs, body.num_layers)
    spec = make_spec(body.cell, body.variant, (d, h, o), body.loss, body.num_layers)
    params = {k: _array(("params", k), v) for k, v in body.params.items()}
    inputs = _array(("inputs",), body.inputs)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        problem = Problem.build(
            spec, params, inputs, body.targets, body.initial_state, body.truncate
        )
        result = run_trace(problem)
    nf = serialize.NonFinite()
    return nf.mark(
        {
            "forward": nf.arrays(result.forward),
            "backward": nf.arrays(result.backward),
            "grads": nf.arrays(result.grads),
            "initial_state_grads": nf.arrays(result.initial_state_grads),
            "loss": nf.number(result.loss),
        }
    )
