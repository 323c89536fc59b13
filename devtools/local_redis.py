"""A redis-server (Debian's) on a free loopback port with its data in a folder, for tests and
benchmarks; `local_redis()` starts one in a temporary folder and kills it, whatever happens.

No persistence unless asked for (`persist=True`: an append-only file fsynced on every write, for
runs in which Redis itself restarts), or `options` to run it with other settings. Standard
library only. Development only, like the rest of devtools/.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from devtools.local_server import free_port, orphan_guarded

STARTUP_SECONDS = 20.0
MISSING = "redis-server is not installed (apt-get install redis-server)"


def ping(port: int) -> bool:
    """Whether a Redis answers PONG on 127.0.0.1:port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """redis-server on 127.0.0.1:port with its data in `folder`; start() and stop() at will."""

    def __init__(
        self,
        folder: Path,
        port: int | None = None,
        persist: bool = False,
        options: list[str] | None = None,
    ) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise FileNotFoundError(MISSING)
        self.binary = binary
        self.folder = folder
        self.port = port or free_port()
        self.persist = persist
        self.options = options  # instead of the persistence options above (compose.yaml's)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        persistence = (
            ["--appendonly", "yes", "--appendfsync", "always", "--save", ""]
            if self.persist
            else ["--appendonly", "no", "--save", ""]
        )
        if self.options is not None:
            persistence = self.options
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--dir", str(self.folder), "--daemonize", "no", *persistence]
        self.process = subprocess.Popen(
            orphan_guarded(command),  # killed with this process, however it ends
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + STARTUP_SECONDS
        while not ping(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.02)
        return self

    def stop(self, graceful: bool = False) -> None:
        """SIGKILL: what a crash does (persisted data is on disk already: appendfsync always);
        graceful: SIGTERM, Redis writes what it has, as on `docker compose restart`."""
        if self.process is not None and self.process.poll() is None:
            if graceful:
                self.process.terminate()
            else:
                self.process.kill()
            self.process.wait(timeout=30)
        self.process = None

    def pause(self) -> None:
        """SIGSTOP: Redis still accepts connections but never answers (a hung server)."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)

    def flush(self) -> None:
        """FLUSHALL, for a server shared by several tests."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            sock.sendall(b"FLUSHALL\r\n")
            assert sock.recv(64).startswith(b"+OK")


@contextmanager
def local_redis(
    persist: bool = False, port: int | None = None, options: list[str] | None = None
) -> Iterator[RedisServer]:
    """A started RedisServer in a temporary folder; killed (and the folder removed) after."""
    with tempfile.TemporaryDirectory(prefix="lstm-explorer-redis-") as folder:
        server = RedisServer(Path(folder), port=port, persist=persist, options=options)
        try:
            yield server.start()
        finally:
            if server.process is not None and server.process.poll() is None:
                server.resume()  # a stopped process ignores everything but SIGKILL and SIGCONT
            server.stop()
