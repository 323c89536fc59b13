"""app.serialize: arrays and frames to JSON, NaN/Inf sent as null with "nonfinite": true."""

import json

import numpy as np
from lstm_explorer.app import serialize
from lstm_explorer.engine.runner import BackwardFrame, ForwardFrame


def _forward(c: list[float]) -> ForwardFrame:
    return ForwardFrame(
        t=0,
        T=2,
        values={"x": np.array([1.0]), "c": np.array(c)},
        target=None,
        loss_t=None,
        saturation=0.5,
    )


def test_forward_frame_finite_has_no_flag() -> None:
    frame = serialize.forward_frame(_forward([0.5, -0.5]))
    assert frame == {
        "type": "forward",
        "t": 0,
        "T": 2,
        "values": {"x": [1.0], "c": [0.5, -0.5], "target": None},
        "loss_t": None,
        "saturation": 0.5,
    }


def test_forward_frame_nonfinite_is_null_and_flagged() -> None:
    frame = serialize.forward_frame(_forward([np.nan, np.inf]))
    text = serialize.dumps_text(frame)
    assert json.loads(text)["values"]["c"] == [None, None]
    assert json.loads(text)["nonfinite"] is True
    assert "NaN" not in text and "Infinity" not in text


def test_backward_frame_grads_only_when_asked() -> None:
    frame = BackwardFrame(
        t=1,
        T=2,
        deltas={"dy": np.array([0.1])},
        delta_norms={"dy": float("inf")},
        cut_to_prev=False,
        grad_norm=1.0,
        grads={"dW": np.ones((1, 1))},
    )
    plain = serialize.backward_frame(frame)
    assert "grads" not in plain and plain["nonfinite"] is True
    assert json.loads(serialize.dumps_text(plain))["delta_norms"]["dy"] is None
    assert serialize.backward_frame(frame, with_grads=True)["grads"] == {"dW": [[1.0]]}


def test_dumps_large_arrays_checked_one_by_one() -> None:
    nf = serialize.NonFinite()
    big = np.zeros((300, 200))
    big[299, 199] = np.nan
    out = nf.arrays({"a": big, "b": np.ones(3)})
    assert nf.seen and out["b"] == [1.0, 1.0, 1.0]
    assert json.loads(serialize.dumps(out))["a"][299][199] is None
