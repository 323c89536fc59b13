"""Every limit holds: over it, a clear 4xx (or a WebSocket error frame) naming the field and the
limit; and many refused requests leave no memory behind."""

from __future__ import annotations

import gc
import io
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lstm_explorer.app.main import create_app
from lstm_explorer.app.memory_limit import session_bytes
from lstm_explorer.app.settings import Settings

from tests.app.memory import heap_growth

LEAK_BYTES = 256 * 1024  # growth allowed over a workload of 60–300 requests
SMALL = {"hidden_size": 4, "task": {"name": "sine", "options": {"length": 10}}}


@pytest.fixture
def limits(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "max_hidden_size": 16,
            "max_input_size": 4,
            "max_output_size": 4,
            "max_sequence_length": 50,
            "max_sessions": 3,
            "max_request_bytes": 64 * 1024,
            "max_upload_bytes": 16 * 1024,
            "max_train_updates_per_call": 10,
            "max_ws_message_bytes": 1024,
            "max_session_bytes": 200_000,
            "max_ws_commands_per_second": 5,
        }
    )


@pytest.fixture
def api(limits: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(limits)) as client:
        yield client


def _detail(response: Any) -> str:
    return str(response.json()["detail"])


def _session(api: TestClient, body: dict[str, Any] | None = None) -> str:
    response = api.post("/api/v1/sessions", json=body or SMALL)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.mark.parametrize(
    ("body", "field", "setting"),
    [
        pytest.param({"hidden_size": 17}, "hidden_size", "max_hidden_size=16", id="hidden-size"),
        pytest.param(
            {"task": {"name": "sine", "options": {"length": 51}}},
            "T",
            "max_sequence_length=50",
            id="sequence-length-of-task",
        ),
        pytest.param(
            {"sequence": {"inputs": [[0.0]] * 51, "targets": [[0.0]] * 51}},
            "sequence.inputs",
            "max_sequence_length=50",
            id="sequence-length-of-own",
        ),
        pytest.param(
            {"sequence": {"inputs": [[0.0] * 5], "targets": [[0.0]]}},
            "input_size",
            "max_input_size=4",
            id="input-size",
        ),
        pytest.param(
            {"loss": "cross_entropy", "sequence": {"inputs": [[0.0]], "targets": [4]}},
            "sequence.targets[0]",
            "max_output_size=4",
            id="class-label",
        ),
        pytest.param(
            {
                "loss": "cross_entropy",
                "sequence": {"inputs": [[0.0]], "targets": [0], "n_classes": 5},
            },
            "sequence.n_classes",
            "max_output_size=4",
            id="class-count",
        ),
        pytest.param(
            {"sequence": {"inputs": [[0.0]], "targets": [[0.0] * 5]}},
            "output_size",
            "max_output_size=4",
            id="output-size",
        ),
    ],
)
def test_create_session_over_limit_names_field_and_limit(
    api: TestClient, body: dict[str, Any], field: str, setting: str
) -> None:
    response = api.post("/api/v1/sessions", json=body)
    assert response.status_code == 422
    assert field in _detail(response) and setting in _detail(response)


def test_create_session_over_memory_limit_names_sizes_and_limit(api: TestClient) -> None:
    body = {"hidden_size": 16, "task": {"name": "sine", "options": {"length": 50}}}
    response = api.post("/api/v1/sessions", json=body)
    assert response.status_code == 422
    assert "H=16 over T=50" in _detail(response)
    assert "max_session_bytes=200000" in _detail(response)


def test_trace_over_memory_limit_names_limit(api: TestClient) -> None:
    h = 16
    params = {"U": [[0.1]] * h, "W": [[0.0] * h] * h, "b": [0.0] * h, "V": [[0.1] * h], "c": [0.0]}
    body = {"cell": "rnn", "params": params, "inputs": [[1.0]] * 50, "loss": "mse"}
    response = api.post("/api/v1/trace", json=body)
    assert response.status_code == 422 and "max_session_bytes=200000" in _detail(response)


def test_session_memory_estimate_bounds_what_a_session_keeps(settings: Settings) -> None:
    """Stepped to the end both ways and trained, a session holds less than its estimate."""
    sizes = (1, 64, 1, 300)
    with TestClient(create_app(settings)) as client:
        warm = _session(client)  # first calls fill caches: not the session's memory
        client.post(f"/api/v1/sessions/{warm}/forward", json={"to_end": True})
        client.post(f"/api/v1/sessions/{warm}/backward", json={"to_end": True})
        client.post(f"/api/v1/sessions/{warm}/train", json={"updates": 1})
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            body = {"hidden_size": 64, "task": {"name": "sine", "options": {"length": 300}}}
            sid = _session(client, body)
            client.post(f"/api/v1/sessions/{sid}/forward", json={"to_end": True})
            client.post(f"/api/v1/sessions/{sid}/backward", json={"to_end": True})
            client.post(f"/api/v1/sessions/{sid}/train", json={"updates": 2})
            gc.collect()  # response bodies the client let go of are not the session's memory
            kept = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
    assert kept < session_bytes(sizes), (kept, session_bytes(sizes))


