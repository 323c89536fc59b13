"""redis-server for the tests (devtools/local_redis.py): skipped when it is not installed,
except under CI=true, where that is a failure (.ci/run installs it)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from devtools.local_redis import MISSING, RedisServer, local_redis

__all__ = ["RedisServer", "redis_server"]


def require_redis_server() -> None:
    """Skip the test (fail it under CI=true) when redis-server is missing."""
    if shutil.which("redis-server") is None:
        if os.environ.get("CI") == "true":
            pytest.fail(MISSING)
        pytest.skip(MISSING)


@contextmanager
def redis_server(
    persist: bool = False, port: int | None = None, options: list[str] | None = None
) -> Iterator[RedisServer]:
    """A started redis-server in a temporary folder, killed after (see local_redis)."""
    require_redis_server()
    with local_redis(persist=persist, port=port, options=options) as server:
        yield server
