"""What the sequence panel asks of a session: its sequence, the connectivity of one output step,
and the units that are on inside a selected span (app/sessions/sequence_view.py)."""

from typing import Annotated, Any

from fastapi import APIRouter, Query
from lstm_explorer.app.deps import SessionDep
from lstm_explorer.app.errors import fields_in
from lstm_explorer.app.routes.common import NOT_FOUND, StrictJSONRoute
from lstm_explorer.app.schemas.connectivity import (
    ConnectivityPublic,
    SequencePublic,
    UnitRankPublic,
    UnitRankRequest,
)
from lstm_explorer.app.serialize import JSONBytesResponse
from lstm_explorer.app.sessions.sequence_view import output_connectivity, ranked_units, sequence_of
from starlette.concurrency import run_in_threadpool

router = APIRouter(prefix="/sessions/{session_id}", tags=["sequence"], route_class=StrictJSONRoute)


@router.get("/sequence", response_model=SequencePublic, responses=NOT_FOUND)
async def read_sequence(session: SessionDep) -> JSONBytesResponse:
    """Every step's input and target (tokens and vocabulary for a text; the original scale and
    the normalisation for a z-scored series): the data, before any step is computed."""
    async with session.lock:
        return JSONBytesResponse(await run_in_threadpool(sequence_of, session))


@router.get("/connectivity", response_model=ConnectivityPublic, responses=NOT_FOUND)
async def read_connectivity(
    session: SessionDep,
    t: Annotated[int, Query(description="the output step; computed forward already")],
) -> JSONBytesResponse:
    """‖∂ŷ(t)/∂x(t′)‖ (Frobenius norm of the O×D Jacobian; ŷ the softmax for cross-entropy)
    for t′ = 0 … t, backpropagated from that one output. 422 naming t for a step out of range
    or not computed forward yet."""
    async with session.lock:
        with fields_in("query"):
            body = await run_in_threadpool(output_connectivity, session, t)
        return JSONBytesResponse(body)


@router.post("/units/rank", response_model=UnitRankPublic, responses=NOT_FOUND)
async def rank_units(session: SessionDep, body: UnitRankRequest) -> dict[str, Any]:
    """The units whose quantity is on inside steps [start, stop) and off at the other computed
    steps, best first: score = (mean on-ness inside − outside) / its range (LSTMVis's selection)."""
    async with session.lock:
        return await run_in_threadpool(
            ranked_units,
            session,
            body.quantity,
            body.direction,
            body.start,
            body.stop,
            body.polarity,
            body.top,
        )
