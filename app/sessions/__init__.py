"""Sessions: models being stepped, trained and streamed, and the store that keeps them."""

from lstm_explorer.app.sessions.session import Session
from lstm_explorer.app.sessions.store import (
    MemoryStore,
    SessionStore,
    StoreUnavailableError,
    make_store,
)

__all__ = ["MemoryStore", "Session", "SessionStore", "StoreUnavailableError", "make_store"]
