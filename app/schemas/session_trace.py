"""GET /sessions/{id}/trace: whole arrays for the charts."""

from lstm_explorer.app.schemas.common import OutMatrix, OutNumber, OutVector
from lstm_explorer.app.schemas.frames import CursorsPublic
from pydantic import BaseModel, Field


class SessionTracePublic(BaseModel):
    """Forward arrays of the computed steps, backward arrays (zero where BPTT has not been),
    error norms per step, loss per step, and on request the connectivity ‖∂y(T−1)/∂x(t)‖."""

    cursors: CursorsPublic
    forward: dict[str, OutMatrix] = Field(description="key → computed_forward × n")
    backward: dict[str, OutMatrix] = Field(description="key → T × n; empty before BPTT")
    delta_norms: dict[str, OutVector] = Field(description="‖dy(t)‖, ‖dc(t)‖, ‖dx(t)‖ per step")
    loss_t: OutVector = Field(description="loss per computed step (0 where no target)")
    target_mask: list[bool]
    targets: list[list[float] | int | None] = Field(
        description="per step: the target (O numbers for MSE, a label for cross-entropy) or null"
    )
    loss: OutNumber
    connectivity: OutVector | None = None
    nonfinite: bool | None = None
