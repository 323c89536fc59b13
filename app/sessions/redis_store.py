"""Sessions shared by every worker and machine through Redis (redis-py's asyncio client).

Redis holds each session's compact state (app/sessions/compact.py: cursors, and a body of
config, parameters, optimiser state and sequence), never its trace. Each worker keeps a bounded
cache of sessions rebuilt from it (count: max_sessions, bytes: max_total_bytes; the least
recently used leave it, never one in use) and rebuilds one only when another worker changed it
(app/sessions/redis_guard.py). The idle timeout is the keys' TTL. Deletions and evictions are
published, so that a worker closes the streams of a session another worker removed.

Redis down or silent: every call fails within redis_timeout_seconds as StoreUnavailableError
(a 503); the pool reconnects by itself once Redis answers again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Coroutine
from typing import Any
from urllib.parse import urlsplit

import redis.asyncio as redis
from lstm_explorer.app.sessions import compact, redis_scripts
from lstm_explorer.app.sessions.budget import session_cost
from lstm_explorer.app.sessions.redis_guard import INLINE_MAX_HIDDEN, RedisGuard, meta_cursors
from lstm_explorer.app.sessions.session import Session
from lstm_explorer.app.sessions.store import (
    LOCAL_CLIENT,
    SessionStore,
    StoreLimits,
    StoreUnavailableError,
    not_found,
)
from lstm_explorer.app.settings import Settings
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from starlette.concurrency import run_in_threadpool

logger = logging.getLogger(__name__)

_SCRIPTS = ("create", "acquire", "commit", "release", "extend", "delete")


class RedisStore(SessionStore):
    """The session store of every worker that has the same redis_url and key prefix."""

    def __init__(self, settings: Settings, limits: StoreLimits) -> None:
        assert settings.redis_url
        self.settings, self.limits = settings, limits
        self.prefix = settings.redis_key_prefix
        self.key_all = f"{self.prefix}:all"
        self.channel = f"{self.prefix}:gone"
        self.ttl_ms = int(limits.idle_seconds * 1000)
        self.lock_ms = int(settings.redis_lock_seconds * 1000)
        parts = urlsplit(settings.redis_url)
        self.where = f"{parts.hostname or 'localhost'}:{parts.port or 6379}"  # no password
        # A bounded pool that waits for a free connection (a plain pool raises at its limit,
        # which a class of streams reaches); every wait and read ends within the timeout.
        pool = redis.BlockingConnectionPool.from_url(
            settings.redis_url,
            max_connections=settings.redis_max_connections,
            timeout=settings.redis_timeout_seconds,
            socket_timeout=settings.redis_timeout_seconds,
            socket_connect_timeout=settings.redis_timeout_seconds,
            # One quick retry: after Redis restarts, the pool's old connections fail once.
            retry=Retry(NoBackoff(), 1),
            health_check_interval=30,
        )
        self.redis = redis.Redis.from_pool(pool)
        self._scripts = {
            name: self.redis.register_script(getattr(redis_scripts, name.upper()))
            for name in _SCRIPTS
        }
        self._cache: OrderedDict[str, Session] = OrderedDict()  # least recently used first
        self._loading: dict[str, asyncio.Lock] = {}
        self._bytes = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        self.rebuilds = 0  # sessions rebuilt from Redis by this worker (bench, tests)

    # ----------------------------------------------------------------- plumbing
    def key(self, kind: str, session_id: str) -> str:
        return f"{self.prefix}:{kind}:{session_id}"

    async def run(self, script: str, keys: list[str], args: list[Any]) -> Any:
        """One of redis_scripts, StoreUnavailableError when Redis fails or does not answer."""
        try:
            return await self._scripts[script](keys=keys, args=args)
        except (RedisError, OSError) as exc:
            raise self._unavailable(exc) from None

    async def run_command(self, name: str, *args: Any) -> Any:
        try:
            return await getattr(self.redis, name)(*args)
        except (RedisError, OSError) as exc:
            raise self._unavailable(exc) from None

    def _unavailable(self, exc: BaseException) -> StoreUnavailableError:
        reason = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        logger.warning("Redis at %s: %s: %s", self.where, type(exc).__name__, reason)
        return StoreUnavailableError(
            f"session store unavailable: Redis at {self.where} does not answer "
            f"({type(exc).__name__}: {reason}); try again in a few seconds"
        )

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run a coroutine in the background, keeping a reference until it ends."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def count_rebuild(self) -> None:
        self.rebuilds += 1

    async def start(self) -> None:
        self.spawn(self._listen())

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.redis.aclose()

    # ----------------------------------------------------------------- the interface
    def __len__(self) -> int:
        return len(self._cache)

    @property
    def total_bytes(self) -> int:
        return self._bytes

    async def add(self, session: Session, client: str = LOCAL_CLIENT) -> Session:
        body = await self._cpu(session, compact.pack_body, session)
        sid = session.id
        gone = await self.run(
            "create",
            [self.key("s", sid), self.key("b", sid), self.key("c", client), self.key_all],
            [
                sid,
                client,
                body,
                self.ttl_ms,
                self.limits.max_per_client,
                self.limits.max_sessions,
                self.prefix,
                *compact.cursors(session),
            ],
        )
        for other in gone:
            self.forget_local(other.decode(), gone=True)
            logger.info("session %s evicted to make room for %s", other.decode(), sid)
        session.lock = RedisGuard(self, session, version=1, body_version=1)
        self._remember(session)
        return session

    async def get(self, session_id: str) -> Session:
        """The cached copy (its lock brings it up to date), or one rebuilt from Redis."""
        self._prune()
        cached = self._cache.get(session_id)
        if cached is not None:
            self.touch(cached)
            return cached
        loading = self._loading.setdefault(session_id, asyncio.Lock())
        try:
            async with loading:  # one rebuild per session, however many requests wait for it
                cached = self._cache.get(session_id)
                if cached is not None:
                    return cached
                return await self._load(session_id)
        finally:
            if not loading.locked():
                self._loading.pop(session_id, None)

    async def _load(self, session_id: str) -> Session:
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.hgetall(self.key("s", session_id))
                pipe.get(self.key("b", session_id))
                meta, body = await pipe.execute()
        except (RedisError, OSError) as exc:
            raise self._unavailable(exc) from None
        if not meta or body is None:
            raise not_found(session_id)
        at = meta_cursors(meta)
        session = await run_in_threadpool(compact.unpack_body, body, self.settings, session_id, at)
        self.rebuilds += 1
        session.lock = RedisGuard(self, session, int(meta[b"v"]), int(meta[b"bv"]))
        self._remember(session)
        return session

    def touch(self, session: Session) -> None:
        session.last_used = time.monotonic()
        if self._cache.get(session.id) is session:
            self._cache.move_to_end(session.id)

    async def delete(self, session_id: str) -> None:
        found = await self.run("delete", [self.key("s", session_id)], [session_id, self.prefix])
        self.forget_local(session_id, gone=True)
        if not found:
            raise not_found(session_id)

    # ----------------------------------------------------------------- local cache
    def _remember(self, session: Session) -> None:
        """Into the cache; the least recently used others leave it past its bounds."""
        old = self._cache.pop(session.id, None)
        if old is not None:
            self._bytes -= session_cost(old)
        session.last_used = time.monotonic()
        self._cache[session.id] = session
        self._bytes += session_cost(session)
        for sid, other in list(self._cache.items()):
            over = len(self._cache) > self.limits.max_sessions
            if not over and self._bytes <= self.limits.max_total_bytes:
                break
            if other is not session and not other.lock.locked():
                self.forget_local(sid, gone=False)

    def _prune(self) -> None:
        """Sessions idle here for idle_seconds leave memory (Redis expires them by itself)."""
        deadline = time.monotonic() - self.limits.idle_seconds
        for sid, session in list(self._cache.items()):
            if session.last_used > deadline:
                break
            if not session.lock.locked():
                self.forget_local(sid, gone=False)

    def forget_local(self, session_id: str, gone: bool) -> None:
        """Out of this worker's memory; `gone`: out of Redis too (its streams close)."""
        session = self._cache.pop(session_id, None)
        if session is not None:
            self._bytes -= session_cost(session)
        if gone:
            if session is not None:
                session.closed = True
            if self.on_gone is not None:
                self.on_gone(session_id)

    async def _cpu(self, session: Session, fn: Any, *args: Any) -> Any:
        if session.spec.hidden_size <= INLINE_MAX_HIDDEN:
            return fn(*args)
        return await run_in_threadpool(fn, *args)

    # ----------------------------------------------------------------- deletions elsewhere
    async def _listen(self) -> None:
        """Follow the channel of removed sessions; resubscribe after any connection error
        (redis-py's pub/sub does not), then check the cache for what was missed meanwhile."""
        pause, missed = 0.5, False
        while True:
            pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                if missed:
                    await self._recheck()
                pause, missed = 0.5, False
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is not None and message["type"] == "message":
                        self.forget_local(message["data"].decode(errors="replace"), gone=True)
            except (RedisError, OSError, StoreUnavailableError) as exc:
                missed = True
                logger.warning("Redis at %s: pub/sub lost (%s); retrying", self.where, exc)
                await asyncio.sleep(pause)
                pause = min(2 * pause, 5.0)
            finally:
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()

    async def _recheck(self) -> None:
        ids = list(self._cache)
        if not ids:
            return
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for sid in ids:
                    pipe.exists(self.key("s", sid))
                alive = await pipe.execute()
        except (RedisError, OSError) as exc:
            raise self._unavailable(exc) from None
        for sid, present in zip(ids, alive, strict=True):
            if not present:
                self.forget_local(sid, gone=True)
