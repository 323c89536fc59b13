"""Pydantic models of the API, in families: <Thing>Create / <Thing>Public / <Thing>Request."""

from lstm_explorer.app.schemas.frames import (
    BackwardFramePublic,
    CursorsPublic,
    ForwardFramePublic,
    StepResponse,
)
from lstm_explorer.app.schemas.presets import PresetsPublic
from lstm_explorer.app.schemas.session import (
    ResetRequest,
    SeekRequest,
    SessionCreate,
    SessionPublic,
    SessionUpdate,
    StepRequest,
)
from lstm_explorer.app.schemas.session_trace import SessionTracePublic
from lstm_explorer.app.schemas.trace import TraceRequest, TraceResponse
from lstm_explorer.app.schemas.training import ParamsPublic, TrainRequest, TrainResponse

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
