"""Uploads stay in memory or in anonymous temporary files: nothing is written anywhere else,
and nothing is left behind."""

from __future__ import annotations

import io
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from lstm_explorer.app.main import create_app
from lstm_explorer.app.settings import Settings

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_recording: list[str] | None = None


def _audit(event: str, args: tuple[Any, ...]) -> None:
    """Notes every file opened for writing while a test records (audit hooks stay installed)."""
    if _recording is None or event != "open":
        return
    path, mode, flags = args
    writes = (mode is not None and any(c in str(mode) for c in "wax+")) or (
        mode is None and isinstance(flags, int) and flags & _WRITE_FLAGS
    )
    if writes and isinstance(path, str | bytes | os.PathLike):
        _recording.append(os.fsdecode(path))


sys.addaudithook(_audit)


@pytest.fixture
def written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Paths opened for writing during the test; the temp dir and cwd are fresh, empty folders."""
    global _recording
    temp_dir, cwd = tmp_path / "tmp", tmp_path / "cwd"
    temp_dir.mkdir()
    cwd.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp_dir))
    monkeypatch.chdir(cwd)
    _recording = []
    try:
        yield _recording
    finally:
        _recording = None
    assert list(temp_dir.iterdir()) == [], "an upload was left in the temporary directory"
    assert list(cwd.iterdir()) == [], "something was written to the working directory"


def _npz_params() -> bytes:
    buf = io.BytesIO()
    np.savez(buf, U=np.ones((3, 1)), W=np.eye(3), b=np.zeros(3), V=np.ones((1, 3)), c=np.zeros(1))
    return buf.getvalue()


def _big_csv(rows: int) -> bytes:
    return b"x1,target1\n" + b"".join(b"%d.125,%d.5\n" % (i % 7, i % 3) for i in range(rows))


def test_upload_large_files_writes_only_anonymous_temp_files(
    settings: Settings, written: list[str]
) -> None:
    """Files over 1 MB spill from memory to the temp dir (starlette), unnamed and short-lived."""
    limits = settings.model_copy(update={"max_sequence_length": 200_000})
    with TestClient(create_app(limits)) as client:
        csv = _big_csv(150_000)
        assert len(csv) > 1 << 20  # large enough to spill to disk
        files = {"sequence_file": ("seq.csv", csv), "params_file": ("p.npz", _npz_params())}
        response = client.post("/api/v1/sessions/upload", files=files)
        assert response.status_code == 201, response.text
        sid = response.json()["id"]
        snapshot = client.get(f"/api/v1/sessions/{sid}/snapshot?format=npz").content
        restored = client.post("/api/v1/sessions/restore", files={"file": ("s.npz", snapshot)})
        assert restored.status_code == 201, restored.text
    temp_dir = tempfile.gettempdir()
    assert any(p.startswith(temp_dir) for p in written), "expected the spill into the temp dir"
    outside = [p for p in written if not os.path.abspath(p).startswith(temp_dir)]
    assert outside == [], f"uploads written outside {temp_dir}: {outside}"


@pytest.mark.parametrize("name", ["../../etc/passwd.npz", "/tmp/x.npz", "C:\\x.npz", "a\x00.npz"])
def test_upload_with_path_in_filename_writes_nothing(
    client: TestClient, written: list[str], name: str
) -> None:
    response = client.post("/api/v1/sessions/upload", files={"params_file": (name, _npz_params())})
    assert response.status_code in (201, 422), response.text
    assert written == []
