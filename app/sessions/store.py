"""Where sessions live: the store interface, and its in-memory backend (the default).

Two backends behind one interface (app/sessions/redis_store.py is the other): every method that
may talk to another process is async. Only the event loop touches a store (no thread does).
Routes hold `session.lock` around everything they do to a session; in memory that is a plain
asyncio.Lock, with Redis it also takes the session's lock in Redis and brings the session up to
date first (app/sessions/redis_guard.py).

Limits every backend keeps: at most `max_sessions` sessions (the least recently used goes), at
most `max_sessions_per_client` per client address (that client's own least recently used goes,
never another client's), sessions idle for `idle_seconds` are gone, and at most `max_total_bytes` of sessions
in this worker's memory (the least recently used leave it, never one in use).
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from lstm_explorer.app.errors import NotFoundError
from lstm_explorer.app.sessions.budget import session_cost, total_session_budget
from lstm_explorer.app.sessions.session import Session
from lstm_explorer.app.settings import Settings

logger = logging.getLogger(__name__)

LOCAL_CLIENT = "local"


class StoreUnavailableError(Exception):
    """The shared store does not answer: 503, and the client may try again shortly."""


def not_found(session_id: str) -> NotFoundError:
    return NotFoundError(f"session {session_id[:64]!r} not found (unknown, deleted or expired)")


@dataclass(frozen=True)
class StoreLimits:
    """The bounds of a store, from the settings."""

    max_sessions: int
    idle_seconds: float
    max_per_client: int
    max_total_bytes: int

    @classmethod
    def from_settings(cls, settings: Settings) -> StoreLimits:
        return cls(
            max_sessions=settings.max_sessions,
            idle_seconds=settings.session_idle_seconds,
            max_per_client=settings.max_sessions_per_client,
            max_total_bytes=total_session_budget(settings),
        )


class SessionStore(ABC):
    """The sessions of the app; `on_gone(id)` is called for each one deleted or evicted."""

    limits: StoreLimits
    on_gone: Callable[[str], None] | None = None

    @abstractmethod
    async def add(self, session: Session, client: str = LOCAL_CLIENT) -> Session:
        """Keep a new session made by `client`, making room within the limits."""

    @abstractmethod
    async def get(self, session_id: str) -> Session:
        """The session; NotFoundError if unknown, deleted or expired."""

    @abstractmethod
    async def delete(self, session_id: str) -> None:
        """Forget a session (the caller holds its lock); NotFoundError if unknown."""

    @abstractmethod
    def touch(self, session: Session) -> None:
        """Mark a session as used now (the stream calls this on every frame)."""

    @abstractmethod
    def __len__(self) -> int:
        """Sessions in this worker's memory."""

    @abstractmethod
    async def start(self) -> None:
        """Called once the event loop runs (the app's lifespan)."""

    @abstractmethod
    async def close(self) -> None:
        """Called when the app stops."""

    def _gone(self, session: Session) -> None:
        session.closed = True
        if self.on_gone is not None:
            self.on_gone(session.id)


class MemoryStore(SessionStore):
    """Every session in this process's memory: one worker only, gone when the process ends."""

    def __init__(self, limits: StoreLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self._sessions: OrderedDict[str, Session] = OrderedDict()  # least recently used first
        self._clients: dict[str, str] = {}  # session id → client address
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._sessions)

    def __contains__(self, session_id: object) -> bool:
        return session_id in self._sessions

    @property
    def total_bytes(self) -> int:
        """What the sessions in memory count against max_total_bytes."""
        return self._bytes

    async def start(self) -> None:
        return None  # nothing runs in the background

    async def close(self) -> None:
        return None

    async def add(self, session: Session, client: str = LOCAL_CLIENT) -> Session:
        self.prune()
        # The client's own least recently used first (not its first made: that may be the
        # tab it is still working in), never one in use right now.
        own = [sid for sid in self._sessions if self._clients.get(sid) == client]
        idle = [sid for sid in own if not self._sessions[sid].lock.locked()]
        for sid in idle[: max(0, len(own) - self.limits.max_per_client + 1)]:
            self._evict(sid, f"max_sessions_per_client={self.limits.max_per_client}")
        while len(self._sessions) >= self.limits.max_sessions:
            self._evict(next(iter(self._sessions)), f"max_sessions={self.limits.max_sessions}")
        cost = session_cost(session)
        for sid in [s for s, old in self._sessions.items() if not old.lock.locked()]:
            if self._bytes + cost <= self.limits.max_total_bytes:
                break
            self._evict(sid, f"max_total_session_bytes={self.limits.max_total_bytes}")
        session.last_used = self.clock()
        self._sessions[session.id] = session
        self._clients[session.id] = client
        self._bytes += cost
        return session

    async def get(self, session_id: str) -> Session:
        self.prune()
        session = self._sessions.get(session_id)
        if session is None:
            raise not_found(session_id)
        self.touch(session)
        return session

    def touch(self, session: Session) -> None:
        session.last_used = self.clock()
        if session.id in self._sessions:
            self._sessions.move_to_end(session.id)

    async def delete(self, session_id: str) -> None:
        if session_id not in self._sessions:
            raise not_found(session_id)
        self._drop(session_id)

    def prune(self) -> int:
        """Drop sessions idle for longer than idle_seconds; return how many went."""
        deadline = self.clock() - self.limits.idle_seconds
        dropped = 0
        while self._sessions:
            session_id, session = next(iter(self._sessions.items()))
            if session.last_used > deadline:
                break
            self._drop(session_id)
            dropped += 1
        if dropped:
            logger.info("%d idle session(s) dropped", dropped)
        return dropped

    def _evict(self, session_id: str, why: str) -> None:
        self._drop(session_id)
        logger.info("session %s evicted (%s)", session_id, why)

    def _drop(self, session_id: str) -> None:
        session = self._sessions.pop(session_id)
        self._clients.pop(session_id, None)
        self._bytes -= session_cost(session)
        self._gone(session)


def make_store(settings: Settings) -> SessionStore:
    """Redis when settings.redis_url is set, else memory."""
    limits = StoreLimits.from_settings(settings)
    if settings.redis_url:
        from lstm_explorer.app.sessions.redis_store import (
            RedisStore,  # only then is redis-py imported
        )

        return RedisStore(settings, limits)
    return MemoryStore(limits)
