"""WebSocket commands (client → server) of /api/v1/sessions/{id}/stream, one JSON object each."""

from typing import Annotated, Literal

from lstm_explorer.app.schemas.common import (
    Bool,
    ClipKind,
    Direction,
    Finite,
    Int,
    Optimizer,
    RequestModel,
)
from lstm_explorer.app.schemas.training import BATCH_HELP, FIT_HELP, HELDOUT_HELP, Fit
from lstm_explorer.engine.batches import MAX_BATCH_SIZE
from pydantic import Field, TypeAdapter

Rate = Annotated[
    float, Field(strict=True, gt=0, le=10_000, allow_inf_nan=False, description="frames/s")
]


class StepForwardCmd(RequestModel):
    cmd: Literal["step_forward"]


class StepBackCmd(RequestModel):
    cmd: Literal["step_back"]


class PlayCmd(RequestModel):
    """Step on by itself at `rate` frames/s (null: as fast as the client reads)."""

    cmd: Literal["play"]
    rate: Rate | None = 10.0
    direction: Direction = "forward"


class PauseCmd(RequestModel):
    cmd: Literal["pause"]


class StopCmd(RequestModel):
    cmd: Literal["stop"]


class SpeedCmd(RequestModel):
    cmd: Literal["speed"]
    rate: Rate | None


class SeekCmd(RequestModel):
    cmd: Literal["seek"]
    t: Int = Field(ge=0)
    direction: Direction = "forward"


class RunBackwardCmd(RequestModel):
    """BPTT one step at a time from where it stands (the end at first), as a stream."""

    cmd: Literal["run_backward"]
    rate: Rate | None = None
    grads: Bool = False


class TrainCmd(RequestModel):
    """Train until stop (or `updates`): a metrics frame per update, a forward frame now and then."""

    cmd: Literal["train"]
    optimizer: Optimizer = "adam"
    learning_rate: Finite = Field(0.01, gt=0)
    momentum: Finite = Field(0.0, ge=0, lt=1)
    clip: ClipKind | None = "norm"
    clip_threshold: Finite = Field(5.0, gt=0)
    truncate: Int | None = Field(None, ge=1)
    updates: Int | None = Field(None, ge=1, description="stop after this many (null: until stop)")
    frame_every: Int = Field(10, ge=1, description="a fresh forward frame every n updates")
    rate: Rate | None = Field(
        None, description="updates per second (null: as fast as they compute)"
    )
    fit: Fit | None = Field(None, description=FIT_HELP)
    batch_size: Int | None = Field(None, ge=1, le=MAX_BATCH_SIZE, description=BATCH_HELP)
    heldout_every: Int = Field(10, ge=1, description=HELDOUT_HELP)


class ResetCmd(RequestModel):
    cmd: Literal["reset"]


class GetStateCmd(RequestModel):
    cmd: Literal["get_state"]


Command = Annotated[
    StepForwardCmd
    | StepBackCmd
    | PlayCmd
    | PauseCmd
    | StopCmd
    | SpeedCmd
    | SeekCmd
    | RunBackwardCmd
    | TrainCmd
    | ResetCmd
    | GetStateCmd,
    Field(discriminator="cmd"),
]
COMMAND_ADAPTER: TypeAdapter[Command] = TypeAdapter(Command)
COMMAND_NAMES = (
    "step_forward",
    "step_back",
    "play",
    "pause",
    "stop",
    "speed",
    "seek",
    "run_backward",
    "train",
    "reset",
    "get_state",
)
