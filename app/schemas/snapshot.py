"""A session snapshot's meta (GET …/snapshot, POST /sessions/restore): everything but the arrays.

One model both ways: the download is built as a SnapshotMeta (so it is valid by construction)
and an uploaded one is read back through it (so a bad field is a 422 naming it).
"""

from typing import Annotated, Any, Literal

from lstm_explorer.app.schemas.common import Bool, Cell, ClipKind, Finite, Int, Loss, Optimizer
from pydantic import BaseModel, ConfigDict, Field

FORMAT: Literal["lstm-explorer-session"] = "lstm-explorer-session"
VERSION: Literal[1] = 1

ShortName = Annotated[str, Field(max_length=100)]


class _Strict(BaseModel):
    """Fields as written: no unknown keys, no coercion ("1" is not 1), no NaN."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class InitSnapshot(_Strict):
    """How the parameters were drawn (engine.init.init_params); absent: its defaults."""

    scheme: str | None = Field(None, max_length=20)
    recurrent: str | None = Field(None, max_length=20)
    forget_bias: Finite | None = Field(None, ge=-100, le=100)
    peephole_scale: Finite | None = Field(None, ge=0, le=10)


class ConfigSnapshot(_Strict):
    cell: Cell
    variant: str = Field(max_length=100)
    input_size: Int = Field(ge=1)
    hidden_size: Int = Field(ge=1)
    num_layers: Int = Field(1, ge=1)
    output_size: Int = Field(ge=1)
    loss: Loss
    seed: Int = Field(0, ge=0)
    init: InitSnapshot = Field(default_factory=InitSnapshot)
    truncate: Int | None = Field(None, ge=1)
    clip: ClipKind | None = None
    clip_threshold: Finite = Field(5.0, gt=0)
    task_options: dict[str, Any] = Field(default_factory=dict)


class TaskSnapshot(_Strict):
    name: str = Field("restored", max_length=100)
    task_type: str = Field(max_length=50)
    description: str = Field("", max_length=500)
    input_names: list[ShortName]
    output_names: list[ShortName]
    extra: dict[str, Any] = Field(default_factory=dict)


class TrainConfigSnapshot(_Strict):
    """engine.training.TrainConfig's fields."""

    optimizer: Optimizer = "adam"
    learning_rate: Finite = Field(0.01, gt=0)
    momentum: Finite = Field(0.0, ge=0, lt=1)
    clip: ClipKind | None = "norm"
    clip_threshold: Finite = Field(5.0, gt=0)
    truncate: Int | None = Field(None, ge=1)


class TrainingSnapshot(_Strict):
    updates: Int = Field(0, ge=0)
    diverged: Bool = False
    config: TrainConfigSnapshot | None = None
    optimizer: dict[str, Any] | None = Field(
        None, description="the optimiser's state_dict without its arrays (those are arrays)"
    )


class CursorsSnapshot(_Strict):
    forward_t: Int = Field(0, ge=0, description="forward steps shown")


class SnapshotMeta(_Strict):
    """meta.json of an npz snapshot; a JSON snapshot is this object plus `arrays`."""

    format: Literal["lstm-explorer-session"] = FORMAT
    version: Literal[1] = VERSION
    config: ConfigSnapshot
    task: TaskSnapshot
    training: TrainingSnapshot = Field(default_factory=TrainingSnapshot)
    cursors: CursorsSnapshot = Field(default_factory=CursorsSnapshot)
