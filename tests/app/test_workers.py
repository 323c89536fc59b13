"""`lstm-explorer serve --workers N` in real processes: every worker serves every session with a
Redis URL, refuses to start without one, and nothing is lost when every worker is SIGKILLed."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from devtools.local_server import PACKAGE_PARENT, free_port
from tests.app.cli_server import child_env, cli_server, command, wait_for_workers
from tests.app.conftest import API

LONG = {"hidden_size": 4, "task": {"name": "sine", "options": {"length": 60}}, "seed": 2}


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def _ok(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


def test_serve_workers_without_redis_refuses_saying_why() -> None:
    done = subprocess.run(
        command("--workers", "2", "--port", str(free_port())),
        cwd=PACKAGE_PARENT,
        env=child_env({}),
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 2
    message = done.stderr.decode()
    assert "--workers 2 needs a session store the workers share" in message
    assert "LSTM_EXPLORER_REDIS_URL" in message


def test_serve_workers_with_redis_serves_every_session_from_every_worker(redis_url: str) -> None:
    with cli_server({"LSTM_EXPLORER_REDIS_URL": redis_url}, "--workers", "2") as server:
        pids = wait_for_workers(server, 2)
        before = {pid: _cpu_ticks(pid) for pid in pids}
        ids = []
        for _ in range(6):
            with httpx.Client(base_url=server.base_url) as http:  # a new connection each time
                ids.append(_ok(http.post(f"{API}/sessions", json=LONG))["id"])
        for round_ in range(10):
            for sid in ids:
                with httpx.Client(base_url=server.base_url) as http:
                    frames = _ok(http.post(f"{API}/sessions/{sid}/forward"))["frames"]
                    assert frames[0]["t"] == round_  # whichever worker answered, none lost
        assert all(_cpu_ticks(pid) > before[pid] for pid in pids)  # both did the work


def _history(http: httpx.Client, sid: str) -> dict[str, Any]:
    return {
        "session": _ok(http.get(f"{API}/sessions/{sid}")),
        "params": _ok(http.get(f"{API}/sessions/{sid}/params")),
        "trace": _ok(http.get(f"{API}/sessions/{sid}/trace")),
    }


def test_sigkill_every_worker_then_restart_every_session_is_back(redis_url: str) -> None:
    env = {"LSTM_EXPLORER_REDIS_URL": redis_url}
    port = free_port()
    with cli_server(env, "--workers", "2", port=port) as server:
        http = httpx.Client(base_url=server.base_url, timeout=30)
        sids = [_ok(http.post(f"{API}/sessions", json=LONG))["id"] for _ in range(3)]
        for k, sid in enumerate(sids):
            _ok(http.post(f"{API}/sessions/{sid}/train", json={"updates": 2 + k}))
            _ok(http.post(f"{API}/sessions/{sid}/forward", json={"steps": 60}))
            _ok(http.post(f"{API}/sessions/{sid}/backward", json={"steps": 5 * (k + 1)}))
        before = {sid: _history(http, sid) for sid in sids}
        http.close()
        server.kill_all()
    with (
        cli_server(env, "--workers", "2", port=port) as server,
        httpx.Client(base_url=server.base_url, timeout=30) as http,
    ):
        for sid in sids:
            after = _history(http, sid)
            assert after == before[sid]  # cursors, training, params and the recomputed trace
            # Optimiser state too: the next updates continue where they were (Adam's t, m, v).
            reply = _ok(http.post(f"{API}/sessions/{sid}/train", json={"updates": 1}))
            assert reply["updates_total"] == before[sid]["session"]["training"]["updates"] + 1


async def _reconnect(url: str) -> ClientConnection:
    """What the page does after a close: try again with back-off until a worker answers."""
    pause = 0.25
    for _ in range(40):
        try:
            return await connect(url, ping_interval=None, open_timeout=5)
        except (OSError, TimeoutError, InvalidStatus):
            await asyncio.sleep(pause)
            pause = min(2 * pause, 4.0)
    raise AssertionError("no worker answered")


def test_stream_whose_worker_died_resumes_at_its_cursor_on_another(redis_url: str) -> None:
    env = {"LSTM_EXPLORER_REDIS_URL": redis_url}

    async def scenario(base_url: str, kill: Any) -> None:
        async with httpx.AsyncClient(base_url=base_url) as http:
            sid = _ok(await http.post(f"{API}/sessions", json=LONG))["id"]
        url = f"ws{base_url[4:]}{API}/sessions/{sid}/stream"
        async with connect(url, ping_interval=None) as ws:
            await ws.send(json.dumps({"cmd": "play", "rate": 50}))
            seen = []
            while len(seen) < 8:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if frame["type"] == "forward":
                    seen.append(frame["t"])
            kill()
            with contextlib.suppress(ConnectionClosed):
                while True:  # what was sent before the kill
                    frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
                    seen += [frame["t"]] if frame["type"] == "forward" else []
        last = seen[-1]
        async with await _reconnect(url) as ws:
            state = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert state["type"] == "state"
            # Every frame was saved before it was sent: none the client saw is lost.
            assert state["cursors"]["forward_t"] >= last + 1
            assert seen == list(range(last + 1))
            await ws.send(json.dumps({"cmd": "step_forward"}))
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert frame["t"] == state["cursors"]["forward_t"]

    with cli_server(env, "--workers", "2") as server:
        wait_for_workers(server, 2)

        def kill_workers() -> None:
            for pid in server.workers():  # the one streaming among them; the parent stays
                subprocess.run(["kill", "-KILL", str(pid)], check=False)

        asyncio.run(scenario(server.base_url, kill_workers))
        wait_for_workers(server, 2)  # uvicorn replaced them
