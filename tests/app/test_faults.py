"""Faults: clients that vanish mid-stream, a training run that diverges, a server restart."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from lstm_explorer.app.main import create_app
from lstm_explorer.app.settings import Settings
from websockets.asyncio.client import ClientConnection, connect

from tests.app.servers import ThreadServer, uvicorn_process

API = "/api/v1"
LONG = {"hidden_size": 4, "task": {"name": "sine", "options": {"length": 400}}, "seed": 3}
BLOW_UP = {"optimizer": "sgd", "learning_rate": 1e30, "clip": None}


def _ws_url(base_url: str, sid: str) -> str:
    return f"ws{base_url[4:]}{API}/sessions/{sid}/stream"


async def _frames(ws: ClientConnection, n: int) -> list[dict[str, Any]]:
    return [json.loads(await asyncio.wait_for(ws.recv(), 10)) for _ in range(n)]


async def _vanish(base_url: str, sid: str, command: dict[str, Any]) -> None:
    """Connect, start something, read a little, then drop the TCP connection without a close."""
    ws = await connect(_ws_url(base_url, sid), ping_interval=None)
    await _frames(ws, 1)
    await ws.send(json.dumps({"cmd": "reset"}))  # back to step 0, so that there is work to do
    await ws.send(json.dumps(command))
    await _frames(ws, 4)
    ws.transport.abort()


async def _settle(server: ThreadServer, baseline: int, seconds: float = 5.0) -> int:
    deadline = time.monotonic() + seconds
    count = server.task_count()
    while count > baseline and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        count = server.task_count()
    return count


def test_disconnect_mid_stream_leaks_no_task_and_others_keep_streaming(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings)

    async def scenario(server: ThreadServer) -> None:
        async with httpx.AsyncClient(base_url=server.base_url) as http:
            sids = [(await http.post(f"{API}/sessions", json=LONG)).json()["id"] for _ in range(2)]
            # It reads whatever the server sends, as a browser does (no queue limit): a client
            # that stops reading holds the server's close reply behind unread frames (10 s).
            steady_url = _ws_url(server.base_url, sids[1])
            async with connect(steady_url, ping_interval=None, max_queue=None) as steady:
                await _frames(steady, 1)
                await steady.send(json.dumps({"cmd": "play", "rate": 40}))
                await _frames(steady, 3)
                await asyncio.sleep(0.2)
                baseline = server.task_count()
                commands = [
                    {"cmd": "play", "rate": 500},
                    {"cmd": "run_backward", "rate": 500},
                    {"cmd": "train", "updates": 1000, "frame_every": 1},
                ]
                for round_ in range(15):
                    await _vanish(server.base_url, sids[0], commands[round_ % 3])
                    # the steady client is served all along, REST too
                    assert (await _frames(steady, 1))[0]["type"] in ("forward", "state")
                    assert (await http.get(f"{API}/health")).status_code == 200
                assert await _settle(server, baseline) <= baseline
                assert len(app.state.streams) == 1
                assert (await _frames(steady, 2))[1]["type"] == "forward"

    with caplog.at_level(logging.WARNING), ThreadServer(app) as server:
        asyncio.run(scenario(server))
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]


def test_train_to_nan_is_reported_and_session_recovers(client: TestClient) -> None:
    sid = client.post(f"{API}/sessions", json=LONG).json()["id"]
    client.post(f"{API}/sessions/{sid}/forward", json={"steps": 5})
    result = client.post(f"{API}/sessions/{sid}/train", json={"updates": 100, **BLOW_UP})
    assert result.status_code == 200
    body = result.json()
    assert body["diverged"] is True and body["nonfinite"] is True
    assert body["metrics"][-1]["diverged"] is True and body["metrics"][-1]["loss"] is None
    assert len(body["metrics"]) < 100  # training stops at the first non-finite update
    state = client.get(f"{API}/sessions/{sid}").json()
    assert state["training"]["diverged"] is True
    # Still usable: stepping, the trace and the params all answer with valid JSON.
    for call in (
        lambda: client.post(f"{API}/sessions/{sid}/forward", json={"steps": 2}),
        lambda: client.get(f"{API}/sessions/{sid}/trace"),
        lambda: client.get(f"{API}/sessions/{sid}/params"),
    ):
        response = call()
        assert response.status_code == 200
        json.loads(response.text)  # strict JSON: no NaN or Infinity literals
    # ... and it can be reset to fresh parameters and trained again.
    reset = client.post(f"{API}/sessions/{sid}/reset", json={"reinit": True}).json()
    assert reset["training"]["diverged"] is False and reset["training"]["updates"] == 0
    again = client.post(f"{API}/sessions/{sid}/train", json={"updates": 3}).json()
    assert again["diverged"] is False and math.isfinite(again["loss"])


def test_train_to_nan_over_stream_is_reported_in_frames(client: TestClient) -> None:
    sid = client.post(f"{API}/sessions", json=LONG).json()["id"]
    with client.websocket_connect(f"{API}/sessions/{sid}/stream") as ws:
        assert ws.receive_json()["type"] == "state"
        ws.send_json({"cmd": "train", "updates": 200, **BLOW_UP})
        frames = []
        while not frames or frames[-1]["type"] != "done":
            frames.append(ws.receive_json())
        metrics = [f for f in frames if f["type"] == "metrics"]
        assert metrics[-1]["diverged"] is True and metrics[-1]["nonfinite"] is True
        assert metrics[-1]["loss"] is None
        ws.send_json({"cmd": "seek", "t": 0})
        assert ws.receive_json()["type"] == "forward"  # the stream goes on
    reset = client.post(f"{API}/sessions/{sid}/reset", json={"reinit": True}).json()
    assert reset["training"]["diverged"] is False


def _record(http: httpx.Client, sid: str) -> dict[str, Any]:
    """What must survive a restart: params, frames of the shown steps, the next updates' losses."""
    params = http.get(f"{API}/sessions/{sid}/params").json()["params"]
    frames = [http.post(f"{API}/sessions/{sid}/seek", json={"t": t}).json() for t in range(4)]
    http.post(f"{API}/sessions/{sid}/seek", json={"t": 3})
    losses = [
        m["loss"]
        for m in http.post(f"{API}/sessions/{sid}/train", json={"updates": 3}).json()["metrics"]
    ]
    return {"params": params, "frames": frames, "losses": losses}


