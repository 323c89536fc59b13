"""Sessions: models being stepped, trained and streamed, and the store that keeps them."""

from app.sessions.session import Session
from app.sessions.store import MemoryStore, SessionStore, StoreUnavailableError, make_store

__all__ = ["MemoryStore", "Session", "SessionStore", "StoreUnavailableError", "make_store"]
