"""Errors are JSON: a FieldError is a 422 located by its loc, anything else is a bug: a short 500
(the stream: a short error frame) with the traceback in the log, never in the body."""

import io
import logging
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from lstm_explorer.app import limits
from lstm_explorer.app.main import create_app
from lstm_explorer.app.sessions import factory
from lstm_explorer.app.sessions.session import Session
from lstm_explorer.app.settings import Settings
from lstm_explorer.engine.errors import FieldError

from tests.app.conftest import API, SINE


@pytest.fixture
def api(settings: Settings) -> Iterator[TestClient]:
    """A client that receives 500s instead of raising the server's exception."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def crashing_client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings)

    @app.get("/boom")
    async def boom() -> None:
        raise KeyError("secret internal detail")

    @app.get("/field-error")
    async def field_error() -> None:
        raise FieldError(("params", "W_z"), "expected shape (8, 1), got (8, 2)")

    @app.get("/field-like-message")
    async def field_like_message() -> None:
        raise FieldError((), "targets[3]: reads like a field, but the loc is empty")

    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _bug_records(caplog: pytest.LogCaptureFixture, kind: type[BaseException]) -> list:
    return [r for r in caplog.records if r.exc_info and r.exc_info[0] is kind]


def test_read_unexpected_error_is_short_500(
    crashing_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    response = crashing_client.get("/boom")
    assert response.status_code == 500
    assert response.json() == {"detail": "internal server error"}
    assert "secret" not in response.text and "Traceback" not in response.text
    assert _bug_records(caplog, KeyError), "the traceback is logged"


def test_read_field_error_is_422_located_by_its_loc(crashing_client: TestClient) -> None:
    response = crashing_client.get("/field-error")
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "loc": ["body", "params", "W_z"],
                "msg": "params.W_z: expected shape (8, 1), got (8, 2)",
                "type": "value_error",
            }
        ]
    }


def test_read_field_error_loc_never_comes_from_the_message(crashing_client: TestClient) -> None:
    item = crashing_client.get("/field-like-message").json()["detail"][0]
    assert item["loc"] == ["body"]
    assert item["msg"] == "targets[3]: reads like a field, but the loc is empty"


def test_create_session_with_injected_bug_is_500_and_logged(
    api: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("division by zero deep in init")

    monkeypatch.setattr(factory, "init_params", broken)
    with caplog.at_level(logging.ERROR):
        response = api.post(f"{API}/sessions", json=SINE)
    assert response.status_code == 500
    assert response.json() == {"detail": "internal server error"}
    assert "division" not in response.text and "Traceback" not in response.text
    (record,) = _bug_records(caplog, ZeroDivisionError)
    assert "POST /api/v1/sessions" in record.getMessage()


def test_create_session_with_injected_value_error_is_500(
    api: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("an untyped ValueError is a bug, not bad input")

    monkeypatch.setattr(factory, "init_params", broken)
    response = api.post(f"{API}/sessions", json=SINE)
    assert response.status_code == 500
    assert response.json() == {"detail": "internal server error"}
    assert _bug_records(caplog, ValueError)


def test_create_session_bad_init_is_located_under_init(client: TestClient) -> None:
    response = client.post(f"{API}/sessions", json={**SINE, "init": {"scheme": "nope"}})
    assert response.status_code == 422
    item = response.json()["detail"][0]
    assert item["loc"] == ["body", "init", "scheme"]
    assert item["msg"].startswith("init.scheme: expected one of")


def test_create_session_task_option_named_seed_is_422(client: TestClient) -> None:
    """An option named like make_task's own arguments is an unknown option, not a crash."""
    for key in ("seed", "name"):
        response = client.post(f"{API}/sessions", json={"task": {"options": {key: 1}}})
        assert response.status_code == 422, key
        assert response.json()["detail"][0]["loc"] == ["body", "task", "options", key]


def test_create_session_label_beyond_int64_is_422(client: TestClient) -> None:
    seq = {"inputs": [[0.0], [1.0]], "targets": [-(10**30), 0]}
    body = {"sequence": seq, "loss": "cross_entropy", "task": None}
    response = client.post(f"{API}/sessions", json=body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "sequence", "targets", 0]


def test_create_session_mse_labels_are_located_at_the_sequence_targets(client: TestClient) -> None:
    seq = {"inputs": [[0.0], [1.0]], "targets": [[0.5], None], "n_classes": 2}
    body = {"sequence": seq, "loss": "cross_entropy", "task": None}
    item = client.post(f"{API}/sessions", json=body).json()["detail"][0]
    assert item["loc"] == ["body", "sequence", "targets", 0]


