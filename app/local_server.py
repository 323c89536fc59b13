"""The app in a uvicorn subprocess on a free loopback port, for tests and benchmarks.

`uvicorn_process()` starts `python -m uvicorn --factory app.main:create_app` in its own
process group, waits until /api/v1/health answers, yields the base URL and, however the
`with` block ends, stops the whole group (SIGTERM, SIGKILL after 10 s). `uvicorn_server()`
does the same but also yields the server's pid. Standard library only.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

# The directory holding the `app` package: the repository, or site-packages when installed.
PACKAGE_PARENT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
STARTUP_SECONDS = 30.0
STOP_SECONDS = 10.0


@dataclass(frozen=True)
class LocalServer:
    """A running server: its base URL (http://127.0.0.1:PORT) and the uvicorn process's pid."""

    base_url: str
    pid: int


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_health(base_url: str, alive: Callable[[], bool] | None = None) -> None:
    """Poll {base_url}/api/v1/health until it answers 200.

    Raises RuntimeError when `alive()` turns False (the server died) or after STARTUP_SECONDS.
    """
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if alive is not None and not alive():
            raise RuntimeError("server exited before answering")
        try:
            with urllib.request.urlopen(f"{base_url}/api/v1/health", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.05)
    raise RuntimeError(f"{base_url} did not answer within {STARTUP_SECONDS:.0f} s")


def stop_process_group(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group, SIGKILL it if still running after STOP_SECONDS."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=STOP_SECONDS)


@contextmanager
def uvicorn_server(
    env: dict[str, str] | None = None,
    port: int | None = None,
    output: IO[bytes] | None = None,
) -> Iterator[LocalServer]:
    """The app in a uvicorn subprocess, its own process group; yields its URL and pid.

    The child inherits this environment without any LSTM_EXPLORER_* variable, plus `env`.
    Its stdout and stderr go to `output` (a file with a fileno), or are discarded.
    """
    port = port or free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "app.main:create_app",
        "--host",
        HOST,
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("LSTM_EXPLORER_")}
    child_env |= env or {}
    server = subprocess.Popen(
        command,
        cwd=PACKAGE_PARENT,
        env=child_env,
        start_new_session=True,
        stdout=output if output is not None else subprocess.DEVNULL,
        stderr=subprocess.STDOUT if output is not None else subprocess.DEVNULL,
    )
    try:
        base_url = f"http://{HOST}:{port}"
        try:
            wait_for_health(base_url, alive=lambda: server.poll() is None)
        except RuntimeError as error:
            if server.returncode is not None:
                raise RuntimeError(f"server exited with code {server.returncode}") from error
            raise
        yield LocalServer(base_url=base_url, pid=server.pid)
    finally:
        stop_process_group(server)


@contextmanager
def uvicorn_process(
    env: dict[str, str] | None = None,
    port: int | None = None,
    output: IO[bytes] | None = None,
) -> Iterator[str]:
    """`uvicorn_server()` yielding only the base URL (http://127.0.0.1:PORT)."""
    with uvicorn_server(env=env, port=port, output=output) as server:
        yield server.base_url


# How tests and benchmarks drive Debian's chromium against the local server: headless, and
# quiet on the network (this machine refuses every outside connection).
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
