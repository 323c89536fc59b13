"""Training schemas: one call runs a bounded number of updates and returns metrics per update."""

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.common import (
    ClipKind,
    Finite,
    Int,
    Optimizer,
    OutArray,
    OutNumber,
    RequestModel,
)


class TrainRequest(RequestModel):
    """Updates to run now (≤ max_train_updates_per_call) and how; the optimiser state is kept."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"updates": 20, "optimizer": "adam", "learning_rate": 0.01}]
        }
    )

    updates: Int = Field(10, ge=1)
    optimizer: Optimizer = "adam"
    learning_rate: Finite = Field(0.01, gt=0)
    momentum: Finite = Field(0.0, ge=0, lt=1)
    clip: ClipKind | None = Field("norm", description="null: no clipping")
    clip_threshold: Finite = Field(5.0, gt=0)
    truncate: Int | None = Field(None, ge=1)


class UpdateMetricsPublic(BaseModel):
    """One update: loss before it, gradient norm before/after clipping, and divergence."""

    update: int
    loss: OutNumber
    grad_norm: OutNumber
    grad_norm_after_clip: OutNumber
    clipped: bool
    diverged: bool


class TrainResponse(BaseModel):
    """Metrics of each update run now; diverged means training stopped on a non-finite value."""

    metrics: list[UpdateMetricsPublic]
    updates_total: int
    diverged: bool
    loss: OutNumber = Field(description="loss of the new parameters over the sequence")
    nonfinite: bool | None = None


class ParamsPublic(BaseModel):
    """The session's parameters, by notation key."""

    cell: str
    variant: str
    params: dict[str, OutArray]
    shapes: dict[str, list[int]]
    nonfinite: bool | None = None