def test_check_limit_names_field_and_limit() -> None:
    with pytest.raises(FieldError) as caught:
        limits.check_limit(("sequence", "inputs"), 9, "max_sequence_length", 8)
    assert caught.value.loc == ("sequence", "inputs")
    assert str(caught.value) == "sequence.inputs: 9 exceeds the limit max_sequence_length=8"
    limits.check_limit(("sequence", "inputs"), 8, "max_sequence_length", 8)  # at the limit: fine


def test_create_session_over_memory_limit_is_located_at_hidden_size(make_client: Any) -> None:
    client = make_client(max_session_bytes=1 << 20)
    response = client.post(f"{API}/sessions", json={**SINE, "hidden_size": 256})
    assert response.status_code == 422
    item = response.json()["detail"][0]
    assert item["loc"] == ["body", "hidden_size"] and "max_session_bytes=" in item["msg"]


def test_create_session_malformed_json_is_422(client: TestClient) -> None:
    response = client.post(
        f"{API}/sessions", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


def test_create_session_deeply_nested_json_is_422(client: TestClient) -> None:
    body = b'{"init": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = client.post(
        f"{API}/sessions", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


def test_create_session_pydantic_error_has_field_path(client: TestClient) -> None:
    response = client.post(f"{API}/sessions", json={"init": {"forget_bias": "x"}})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "init", "forget_bias"]


# ----------------------------------------------------------------------------- the stream
def _stream(client: TestClient, sid: str):  # type: ignore[no-untyped-def]
    ws = client.websocket_connect(f"{API}/sessions/{sid}/stream")
    return ws


def test_stream_bad_command_is_error_frame_with_loc(client: TestClient) -> None:
    sid = client.post(f"{API}/sessions", json=SINE).json()["id"]
    with _stream(client, sid) as ws:
        assert ws.receive_json()["type"] == "state"
        ws.send_text('{"cmd": "play", "rate": -1}')
        frame = ws.receive_json()
        assert frame["type"] == "error" and frame["loc"] == ["rate"]
        assert frame["detail"].startswith("rate: ")
        ws.send_text('{"cmd": "seek", "t": 99}')
        frame = ws.receive_json()
        assert frame["type"] == "error" and "t" in frame["detail"]


def test_stream_injected_bug_is_short_error_frame_and_logged(
    api: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    sid = api.post(f"{API}/sessions", json=SINE).json()["id"]

    def broken(self: Session, *args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("secret internal detail")

    monkeypatch.setattr(Session, "forward", broken)
    with caplog.at_level(logging.ERROR), _stream(api, sid) as ws:
        assert ws.receive_json()["type"] == "state"
        ws.send_text('{"cmd": "step_forward"}')
        frame = ws.receive_json()
        assert frame["type"] == "error" and "secret" not in frame["detail"]
        assert "Traceback" not in frame["detail"]
        ws.send_text('{"cmd": "get_state"}')
        assert ws.receive_json()["type"] == "state"  # the stream is still usable
    assert _bug_records(caplog, ZeroDivisionError)


# ----------------------------------------------------------------------------- uploads
def _npz(**arrays: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)  # type: ignore[arg-type]
    return buf.getvalue()


def test_upload_errors_are_located_in_the_file_field(client: TestClient) -> None:
    bad = _npz(W_z=np.zeros((3, 1)), V=np.zeros((1, 3)), b_z=np.zeros(4))
    response = client.post(f"{API}/sessions/upload", files={"params_file": ("p.npz", bad)})
    assert response.status_code == 422
    item = response.json()["detail"][0]
    assert item["loc"] == ["body", "params_file", "b_z"]
    assert item["msg"].startswith("params_file.b_z: expected shape (H)")


def test_upload_form_field_errors_are_not_located_in_the_file(client: TestClient) -> None:
    csv = b"a,b\n1,2\n"
    response = client.post(
        f"{API}/sessions/upload", data={"n_inputs": "2"}, files={"sequence_file": ("s.csv", csv)}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "n_inputs"]
    keras = _npz(kernel=np.zeros((1, 8)), recurrent_kernel=np.zeros((2, 8)))
    response = client.post(
        f"{API}/sessions/upload", data={"cell": "rnn"}, files={"params_file": ("k.npz", keras)}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "cell"]