def test_trace_over_sequence_limit_names_field_and_limit(api: TestClient) -> None:
    params = {"U": [[0.5]], "W": [[0.1]], "b": [0.0], "V": [[1.0]], "c": [0.0]}
    body = {"cell": "rnn", "params": params, "inputs": [[1.0]] * 51, "loss": "mse"}
    response = api.post("/api/v1/trace", json=body)
    assert response.status_code == 422
    assert "inputs" in _detail(response) and "max_sequence_length=50" in _detail(response)


def test_train_over_updates_limit_names_field_and_limit(api: TestClient) -> None:
    sid = _session(api)
    response = api.post(f"/api/v1/sessions/{sid}/train", json={"updates": 11})
    assert response.status_code == 422
    assert "updates" in _detail(response)
    assert "max_train_updates_per_call=10" in _detail(response)


def test_request_body_over_limit_is_413_naming_limit(api: TestClient) -> None:
    big = b'{"inputs": [' + b"0.0," * 20_000 + b"0.0]}"
    response = api.post("/api/v1/trace", content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "max_request_bytes=65536" in _detail(response)


def test_chunked_body_over_limit_is_413_naming_limit(api: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"inputs": ['
        for _ in range(100):
            yield b"0.0," * 200
        yield b"0.0]}"

    response = api.post(
        "/api/v1/trace", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert "max_request_bytes" in _detail(response)


def test_upload_over_limit_is_413_naming_field_and_limit(api: TestClient) -> None:
    csv = b"x1,target1\n" + b"0.5,0.25\n" * 3000  # 27 KB: under the body limit, over the upload
    response = api.post("/api/v1/sessions/upload", files={"sequence_file": ("s.csv", csv)})
    assert response.status_code == 413
    assert "sequence_file" in _detail(response) and "max_upload_bytes=16384" in _detail(response)


def test_restore_over_upload_limit_is_413_naming_limit(api: TestClient) -> None:
    response = api.post("/api/v1/sessions/restore", files={"file": ("s.json", b" " * 20_000)})
    assert response.status_code == 413
    assert "max_upload_bytes=16384" in _detail(response)


def test_create_sessions_over_limit_evicts_least_recently_used(api: TestClient) -> None:
    first, second, third = (_session(api) for _ in range(3))
    assert api.get(f"/api/v1/sessions/{first}").status_code == 200  # now the most recent
    fourth = _session(api)
    assert api.get(f"/api/v1/sessions/{second}").status_code == 404  # the longest idle went
    for sid in (first, third, fourth):
        assert api.get(f"/api/v1/sessions/{sid}").status_code == 200
    assert len(api.app.state.sessions) == 3  # type: ignore[attr-defined]


def test_create_sessions_far_over_limit_keeps_memory_bounded(api: TestClient) -> None:
    growth = heap_growth(lambda: _session(api), warmup=30, rounds=150)
    assert len(api.app.state.sessions) == 3  # type: ignore[attr-defined]
    assert growth < LEAK_BYTES, f"heap grew {growth} bytes over 150 sessions beyond the 3 kept"


def test_stream_message_over_limit_answers_error_frame(api: TestClient) -> None:
    sid = _session(api)
    with api.websocket_connect(f"/api/v1/sessions/{sid}/stream") as ws:
        assert ws.receive_json()["type"] == "state"
        ws.send_text('{"cmd": "get_state", "pad": "' + "x" * 2000 + '"}')
        frame = ws.receive_json()
        assert frame["type"] == "error" and "max_ws_message_bytes=1024" in frame["detail"]
        ws.send_text('{"cmd": "get_state"}')  # the connection stays usable
        assert ws.receive_json()["type"] == "state"


def test_stream_commands_over_rate_answer_error_frames(api: TestClient) -> None:
    sid = _session(api)
    with api.websocket_connect(f"/api/v1/sessions/{sid}/stream") as ws:
        assert ws.receive_json()["type"] == "state"
        for _ in range(8):
            ws.send_text('{"cmd": "get_state"}')
        frames = [ws.receive_json() for _ in range(8)]
    assert [f["type"] for f in frames[:5]] == ["state"] * 5
    assert all(f["type"] == "error" for f in frames[5:])
    assert "max_ws_commands_per_second=5" in frames[5]["detail"]


def test_refused_requests_leave_no_memory_behind(api: TestClient) -> None:
    sid = _session(api)
    big = b'{"inputs": [' + b"0.0," * 20_000 + b"0.0]}"
    upload = b"x1,target1\n" + b"0.5,0.25\n" * 3000

    def refuse_each_kind() -> None:
        assert api.post("/api/v1/sessions", json={"hidden_size": 17}).status_code == 422
        assert api.post("/api/v1/trace", content=big).status_code == 413
        assert api.post(f"/api/v1/sessions/{sid}/train", json={"updates": 11}).status_code == 422
        files = {"sequence_file": ("s.csv", io.BytesIO(upload))}
        assert api.post("/api/v1/sessions/upload", files=files).status_code == 413

    assert heap_growth(refuse_each_kind, warmup=10, rounds=60) < LEAK_BYTES


def test_refused_stream_messages_leave_no_memory_behind(api: TestClient) -> None:
    sid = _session(api)
    with api.websocket_connect(f"/api/v1/sessions/{sid}/stream") as ws:
        assert ws.receive_json()["type"] == "state"

        def refuse() -> None:
            ws.send_text("x" * 5000)
            assert ws.receive_json()["type"] == "error"

        assert heap_growth(refuse, warmup=20, rounds=300) < LEAK_BYTES
