"""The app in a uvicorn subprocess on a free loopback port, for tests and benchmarks.

`uvicorn_process()` starts `python -m uvicorn --factory app.main:create_app` in its own
process group, waits until /api/v1/health answers, yields the base URL and, however the
`with` block ends, stops the whole group (SIGTERM, SIGKILL after 10 s). `uvicorn_server()`
does the same but also yields the server's pid. Standard library only.

The port is bound here and the listening socket handed to uvicorn (`--fd`), so two servers
started at once (pytest-xdist workers) can never pick the same port; and the server dies with
the process that started it (`orphan_guarded`), so a test run killed half-way leaves no server
behind. Development only: this folder is neither installed nor copied into the image.
"""

from __future__ import annotations

import importlib.util
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


def _package_parent() -> Path:
    """The directory holding the `app` package this interpreter imports (the checkout, or
    site-packages when installed), found without importing it."""
    spec = importlib.util.find_spec("app")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the app package is not importable")
    return Path(next(iter(spec.submodule_search_locations))).resolve().parent


PACKAGE_PARENT = _package_parent()
HOST = "127.0.0.1"
STARTUP_SECONDS = 30.0
STOP_SECONDS = 10.0


# Run as `python -c _GUARD PARENT_PID COMMAND...`: ask Linux to SIGKILL this process when its
# parent dies (prctl PR_SET_PDEATHSIG = 1, kept across execve), give up if the parent is gone
# already, then become COMMAND (same pid, so the caller's process group and pid stay valid).
_GUARD = (
    "import ctypes, os, signal, sys;"
    "ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL);"
    "os.getppid() == int(sys.argv[1]) or sys.exit('parent exited');"
    "os.execvp(sys.argv[2], sys.argv[2:])"
)


def orphan_guarded(command: list[str]) -> list[str]:
    """`command` wrapped so that its process is killed when this one dies (Linux only)."""
    if not sys.platform.startswith("linux"):
        return command
    return [sys.executable, "-c", _GUARD, str(os.getpid()), *command]


@dataclass(frozen=True)
class LocalServer:
    """A running server: its base URL (http://127.0.0.1:PORT) and the uvicorn process's pid."""

    base_url: str
    pid: int


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (for servers that cannot take a
    bound socket; `listening_socket()` has no race)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def listening_socket(port: int = 0) -> socket.socket:
    """A TCP socket listening on 127.0.0.1:`port` (0: one the kernel picks), inheritable so
    that a child process can serve on it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # uvicorn wraps an --fd socket as AF_UNIX (socket.fromfd(fd, AF_UNIX, ...)), so neither
        # asyncio nor uvloop sets TCP_NODELAY on the connections it accepts: Nagle's algorithm
        # then holds each response's last segment until the client's delayed ACK, about 40 ms
        # per request on a kept-alive connection. Linux copies TCP_NODELAY from the listening
        # socket to every socket accept() returns, so setting it here is enough.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((HOST, port))
        sock.listen(128)
        sock.set_inheritable(True)
    except OSError:
        sock.close()
        raise
    return sock


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
    sock = listening_socket(port or 0)
    bound_port: int = sock.getsockname()[1]
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "lstm_explorer.app.main:create_app",
        "--fd",
        str(sock.fileno()),
        "--log-level",
        "warning",
    ]
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("LSTM_EXPLORER_")}
    child_env |= env or {}
    with sock:
        server = subprocess.Popen(
            orphan_guarded(command),
            cwd=PACKAGE_PARENT,
            env=child_env,
            start_new_session=True,
            pass_fds=(sock.fileno(),),
            stdout=output if output is not None else subprocess.DEVNULL,
            stderr=subprocess.STDOUT if output is not None else subprocess.DEVNULL,
        )
    try:
        base_url = f"http://{HOST}:{bound_port}"
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
