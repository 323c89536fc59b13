"""Frames: what one forward or backward step shows, in the notation keys (docs/ARCHITECTURE.md)."""

from typing import Literal

from lstm_explorer.app.schemas.common import OutArray, OutNumber, OutVector
from pydantic import BaseModel, Field


class ForwardFramePublic(BaseModel):
    """Forward step t: every value of the cell (x, y_prev, c_prev, z_bar, z, …, y_hat, target)."""

    type: Literal["forward"] = "forward"
    t: int
    T: int
    values: dict[str, OutVector | int | None] = Field(
        description="notation key → H, D or O numbers; 'target' is O numbers, a label, or null"
    )
    loss_t: OutNumber
    saturation: OutNumber
    layer: int | None = Field(None, description="a stacked model: the layer `values` are of")
    stack: dict[str, list[OutVector]] | None = Field(
        None, description="a stacked model: c, y, z, i, f, o (RNN: h, a) of every layer at t"
    )
    nonfinite: bool | None = None


class BackwardFramePublic(BaseModel):
    """BPTT step t: the errors (dy, do_bar, dc, …), their norms, and the gradient norm so far."""

    type: Literal["backward"] = "backward"
    t: int
    T: int
    deltas: dict[str, OutVector]
    delta_norms: dict[str, OutNumber] = Field(description="‖dy‖, ‖dc‖, ‖dx‖ (RNN: ‖dh‖, ‖dx‖)")
    cut_to_prev: bool = Field(
        description="truncated BPTT drops what step t sends back: step t−1 receives nothing"
    )
    grad_norm: OutNumber
    grads: dict[str, OutArray] | None = Field(
        None, description="d<param> accumulated from T−1 down to t (when asked for)"
    )
    layer: int | None = Field(None, description="a stacked model: the layer `deltas` are of")
    stack: dict[str, list[OutVector]] | None = Field(
        None, description="a stacked model: dc, dy, d*_bar (RNN: dh, da) of every layer at t"
    )
    nonfinite: bool | None = None


class CursorsPublic(BaseModel):
    """Where the session stands: shown forward steps, and how far BPTT has come back."""

    T: int
    forward_t: int = Field(description="steps shown; the last forward frame is forward_t − 1")
    computed_forward: int
    backward_t: int = Field(description="T before BPTT starts, 0 when it has reached step 0")
    computed_backward: int
    forward_done: bool
    backward_done: bool


class StepResponse(BaseModel):
    """Frames of the steps taken (at most max_frames, the last ones) and the cursors after them."""

    frames: list[ForwardFramePublic | BackwardFramePublic]
    steps: int = Field(description="steps actually taken")
    frames_dropped: int = Field(0, description="earlier frames left out to keep the reply small")
    cursors: CursorsPublic


class ComputedFramesResponse(BaseModel):
    """Frames of already computed steps, as stepped; the cursors, which did not move."""

    frames: list[ForwardFramePublic | BackwardFramePublic]
    cursors: CursorsPublic
