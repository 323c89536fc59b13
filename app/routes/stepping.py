"""Stepping a session: forward, back (rewind), BPTT, seek, reset; the whole trace for the charts."""

from typing import Annotated, Any

from fastapi import APIRouter, Query
from lstm_explorer.app.deps import SessionDep
from lstm_explorer.app.errors import fields_in
from lstm_explorer.app.routes.common import NOT_FOUND, StrictJSONRoute
from lstm_explorer.app.schemas import (
    ResetRequest,
    SeekRequest,
    SessionPublic,
    SessionTracePublic,
    StepRequest,
)
from lstm_explorer.app.schemas.common import Direction
from lstm_explorer.app.schemas.frames import (
    BackwardFramePublic,
    ComputedFramesResponse,
    ForwardFramePublic,
    StepResponse,
)
from lstm_explorer.app.serialize import JSONBytesResponse
from lstm_explorer.app.sessions import Session
from lstm_explorer.app.sessions.factory import describe
from lstm_explorer.app.sessions.session import StepResult
from starlette.concurrency import run_in_threadpool

router = APIRouter(prefix="/sessions/{session_id}", tags=["stepping"], route_class=StrictJSONRoute)


def _reply(session: Session, result: StepResult) -> JSONBytesResponse:
    return JSONBytesResponse(
        {
            "frames": result.frames,
            "steps": result.steps,
            "frames_dropped": result.dropped,
            "cursors": session.cursors(),
        }
    )


@router.post("/forward", response_model=StepResponse, responses=NOT_FOUND)
async def step_forward(session: SessionDep, body: StepRequest | None = None) -> JSONBytesResponse:
    """Show the next step(s) forward (replayed if already computed); to_end runs to T−1."""
    body = body or StepRequest()
    async with session.lock:
        result = await run_in_threadpool(session.forward, body.steps, body.to_end)
        return _reply(session, result)


@router.post("/back", response_model=StepResponse, responses=NOT_FOUND)
async def step_back(session: SessionDep, body: StepRequest | None = None) -> JSONBytesResponse:
    """Rewind the forward cursor by step(s) (to_end: to step 0); frames are replayed, not recomputed."""
    body = body or StepRequest()
    async with session.lock:
        steps = session.T if body.to_end else body.steps
        result = await run_in_threadpool(session.back, steps)
        return _reply(session, result)


@router.post("/backward", response_model=StepResponse, responses=NOT_FOUND)
async def step_backward(session: SessionDep, body: StepRequest | None = None) -> JSONBytesResponse:
    """BPTT step(s) from the end towards step 0 (finishing the forward pass first)."""
    body = body or StepRequest()
    async with session.lock:
        result = await run_in_threadpool(session.backward, body.steps, body.to_end, body.grads)
        return _reply(session, result)


@router.post("/seek", response_model=ForwardFramePublic | BackwardFramePublic, responses=NOT_FOUND)
async def seek_step(session: SessionDep, body: SeekRequest) -> JSONBytesResponse:
    """Move the forward or backward cursor to step t and return that step's frame."""
    async with session.lock:
        frame = await run_in_threadpool(session.seek, body.t, body.direction, body.grads)
        return JSONBytesResponse(frame)


@router.get("/frames", response_model=ComputedFramesResponse, responses=NOT_FOUND)
async def read_frames(
    session: SessionDep,
    start: Annotated[int, Query(ge=0, description="first step")],
    stop: Annotated[int, Query(ge=1, description="one past the last step")],
    direction: Annotated[Direction, Query()] = "forward",
) -> JSONBytesResponse:
    """Frames of steps [start, stop) already computed (at most 200 from start), built as stepped
    frames are; the cursors do not move. A step not computed yet is a 422 naming start or stop."""
    async with session.lock:
        with fields_in("query"):  # start and stop are query parameters
            frames = await run_in_threadpool(session.computed_frames, direction, start, stop)
        return JSONBytesResponse({"frames": frames, "cursors": session.cursors()})


@router.post("/reset", response_model=SessionPublic, responses=NOT_FOUND)
async def reset_session(session: SessionDep, body: ResetRequest | None = None) -> dict[str, Any]:
    """Cursors back to the start; reinit draws fresh parameters and forgets the training."""
    body = body or ResetRequest()
    async with session.lock:
        await run_in_threadpool(session.reset, body.reinit, body.seed)
        return describe(session)


@router.get("/trace", response_model=SessionTracePublic, responses=NOT_FOUND)
async def read_session_trace(
    session: SessionDep,
    connectivity: Annotated[bool, Query(description="add ‖∂y(last)/∂x(t)‖ per step")] = False,
) -> JSONBytesResponse:
    """Whole arrays for the charts: forward, backward, error norms and loss per step."""
    async with session.lock:
        trace = await run_in_threadpool(session.trace, connectivity)
        return JSONBytesResponse(trace)
