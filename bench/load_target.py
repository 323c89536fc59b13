"""The server the load benchmarks run: `lstm-explorer serve --workers N`, in memory or on a Redis
of its own; its processes' pids (for RSS and CPU) and a way to kill one worker."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import redis

from devtools.local_redis import local_redis
from devtools.local_server import (
    PACKAGE_PARENT,
    free_port,
    orphan_guarded,
    stop_process_group,
    wait_for_health,
)


@dataclass
class Target:
    base_url: str
    parent: int
    workers: int
    redis_url: str | None = None
    killed: list[int] = field(default_factory=list)

    def pids(self) -> list[int]:
        """The processes that serve: the one server, or the workers (not their parent)."""
        if self.workers == 1:
            return [self.parent]
        return [
            pid
            for pid in _children(self.parent)
            if b"spawn_main" in _read(Path(f"/proc/{pid}/cmdline"))
        ]

    def kill_one(self) -> int:
        """SIGKILL one worker (uvicorn's parent starts another); its pid."""
        pid = self.pids()[0]
        os.kill(pid, signal.SIGKILL)
        self.killed.append(pid)
        return pid


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        stat = _read(entry / "stat") if entry.name.isdigit() else b""
        if stat and int(stat.rsplit(b")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


@contextmanager
def serve(env: dict[str, str], workers: int, log: IO[bytes] | None = None) -> Iterator[Target]:
    """`python -m lstm_explorer serve --port P --workers N` with `env`, its own process group.

    Every configuration goes through the CLI on a port it binds itself, so that they compare:
    uvicorn given a socket by `--fd` takes it for a Unix socket and leaves Nagle's algorithm on,
    which adds some 40 ms to every request on a kept-alive connection.
    """
    port = free_port()
    child = {k: v for k, v in os.environ.items() if not k.startswith("LSTM_EXPLORER_")}
    argv = [
        sys.executable,
        "-m",
        "lstm_explorer",
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    process = subprocess.Popen(
        orphan_guarded(argv),
        cwd=PACKAGE_PARENT,
        env=child | {"LSTM_EXPLORER_LOG_LEVEL": "warning"} | env,
        start_new_session=True,
        stdout=log if log is not None else subprocess.DEVNULL,
        stderr=subprocess.STDOUT if log is not None else subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_health(base, alive=lambda: process.poll() is None)
        target = Target(base, process.pid, workers, env.get("LSTM_EXPLORER_REDIS_URL"))
        while len(target.pids()) < workers:  # the others may still be importing
            time.sleep(0.2)
        yield target
    finally:
        stop_process_group(process)


@contextmanager
def load_target(env: dict[str, str], workers: int, redis: bool, log: IO[bytes]) -> Iterator[Target]:
    """The server, started with `env` (plus a Redis of its own when `redis`), stopped after."""
    with contextlib.ExitStack() as stack:
        if redis:
            env = env | {"LSTM_EXPLORER_REDIS_URL": stack.enter_context(local_redis()).url}
        yield stack.enter_context(serve(env, workers, log))


def redis_memory(target: Target) -> int:
    if target.redis_url is None:
        return 0
    with redis.Redis.from_url(target.redis_url) as client:
        return int(client.info("memory")["used_memory"])


def redis_per_session(target: Target, before: int) -> dict[str, float]:
    """Redis's memory per session: growth over the run per session kept, and MEMORY USAGE of
    a sample of sessions' keys (hash of cursors + packed body)."""
    if target.redis_url is None:
        return {}
    with redis.Redis.from_url(target.redis_url) as client:
        ids = [i.decode() for i in client.zrange("lstm-explorer:all", 0, -1)]
        used = int(client.info("memory")["used_memory"]) - before
        sample = ids[:: max(1, len(ids) // 20)]
        usage = [
            sum(client.memory_usage(f"lstm-explorer:{kind}:{sid}") or 0 for kind in "sb")
            for sid in sample
        ]
    return {
        "redis_sessions": len(ids),
        "redis_bytes_per_session": used / max(1, len(ids)),
        "redis_usage_per_session": sum(usage) / max(1, len(usage)),
    }
