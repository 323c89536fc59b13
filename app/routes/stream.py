"""WebSocket /api/v1/sessions/{id}/stream: commands in, typed frames out (app/streaming.py)."""

from fastapi import APIRouter, WebSocket
from lstm_explorer.app.errors import NotFoundError
from lstm_explorer.app.sessions import SessionStore, StoreUnavailableError
from lstm_explorer.app.settings import Settings
from lstm_explorer.app.streaming import CLOSE_GONE, CLOSE_TRY_AGAIN, Stream
from starlette.websockets import WebSocketState

router = APIRouter(prefix="/sessions/{session_id}", tags=["stream"])


@router.websocket("/stream")
async def stream_session(websocket: WebSocket, session_id: str) -> None:
    """Play, rewind, run BPTT and train over one connection; 4404 closes an unknown session."""
    store: SessionStore = websocket.app.state.sessions
    settings: Settings = websocket.app.state.settings
    await websocket.accept()
    streams: set[Stream] = websocket.app.state.streams
    stream: Stream | None = None
    try:
        session = await store.get(session_id)
        stream = Stream(websocket, session, store, settings)
        streams.add(stream)
        await stream.send_state()
        await stream.run()
    except NotFoundError as exc:
        await _close(websocket, CLOSE_GONE, str(exc))
    except StoreUnavailableError as exc:  # the page reconnects with back-off
        await _close(websocket, CLOSE_TRY_AGAIN, str(exc))
    finally:
        if stream is not None:
            streams.discard(stream)
        await _close(websocket, 1011, "stream ended")


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    if websocket.application_state == WebSocketState.CONNECTED and (
        websocket.client_state == WebSocketState.CONNECTED
    ):
        await websocket.close(code=code, reason=reason[:120])
