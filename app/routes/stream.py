"""WebSocket /api/v1/sessions/{id}/stream: commands in, typed frames out (app/streaming.py)."""

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketState

from app.errors import NotFoundError
from app.sessions import SessionStore
from app.settings import Settings
from app.streaming import CLOSE_GONE, Stream

router = APIRouter(prefix="/sessions/{session_id}", tags=["stream"])


@router.websocket("/stream")
async def stream_session(websocket: WebSocket, session_id: str) -> None:
    """Play, rewind, run BPTT and train over one connection; 4404 closes an unknown session."""
    store: SessionStore = websocket.app.state.sessions
    settings: Settings = websocket.app.state.settings
    await websocket.accept()
    try:
        session = store.get(session_id)
    except NotFoundError as exc:
        await websocket.close(code=CLOSE_GONE, reason=str(exc)[:120])
        return
    stream = Stream(websocket, session, store, settings)
    streams: set[Stream] = websocket.app.state.streams
    streams.add(stream)
    try:
        await stream.send_state()
        await stream.run()
    finally:
        streams.discard(stream)
        if websocket.application_state == WebSocketState.CONNECTED and (
            websocket.client_state == WebSocketState.CONNECTED
        ):
            await websocket.close(code=1011, reason="stream ended")
