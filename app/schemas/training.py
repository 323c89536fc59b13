"""Training schemas: one call runs a bounded number of updates and returns metrics per update."""

from typing import Literal

from lstm_explorer.app.schemas.common import (
    ClipKind,
    Finite,
    Int,
    Optimizer,
    OutArray,
    OutNumber,
    RequestModel,
)
from lstm_explorer.app.serialize import NonFinite
from lstm_explorer.engine.batches import MAX_BATCH_SIZE
from lstm_explorer.engine.training import UpdateMetrics
from pydantic import BaseModel, ConfigDict, Field

Fit = Literal["task", "sequence"]
FIT_HELP = (
    "'task': every update draws a fresh minibatch from the task (its generator, or the training "
    "part of its data set); 'sequence': fit only the sequence on screen. "
    "Default: 'task' where the session has a built-in task, 'sequence' for your own data."
)
BATCH_HELP = (
    "sequences per update, their gradients averaged (default 8 for 'task', 1 for 'sequence')"
)
HELDOUT_HELP = "measure the loss on the held-out sequences every n updates (and after the last)"


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
    fit: Fit | None = Field(None, description=FIT_HELP)
    batch_size: Int | None = Field(None, ge=1, le=MAX_BATCH_SIZE, description=BATCH_HELP)
    heldout_every: Int = Field(10, ge=1, description=HELDOUT_HELP)


class UpdateMetricsPublic(BaseModel):
    """One update: loss before it, gradient norm before/after clipping, and divergence."""

    update: int
    loss: OutNumber
    grad_norm: OutNumber
    grad_norm_after_clip: OutNumber
    clipped: bool
    diverged: bool
    heldout_loss: OutNumber = Field(
        None, description="mean loss per held-out sequence after this update, where measured"
    )


class MetricsFramePublic(UpdateMetricsPublic):
    """The stream's frame after each training update: the same metrics, typed "metrics"."""

    type: Literal["metrics"] = "metrics"
    nonfinite: bool | None = None


def update_metrics(m: UpdateMetrics, heldout: float | None, nf: NonFinite) -> UpdateMetricsPublic:
    """The one place an update's metrics take their public form (POST …/train, the stream);
    non-finite numbers are noted in `nf` (sent as null, the reply flagged)."""
    return UpdateMetricsPublic(
        update=m.update,
        loss=nf.number(m.loss),
        grad_norm=nf.number(m.grad_norm),
        grad_norm_after_clip=nf.number(m.grad_norm_after_clip),
        clipped=m.clipped,
        diverged=m.diverged,
        heldout_loss=None if heldout is None else nf.number(heldout),
    )


class TrainResponse(BaseModel):
    """Metrics of each update run now; diverged means training stopped on a non-finite value."""

    metrics: list[UpdateMetricsPublic]
    updates_total: int
    diverged: bool
    loss: OutNumber = Field(description="loss of the new parameters over the sequence on screen")
    fit: Fit
    batch_size: int
    heldout_loss: OutNumber = Field(
        description="mean loss per held-out sequence with the new parameters (null: no held-out "
        "set, the session's sequence is your own data)"
    )
    nonfinite: bool | None = None


class ParamsPublic(BaseModel):
    """The session's parameters, by notation key."""

    cell: str
    variant: str
    params: dict[str, OutArray]
    shapes: dict[str, list[int]]
    nonfinite: bool | None = None
