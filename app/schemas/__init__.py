"""Pydantic models of the API, in families: <Thing>Create / <Thing>Public / <Thing>Request."""

from app.schemas.frames import BackwardFramePublic, CursorsPublic, ForwardFramePublic, StepResponse
from app.schemas.presets import PresetsPublic
from app.schemas.session import (
    ResetRequest,
    SeekRequest,
    SessionCreate,
    SessionPublic,
    SessionUpdate,
    StepRequest,
)
from app.schemas.session_trace import SessionTracePublic
from app.schemas.trace import TraceRequest, TraceResponse
from app.schemas.training import ParamsPublic, TrainRequest, TrainResponse

__all__ = [
    "BackwardFramePublic",
    "CursorsPublic",
    "ForwardFramePublic",
    "ParamsPublic",
    "PresetsPublic",
    "ResetRequest",
    "SeekRequest",
    "SessionCreate",
    "SessionPublic",
    "SessionTracePublic",
    "SessionUpdate",
    "StepRequest",
    "StepResponse",
    "TraceRequest",
    "TraceResponse",
    "TrainRequest",
    "TrainResponse",
]
