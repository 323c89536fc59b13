"""In-memory session store: bounded, least-recently-used evicted first, idle sessions dropped.

Only the event loop touches the store (no thread does), so it needs no lock of its own; each
session has an asyncio.Lock that serialises the requests on it.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable

from app.errors import NotFoundError
from app.sessions.session import Session

logger = logging.getLogger(__name__)


class SessionStore:
    """At most `max_sessions` sessions; one idle for `idle_seconds` is gone."""

    def __init__(
        self, max_sessions: int, idle_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_sessions = max_sessions
        self.idle_seconds = idle_seconds
        self.clock = clock
        self._sessions: OrderedDict[str, Session] = OrderedDict()  # least recently used first

    def __len__(self) -> int:
        return len(self._sessions)

    def __contains__(self, session_id: object) -> bool:
        return session_id in self._sessions

    def add(self, session: Session) -> Session:
        """Store a new session, making room by evicting the longest-idle ones."""
        self.prune()
        while len(self._sessions) >= self.max_sessions:
            old_id, old = self._sessions.popitem(last=False)
            old.closed = True
            logger.info("session %s evicted (max_sessions=%d)", old_id, self.max_sessions)
        session.last_used = self.clock()
        self._sessions[session.id] = session
        return session

    def get(self, session_id: str) -> Session:
        """The session, marked as just used; NotFoundError if unknown, deleted or expired."""
        self.prune()
        session = self._sessions.get(session_id)
        if session is None:
            raise NotFoundError(
                f"session {session_id[:64]!r} not found (unknown, deleted or expired)"
            )
        self.touch(session)
        return session

    def touch(self, session: Session) -> None:
        """Mark a session as used now (the stream calls this on every frame)."""
        session.last_used = self.clock()
        if session.id in self._sessions:
            self._sessions.move_to_end(session.id)

    def delete(self, session_id: str) -> None:
        session = self._sessions.pop(session_id, None)
        if session is None:
            raise NotFoundError(
                f"session {session_id[:64]!r} not found (unknown, deleted or expired)"
            )
        session.closed = True

    def prune(self) -> int:
        """Drop sessions idle for longer than idle_seconds; return how many went."""
        deadline = self.clock() - self.idle_seconds
        dropped = 0
        while self._sessions:
            session_id, session = next(iter(self._sessions.items()))
            if session.last_used > deadline:
                break
            del self._sessions[session_id]
            session.closed = True
            dropped += 1
        if dropped:
            logger.info("%d idle session(s) dropped", dropped)
        return dropped
