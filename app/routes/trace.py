"""POST /api/v1/trace: stateless, one request in, the whole computation out."""

from fastapi import APIRouter
from lstm_explorer.app import trace_service
from lstm_explorer.app.deps import SettingsDep
from lstm_explorer.app.routes.common import TOO_LARGE, StrictJSONRoute
from lstm_explorer.app.schemas import TraceRequest, TraceResponse
from lstm_explorer.app.serialize import JSONBytesResponse
from starlette.concurrency import run_in_threadpool

router = APIRouter(tags=["trace"], route_class=StrictJSONRoute)


@router.post("/trace", response_model=TraceResponse, responses=TOO_LARGE)
async def create_trace(body: TraceRequest, settings: SettingsDep) -> JSONBytesResponse:
    """Run forward over the inputs and BPTT back; return every quantity, gradient and the loss."""
    result = await run_in_threadpool(trace_service.run, body, settings)
    return JSONBytesResponse(result)
