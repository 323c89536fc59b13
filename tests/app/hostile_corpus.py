"""Hostile inputs for tests/app/test_hostile_input.py: JSON bodies, files, stream messages.

Each case is (id, ...); `{sid}` in a path stands for an existing session's id.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import numpy as np
import safetensors.numpy

RNN = {"U": [[0.5]], "W": [[0.1]], "b": [0.0], "V": [[1.0]], "c": [0.0]}
TRACE = {
    "cell": "rnn",
    "params": RNN,
    "inputs": [[1.0], [0.5]],
    "targets": [[1.0], [0.0]],
    "loss": "mse",
}


def _with(base: dict[str, Any], **changes: Any) -> bytes:
    return json.dumps({**base, **changes}).encode()


def _swap(text: str, old: str, new: str) -> bytes:
    assert old in text
    return text.replace(old, new, 1).encode()


TRACE_TEXT = json.dumps(TRACE)

# (id, method, path, raw body): sent as application/json
JSON_BODIES: list[tuple[str, str, str, bytes]] = [
    ("malformed-json", "POST", "/api/v1/trace", b'{"cell": "rnn",'),
    ("empty-body", "POST", "/api/v1/trace", b""),
    ("not-utf8", "POST", "/api/v1/trace", b'{"cell": "\xff\xfe"}'),
    ("array-body", "POST", "/api/v1/trace", b"[1, 2, 3]"),
    ("null-body", "POST", "/api/v1/trace", b"null"),
    ("nan-literal", "POST", "/api/v1/trace", _swap(TRACE_TEXT, "[[1.0]", "[[NaN]")),
    ("infinity-literal", "POST", "/api/v1/trace", _swap(TRACE_TEXT, "[[1.0]", "[[-Infinity]")),
    ("1e309-overflows-to-inf", "POST", "/api/v1/trace", _swap(TRACE_TEXT, "[[1.0]", "[[1e309]")),
    (
        "integer-of-5000-digits",
        "POST",
        "/api/v1/trace",
        _swap(TRACE_TEXT, "[[1.0]", "[[" + "9" * 5000),
    ),
    ("wrong-type-string", "POST", "/api/v1/trace", _with(TRACE, inputs=[["abc"], ["def"]])),
    ("wrong-type-object", "POST", "/api/v1/trace", _with(TRACE, params=[1, 2])),
    ("wrong-type-scalar-inputs", "POST", "/api/v1/trace", _with(TRACE, inputs=5)),
    ("ragged-inputs", "POST", "/api/v1/trace", _with(TRACE, inputs=[[1.0], [0.5, 2.0]])),
    (
        "ragged-params",
        "POST",
        "/api/v1/trace",
        _with(TRACE, params={**RNN, "W": [[0.1], [0.1, 0.2]]}),
    ),
    ("too-deep-inputs", "POST", "/api/v1/trace", _with(TRACE, inputs=[[[1.0]], [[0.5]]])),
    ("vector-for-matrix", "POST", "/api/v1/trace", _with(TRACE, params={**RNN, "U": [0.5]})),
    ("empty-matrix", "POST", "/api/v1/trace", _with(TRACE, params={**RNN, "U": [[]]})),
    (
        "deeply-nested-100k",
        "POST",
        "/api/v1/trace",
        b'{"inputs": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    ),
    ("deeply-nested-objects", "POST", "/api/v1/trace", b'{"a":' * 50_000 + b"1" + b"}" * 50_000),
    ("nul-in-value", "POST", "/api/v1/trace", _with(TRACE, cell="rnn\u0000")),
    ("rtl-mark-in-key", "POST", "/api/v1/trace", _with(TRACE, **{"\u202eparams": 1})),
    (
        "rtl-mark-in-variant",
        "POST",
        "/api/v1/trace",
        _with(TRACE, cell="lstm", variant="N\u202ePG"),
    ),
    ("lone-surrogate-in-key", "POST", "/api/v1/trace", b'{"\\ud800": 1, "cell": "rnn"}'),
    ("lone-surrogate-in-value", "POST", "/api/v1/sessions", b'{"variant": "\\udfff"}'),
    (
        "label-far-out-of-range",
        "POST",
        "/api/v1/trace",
        _with(TRACE, loss="cross_entropy", targets=[5, 10**20]),
    ),
    ("huge-hidden-size", "POST", "/api/v1/sessions", b'{"hidden_size": 1000000000000}'),
    # the readout is sized by the largest label: 10^9 classes would exhaust memory
    (
        "class-label-1e9",
        "POST",
        "/api/v1/sessions",
        b'{"loss": "cross_entropy", "sequence": {"inputs": [[1]], "targets": [1000000000]}}',
    ),
    (
        "class-label-over-int64",
        "POST",
        "/api/v1/sessions",
        b'{"loss": "cross_entropy", "sequence": {"inputs": [[1]], "targets": [100000000000000000000]}}',
    ),
    (
        "n-classes-1e9",
        "POST",
        "/api/v1/sessions",
        b'{"loss": "cross_entropy", "sequence": {"inputs": [[1]], "targets": [0], "n_classes": 1000000000}}',
    ),
    (
        "huge-task-length",
        "POST",
        "/api/v1/sessions",
        b'{"task": {"name": "sine", "options": {"length": 1e300}}}',
    ),
    ("unknown-task-with-nul", "POST", "/api/v1/sessions", b'{"task": {"name": "\\u0000\\u202e"}}'),
    ("unknown-field", "POST", "/api/v1/sessions", b'{"hiden_size": 4}'),
    ("seed-over-2-64", "POST", "/api/v1/sessions", b'{"seed": 18446744073709551616}'),
    ("negative-steps", "POST", "/api/v1/sessions/{sid}/forward", b'{"steps": -1}'),
    ("seek-past-end", "POST", "/api/v1/sessions/{sid}/seek", b'{"t": 1e20}'),
    (
        "learning-rate-nan-string",
        "POST",
        "/api/v1/sessions/{sid}/train",
        b'{"updates": 1, "learning_rate": "NaN"}',
    ),
    ("patch-wrong-type", "PATCH", "/api/v1/sessions/{sid}", b'{"truncate": "all"}'),
]


def npz(**arrays: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)  # type: ignore[arg-type]
    return buf.getvalue()


def pickled_npz() -> bytes:
    buf = io.BytesIO()
    np.savez(buf, U=np.array([{"os": "system"}, None], dtype=object))
    return buf.getvalue()


def zip_bomb(member: str, unpacked: int, extra: dict[str, bytes] | None = None) -> bytes:
    """A deflated archive whose `member` is a .npy of zeros that unpacks to `unpacked` bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
        with zf.open(member, "w", force_zip64=True) as f:
            header = io.BytesIO()
            np.lib.format.write_array_header_1_0(
                header, {"descr": "<f8", "fortran_order": False, "shape": (unpacked // 8,)}
            )
            f.write(header.getvalue())
            for _ in range(unpacked >> 16):
                f.write(bytes(1 << 16))
    return buf.getvalue()


RNN_ARRAYS = {k: np.array(v) for k, v in RNN.items()}
# (id, files, form fields) for POST /api/v1/sessions/upload
UPLOADS: list[tuple[str, dict[str, tuple[str, bytes]], dict[str, str]]] = [
    ("npz-holding-a-pickle", {"params_file": ("p.npz", pickled_npz())}, {}),
    ("npz-wrong-name", {"params_file": ("p.npz", npz(Q=np.ones((3, 1))))}, {}),
    ("npz-wrong-shape", {"params_file": ("p.npz", npz(**{**RNN_ARRAYS, "W": np.eye(2)}))}, {}),
    (
        "npz-int-dtype",
        {"params_file": ("p.npz", npz(**{**RNN_ARRAYS, "U": np.ones((1, 1), int)}))},
        {},
    ),
    (
        "npz-complex-dtype",
        {"params_file": ("p.npz", npz(**{**RNN_ARRAYS, "U": np.ones((1, 1), complex)}))},
        {},
    ),
    ("npz-3d-array", {"params_file": ("p.npz", npz(U=np.ones((1, 1, 1))))}, {}),
    ("npz-nan", {"params_file": ("p.npz", npz(**{**RNN_ARRAYS, "b": np.array([np.nan])}))}, {}),
    ("npz-truncated", {"params_file": ("p.npz", npz(**RNN_ARRAYS)[:-40])}, {}),
    ("npz-not-a-zip", {"params_file": ("p.npz", b"PK\x03\x04" + b"\x00" * 100)}, {}),
    ("npz-zip-bomb", {"params_file": ("p.npz", zip_bomb("U.npy", 64 << 20))}, {}),
    (
        "safetensors-wrong-dtype",
        {
            "params_file": (
                "p.safetensors",
                safetensors.numpy.save({"U": np.ones((1, 1), np.int32)}),
            )
        },
        {},
    ),
    (
        "safetensors-wrong-name",
        {"params_file": ("p.safetensors", safetensors.numpy.save({"Q": np.ones((1, 1))}))},
        {},
    ),
    (
        "safetensors-header-past-end",
        {"params_file": ("p.safetensors", (10**15).to_bytes(8, "little") + b"{}")},
        {},
    ),
    (
        "safetensors-header-not-json",
        {"params_file": ("p.safetensors", b"\x04" + b"\x00" * 7 + b"{{{{")},
        {},
    ),
    ("json-params-deep", {"params_file": ("p.json", b"[" * 100_000 + b"]" * 100_000)}, {}),
    ("json-params-nan", {"params_file": ("p.json", b'{"U": [[NaN]]}')}, {}),
    ("unknown-extension", {"params_file": ("p.pkl", npz(**RNN_ARRAYS))}, {}),
    ("csv-ragged-rows", {"sequence_file": ("s.csv", b"x1,target1\n1,2\n3\n4,5,6\n")}, {}),
    ("csv-nan-cell", {"sequence_file": ("s.csv", b"x1,target1\n1,2\nnan,1\n")}, {}),
    ("csv-1e309-cell", {"sequence_file": ("s.csv", b"x1,target1\n1,2\n1e309,1\n")}, {}),
    ("csv-binary", {"sequence_file": ("s.csv", b"\xff\xfe\x00\x01\x02")}, {}),
    ("csv-nul-in-cell", {"sequence_file": ("s.csv", b"x1,target1\n1\x00,2\n")}, {}),
    ("csv-unterminated-quote", {"sequence_file": ("s.csv", b'x1,target1\n"1,2\n')}, {}),
    ("csv-header-only", {"sequence_file": ("s.csv", b"x1,target1\n")}, {}),
    ("csv-huge-field", {"sequence_file": ("s.csv", b"x1,target1\n" + b"1" * 40_000 + b",2\n")}, {}),
    (
        "csv-label-huge",
        {"sequence_file": ("s.csv", b"x1,target1\n1,0\n2,1000000000\n")},
        {"loss": "cross_entropy"},
    ),
    ("form-task-options-deep", {}, {"task_options": "[" * 5000 + "]" * 5000}),
    ("form-task-options-not-json", {}, {"task_options": "{length: 5"}),
    ("form-hidden-size-text", {}, {"hidden_size": "many"}),
    ("form-layout-unknown", {"params_file": ("p.npz", npz(**RNN_ARRAYS))}, {"layout": "onnx"}),
]

# (id, edit of a JSON snapshot dict, or raw bytes) for POST /api/v1/sessions/restore
SNAPSHOT_EDITS: list[tuple[str, Any]] = [
    ("not-json", b"{"),
    ("json-list", b"[]"),
    ("deeply-nested-arrays", b'{"arrays": {"x": ' + b"[" * 50_000 + b"]" * 50_000 + b"}}"),
    ("hidden-size-huge", lambda d: d["config"].update(hidden_size=10**9)),
    ("params-wrong-shape", lambda d: d["arrays"].update({"params.W_z": [[1.0] * 3] * 3})),
    ("params-ragged", lambda d: d["arrays"].update({"params.V": [[1.0], [1.0, 2.0]]})),
    ("sequence-too-long", lambda d: d["arrays"].update({"sequence.inputs": [[1.0]] * 5000})),
    ("variant-unknown", lambda d: d["config"].update(variant="XYZ")),
    ("format-wrong", lambda d: d.update(format="pickle")),
    ("optimizer-unknown", lambda d: d.update(training={"config": {}, "optimizer": {"kind": "zz"}})),
    ("clip-threshold-text", lambda d: d["config"].update(clip_threshold="abc")),
    ("names-too-many", lambda d: d["task"].update(input_names=["a"] * 10_000)),
    ("array-name-with-nul", lambda d: d["arrays"].update({"params.\u0000": [1.0]})),
]

# Stream messages; each must be answered with an error frame, the connection staying open.
WS_MESSAGES: list[tuple[str, str | bytes]] = [
    ("malformed-json", "{"),
    ("binary-frame", b"\x00\x01"),
    ("json-array", "[1, 2]"),
    ("unknown-command", '{"cmd": "rm -rf"}'),
    ("missing-command", '{"rate": 5}'),
    ("nan-literal", '{"cmd": "play", "rate": NaN}'),
    ("1e309-rate", '{"cmd": "play", "rate": 1e309}'),
    ("negative-rate", '{"cmd": "play", "rate": -1}'),
    ("seek-past-end", '{"cmd": "seek", "t": 100000}'),
    ("wrong-type", '{"cmd": "seek", "t": "start"}'),
    ("deeply-nested", '{"cmd": "play", "x": ' + "[" * 50_00 + "]" * 50_00 + "}"),
    ("lone-surrogate", '{"cmd": "\\ud800"}'),
    ("extra-field", '{"cmd": "pause", "sudo": true}'),
]
