"""Real servers for the fault tests: uvicorn in a subprocess, or in a thread of this process
(so a test can count the server's asyncio tasks). Each on a free loopback port; both stop for
sure when the `with` block ends."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_health(base_url: str, alive: object = None) -> None:
    """Poll /api/v1/health until it answers 200; `alive()` False means the server died."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if callable(alive) and not alive():
            raise RuntimeError("server exited before answering")
        try:
            with urllib.request.urlopen(f"{base_url}/api/v1/health", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.05)
    raise RuntimeError(f"{base_url} did not answer within {STARTUP_SECONDS:.0f} s")


@contextmanager
def uvicorn_process(env: dict[str, str] | None = None, port: int | None = None) -> Iterator[str]:
    """`uvicorn --factory app.main:create_app` in its own process group; yields the base URL."""
    port = port or free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "app.main:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("LSTM_EXPLORER_")}
    child_env |= env or {}
    server = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=child_env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_for_health(base_url, alive=lambda: server.poll() is None)
        yield base_url
    finally:
        stop_process_group(server)


def stop_process_group(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group, SIGKILL it after 10 s."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


class ThreadServer:
    """uvicorn serving `app` on its own event loop in a background thread."""

    def __init__(self, app: FastAPI) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", ws_ping_interval=None
        )
        self.server = uvicorn.Server(config)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, name="uvicorn-test", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.server.serve())

    def task_count(self) -> int:
        """How many asyncio tasks the server's loop has right now."""

        async def count() -> int:
            return len(asyncio.all_tasks())

        return asyncio.run_coroutine_threadsafe(count(), self.loop).result(timeout=5)

    def __enter__(self) -> ThreadServer:
        self.thread.start()
        wait_for_health(self.base_url, alive=self.thread.is_alive)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        if self.thread.is_alive():
            self.server.force_exit = True
            self.thread.join(timeout=5)
        self.loop.close()
