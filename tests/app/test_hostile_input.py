"""A corpus of hostile input: each is answered with a 4xx (the stream: an error frame), never a
500, and never with a traceback in the body."""

from __future__ import annotations

import io
import json
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from lstm_explorer.app.main import create_app
from lstm_explorer.app.settings import Settings

from tests.app.hostile_corpus import JSON_BODIES, SNAPSHOT_EDITS, UPLOADS, WS_MESSAGES, zip_bomb

UPLOAD_LIMIT = 256 * 1024
SESSION = {"hidden_size": 4, "task": {"name": "sine", "options": {"length": 12}}}


@pytest.fixture
def api(settings: Settings) -> Iterator[TestClient]:
    limited = settings.model_copy(update={"max_upload_bytes": UPLOAD_LIMIT})
    with TestClient(create_app(limited), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def sid(api: TestClient) -> str:
    response = api.post("/api/v1/sessions", json=SESSION)
    assert response.status_code == 201
    return str(response.json()["id"])


def assert_refused(response: httpx.Response) -> None:
    """A 4xx whose body is a short JSON error without any trace of the server's code."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert "Traceback" not in response.text and 'File "' not in response.text
    assert "detail" in response.json()


@pytest.mark.parametrize(
    ("method", "path", "body"), [c[1:] for c in JSON_BODIES], ids=[c[0] for c in JSON_BODIES]
)
def test_send_hostile_json_is_refused_with_4xx(
    api: TestClient, sid: str, method: str, path: str, body: bytes
) -> None:
    response = api.request(
        method, path.format(sid=sid), content=body, headers={"content-type": "application/json"}
    )
    assert_refused(response)


@pytest.mark.parametrize(("files", "data"), [c[1:] for c in UPLOADS], ids=[c[0] for c in UPLOADS])
def test_upload_hostile_file_is_refused_with_4xx(
    api: TestClient, files: dict[str, tuple[str, bytes]], data: dict[str, str]
) -> None:
    assert_refused(api.post("/api/v1/sessions/upload", files=files, data=data))
    assert len(api.app.state.sessions) == 0  # type: ignore[attr-defined]


@pytest.mark.parametrize("edit", [c[1] for c in SNAPSHOT_EDITS], ids=[c[0] for c in SNAPSHOT_EDITS])
def test_restore_hostile_snapshot_is_refused_with_4xx(
    api: TestClient, sid: str, edit: bytes | Callable[[dict[str, Any]], None]
) -> None:
    if isinstance(edit, bytes):
        data = edit
    else:
        snapshot = api.get(f"/api/v1/sessions/{sid}/snapshot").json()
        edit(snapshot)
        data = json.dumps(snapshot).encode()
    assert_refused(api.post("/api/v1/sessions/restore", files={"file": ("s.json", data)}))


def test_restore_npz_snapshot_with_pickle_is_refused(api: TestClient, sid: str) -> None:
    original = api.get(f"/api/v1/sessions/{sid}/snapshot?format=npz").content
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as src, zipfile.ZipFile(buf, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("params.V"):
                member = io.BytesIO()
                pickled = __import__("numpy").array([{"a": 1}], dtype=object)
                __import__("numpy").save(member, pickled, allow_pickle=True)
                data = member.getvalue()
            out.writestr(info.filename, data)
    response = api.post("/api/v1/sessions/restore", files={"file": ("s.npz", buf.getvalue())})
    assert_refused(response)
    assert "dtype object" in response.text


@pytest.mark.parametrize(
    ("path", "field", "make"),
    [
        pytest.param(
            "/api/v1/sessions/upload",
            "params_file",
            lambda _: zip_bomb("U.npy", 256 << 20),
            id="params-npz",
        ),
        pytest.param(
            "/api/v1/sessions/restore",
            "file",
            lambda meta: zip_bomb("sequence.inputs.npy", 256 << 20, {"meta.json": meta}),
            id="snapshot-npz",
        ),
    ],
)
def test_upload_zip_bomb_is_refused_unread(
    api: TestClient, sid: str, path: str, field: str, make: Callable[[bytes], bytes]
) -> None:
    """256 MB of zeros in a 250 KB upload: refused from the declared sizes, never inflated."""
    original = api.get(f"/api/v1/sessions/{sid}/snapshot?format=npz").content
    with zipfile.ZipFile(io.BytesIO(original)) as zf:
        meta = zf.read("meta.json")
    bomb = make(meta)
    assert len(bomb) < UPLOAD_LIMIT
    tracemalloc.start()
    try:
        response = api.post(path, files={field: ("bomb.npz", bomb)})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert_refused(response)
    assert peak < 16 << 20, f"{peak / 2**20:.0f} MB allocated while refusing a zip bomb"


def test_upload_oversized_multipart_is_413(api: TestClient, settings: Settings) -> None:
    body = b"x" * (settings.max_request_bytes + 1)
    response = api.post("/api/v1/sessions/upload", files={"sequence_file": ("s.csv", body)})
    assert response.status_code == 413
    assert_refused(response)


def test_upload_many_small_parts_is_refused(api: TestClient) -> None:
    fields = {f"field{i}": "x" for i in range(5000)}
    assert_refused(api.post("/api/v1/sessions/upload", data=fields, files={"x": ("a", b"1")}))


def test_send_hostile_stream_messages_answers_error_frames(api: TestClient, sid: str) -> None:
    with api.websocket_connect(f"/api/v1/sessions/{sid}/stream") as ws:
        assert ws.receive_json()["type"] == "state"
        for name, message in WS_MESSAGES:
            if isinstance(message, bytes):
                ws.send_bytes(message)
            else:
                ws.send_text(message)
            frame = ws.receive_json()
            assert frame["type"] == "error", (name, frame)
            assert "Traceback" not in frame["detail"] and 'File "' not in frame["detail"]
        ws.send_text('{"cmd": "step_forward"}')
        assert ws.receive_json()["type"] == "forward"  # still usable after all that
