"""Bounded fuzzing of the parsers reached through the API that tests/engine/test_io_fuzz.py does
not cover: the CSV sequence upload and the session restore (JSON and npz snapshots).

Every input is answered with 201 or a 4xx, never a 500 and never a traceback. Derandomised, so
a failure reproduces on every run.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lstm_explorer.app.main import create_app
from lstm_explorer.app.settings import Settings

FUZZ = settings(
    max_examples=120,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
LIMITS = {
    "max_hidden_size": 8,
    "max_input_size": 4,
    "max_output_size": 4,
    "max_sequence_length": 30,
    "max_sessions": 5,
    "max_upload_bytes": 64 * 1024,
}
SESSION = {"hidden_size": 3, "task": {"name": "sine", "options": {"length": 8}}}


@pytest.fixture(scope="module")
def api() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(**LIMITS)), raise_server_exceptions=False) as client:  # type: ignore[arg-type]
        yield client


@pytest.fixture(scope="module")
def snapshots(api: TestClient) -> dict[str, Any]:
    sid = api.post("/api/v1/sessions", json=SESSION).json()["id"]
    api.post(f"/api/v1/sessions/{sid}/train", json={"updates": 2})
    api.post(f"/api/v1/sessions/{sid}/forward", json={"steps": 3})
    return {
        "json": api.get(f"/api/v1/sessions/{sid}/snapshot").json(),
        "npz": api.get(f"/api/v1/sessions/{sid}/snapshot?format=npz").content,
    }


def assert_answered(response: httpx.Response) -> None:
    assert response.status_code in (201, 413, 422), (response.status_code, response.text[:300])
    assert "Traceback" not in response.text and 'File "' not in response.text


# ------------------------------------------------------------------------------ CSV
cells = st.one_of(
    st.sampled_from(
        [
            "",
            "0",
            "1",
            "-1.5",
            "1e3",
            "1e309",
            "nan",
            "inf",
            "-0",
            "0x10",
            "1_0",
            " 2 ",
            '"3"',
            "\u202e4",
            "5\x00",
            "١٢",
            "1e-400",
            "9" * 400,
        ]
    ),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**30), 10**30).map(str),
    st.text(max_size=6),
)
headers = st.lists(
    st.sampled_from(
        ["x1", "x2", "target1", "target2", "x", "target", "label", "", "x1 ", "\ufeffx1"]
    ),
    min_size=1,
    max_size=5,
)


@st.composite
def csv_texts(draw: st.DrawFn) -> str:
    header = draw(headers)
    width = draw(
        st.sampled_from([len(header), len(header), len(header) + 1, max(1, len(header) - 1)])
    )
    rows = draw(st.lists(st.lists(cells, min_size=width, max_size=width), max_size=12))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return newline.join(",".join(r) for r in [header, *rows])


@FUZZ
@given(
    text=csv_texts(),
    loss=st.sampled_from(["mse", "cross_entropy"]),
    n_inputs=st.sampled_from(["", "1", "2", "0", "-1", "99"]),
)
def test_upload_fuzzed_csv_is_parsed_or_refused(
    api: TestClient, text: str, loss: str, n_inputs: str
) -> None:
    data = {"loss": loss, **({"n_inputs": n_inputs} if n_inputs else {})}
    files = {"sequence_file": ("seq.csv", text.encode("utf-8", "surrogatepass"))}
    assert_answered(api.post("/api/v1/sessions/upload", files=files, data=data))


@FUZZ
@given(data=st.binary(max_size=400))
def test_upload_random_bytes_as_csv_is_parsed_or_refused(api: TestClient, data: bytes) -> None:
    files = {"sequence_file": ("seq.csv", data)}
    assert_answered(api.post("/api/v1/sessions/upload", files=files))


# ------------------------------------------------------------------------------ snapshots
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=4),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=12,
)


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value that a mutation can replace."""
    found = [prefix]
    if isinstance(obj, dict):
        for key, value in obj.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(obj, list):
        for index, value in enumerate(obj[:3]):
            found += _paths(value, (*prefix, index))
    return found


def _replace(obj: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy = dict(obj) if isinstance(obj, dict) else list(obj)
    copy[path[0]] = _replace(obj[path[0]], path[1:], value)
    return copy


@FUZZ
@given(data=st.data())
def test_restore_mutated_json_snapshot_is_restored_or_refused(
    api: TestClient, snapshots: dict[str, Any], data: st.DataObject
) -> None:
    snapshot = snapshots["json"]
    mutated = snapshot
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(mutated)))
        mutated = _replace(mutated, path, data.draw(json_values))
    body = json.dumps(mutated, allow_nan=True).encode()
    assert_answered(api.post("/api/v1/sessions/restore", files={"file": ("s.json", body)}))


@FUZZ
@given(
    edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=6),
    cut=st.integers(0, 64),
)
def test_restore_corrupted_npz_snapshot_is_restored_or_refused(
    api: TestClient, snapshots: dict[str, Any], edits: list[tuple[int, int]], cut: int
) -> None:
    data = bytearray(snapshots["npz"])
    for where, byte in edits:
        data[where % len(data)] = byte
    body = bytes(data[: len(data) - cut])
    assert_answered(api.post("/api/v1/sessions/restore", files={"file": ("s.npz", body)}))
