"""Sessions: a bounded in-memory store of models being stepped, trained and streamed."""

from app.sessions.session import Session
from app.sessions.store import SessionStore

__all__ = ["Session", "SessionStore"]
