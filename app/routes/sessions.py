"""Sessions: create from a config, read, change truncation and clipping, delete."""

from typing import Any

from fastapi import APIRouter, Response
from lstm_explorer.app.deps import ClientDep, SessionDep, SettingsDep, StoreDep
from lstm_explorer.app.routes.common import NOT_FOUND, StrictJSONRoute
from lstm_explorer.app.schemas import SessionCreate, SessionPublic, SessionUpdate
from lstm_explorer.app.sessions.factory import describe, session_from_config
from starlette.concurrency import run_in_threadpool

router = APIRouter(prefix="/sessions", tags=["sessions"], route_class=StrictJSONRoute)


@router.post("", status_code=201, response_model=SessionPublic)
async def create_session(
    body: SessionCreate, settings: SettingsDep, store: StoreDep, client: ClientDep
) -> dict[str, Any]:
    """Make a session from a task (or your own sequence), a cell, a variant and a seed."""
    session = await run_in_threadpool(session_from_config, body, settings)
    await store.add(session, client)
    return describe(session)


@router.get("/{session_id}", response_model=SessionPublic, responses=NOT_FOUND)
async def read_session(session: SessionDep) -> dict[str, Any]:
    """The session's model, structure, sizes, sequence, cursors and settings."""
    async with session.lock:
        return describe(session)


@router.patch("/{session_id}", response_model=SessionPublic, responses=NOT_FOUND)
async def update_session(session: SessionDep, body: SessionUpdate) -> dict[str, Any]:
    """Set truncated BPTT (k steps, null: full) or clipping; BPTT restarts if k changes."""
    changes = body.model_dump(exclude_unset=True)
    async with session.lock:
        if "truncate" in changes:
            session.set_truncate(changes["truncate"])
        if "clip" in changes:
            session.clip = changes["clip"]
        if changes.get("clip_threshold") is not None:
            session.clip_threshold = changes["clip_threshold"]
        if "layer" in changes:
            session.set_layer(changes["layer"])
        return describe(session)


@router.delete("/{session_id}", status_code=204, response_class=Response, responses=NOT_FOUND)
async def delete_session(session: SessionDep, store: StoreDep) -> Response:
    """Forget the session (an open stream on it is closed)."""
    async with session.lock:
        await store.delete(session.id)
    return Response(status_code=204)
