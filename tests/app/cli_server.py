"""`lstm-explorer serve` as a user runs it (`python -m lstm_explorer serve ...`), in its own process group,
for the multi-worker and fault tests; whatever happens, the whole group is stopped after."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from devtools.local_server import (
    PACKAGE_PARENT,
    free_port,
    orphan_guarded,
    stop_process_group,
    wait_for_health,
)


@dataclass
class CliServer:
    """A running `serve`: base URL, the parent's pid, and its worker processes' pids."""

    base_url: str
    process: subprocess.Popen[bytes]

    @property
    def pid(self) -> int:
        return self.process.pid

    def workers(self) -> list[int]:
        """Pids of the uvicorn workers (children running multiprocessing's spawn_main)."""
        return [
            pid
            for pid in children(self.pid)
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
        ]

    def kill_all(self) -> None:
        """SIGKILL the parent and every worker at once: a crash, nothing gets to clean up."""
        os.killpg(self.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def children(pid: int) -> list[int]:
    """Pids whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "lstm_explorer", "serve", *args]


def child_env(env: dict[str, str]) -> dict[str, str]:
    """This environment without LSTM_EXPLORER_* variables, plus `env`; the `app` imported is
    this checkout's, whatever is installed."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("LSTM_EXPLORER_")}
    path = os.pathsep.join(p for p in (str(PACKAGE_PARENT), os.environ.get("PYTHONPATH")) if p)
    return base | {"LSTM_EXPLORER_LOG_LEVEL": "warning", "PYTHONPATH": path} | env


@contextmanager
def cli_server(env: dict[str, str], *args: str, port: int | None = None) -> Iterator[CliServer]:
    """`python -m lstm_explorer serve --host 127.0.0.1 --port P *args` with `env`, once it answers."""
    port = port or free_port()
    argv = command("--host", "127.0.0.1", "--port", str(port), *args)
    with serve_process(argv, env, f"http://127.0.0.1:{port}") as server:
        yield server


@contextmanager
def serve_process(argv: list[str], env: dict[str, str], base_url: str) -> Iterator[CliServer]:
    """Run `argv` in the checkout with `env` in its own process group; yield once
    {base_url}/api/v1/health answers; stop the whole group after."""
    process = subprocess.Popen(
        orphan_guarded(argv),  # killed with the test process, however it ends
        cwd=PACKAGE_PARENT,
        env=child_env(env),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        server = CliServer(base_url, process)
        wait_for_health(server.base_url, alive=lambda: process.poll() is None)
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            stop_process_group(process)
        with contextlib.suppress(ProcessLookupError):  # workers left by a parent killed first
            os.killpg(process.pid, signal.SIGKILL)


def wait_for_workers(server: CliServer, n: int, seconds: float = 30.0) -> list[int]:
    """The workers' pids once there are n of them (uvicorn restarts a killed one)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pids = server.workers()
        if len(pids) == n:
            return pids
        time.sleep(0.1)
    raise RuntimeError(f"expected {n} workers, found {server.workers()}")