@pytest.mark.parametrize("fmt", ["json", "npz"])
def test_restart_server_restores_session_from_snapshot_file(tmp_path: Path, fmt: str) -> None:
    config = {
        "cell": "lstm",
        "variant": "NP",
        "hidden_size": 5,
        "seed": 7,
        "task": {"name": "sine", "options": {"length": 16}},
    }
    snapshot_file = tmp_path / f"session.{fmt}"
    with uvicorn_process() as base_url, httpx.Client(base_url=base_url, timeout=30) as http:
        sid = http.post(f"{API}/sessions", json=config).json()["id"]
        http.post(f"{API}/sessions/{sid}/train", json={"updates": 4, "optimizer": "adam"})
        http.post(f"{API}/sessions/{sid}/forward", json={"steps": 4})
        snapshot_file.write_bytes(http.get(f"{API}/sessions/{sid}/snapshot?format={fmt}").content)
        before = _record(http, sid)

    with uvicorn_process() as base_url, httpx.Client(base_url=base_url, timeout=30) as http:
        assert http.get(f"{API}/sessions/{sid}").status_code == 404  # memory is gone
        files = {"file": (snapshot_file.name, snapshot_file.read_bytes())}
        restored = http.post(f"{API}/sessions/restore", files=files)
        assert restored.status_code == 201, restored.text
        assert restored.json()["cursors"]["forward_t"] == 4
        assert restored.json()["training"]["updates"] == 4
        after = _record(http, restored.json()["id"])

    assert after["params"] == before["params"]
    assert after["frames"] == before["frames"]
    assert after["losses"] == before["losses"]  # optimiser state (Adam moments) came back too
