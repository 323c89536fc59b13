"""POST /api/v1/trace: stateless, one request in, the whole computation out."""

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from app import trace_service
from app.deps import SettingsDep
from app.routes.common import TOO_LARGE, StrictJSONRoute
from app.schemas import TraceRequest, TraceResponse
from app.serialize import JSONBytesResponse

router = APIRouter(tags=["trace"], route_class=StrictJSONRoute)


@router.post("/trace", response_model=TraceResponse, responses=TOO_LARGE)
async def create_trace(body: TraceRequest, settings: SettingsDep) -> JSONBytesResponse:
    """Run forward over the inputs and BPTT back; return every quantity, gradient and the loss."""
    result = await run_in_threadpool(trace_service.run, body, settings)
    return JSONBytesResponse(result)
