"""Session schemas: create (from config), settings update, stepping, reset, and what GET returns."""

from typing import Any

from lstm_explorer.app.schemas.common import (
    Bool,
    Cell,
    ClipKind,
    Direction,
    Finite,
    Int,
    Loss,
    Matrix,
    RequestModel,
    Seed,
)
from lstm_explorer.app.schemas.frames import CursorsPublic
from lstm_explorer.app.schemas.trace import TargetEntry
from pydantic import BaseModel, ConfigDict, Field


class InitOptions(RequestModel):
    """How fresh parameters are drawn (engine.init.init_params)."""

    scheme: str = Field("xavier", description="'xavier' or 'uniform' for W, U and V")
    recurrent: str = Field("orthogonal", description="'orthogonal', 'xavier' or 'uniform'")
    forget_bias: Finite = Field(1.0, ge=-100, le=100)
    peephole_scale: Finite = Field(0.1, ge=0, le=10)


class TaskChoice(RequestModel):
    """A built-in task (GET /api/v1/presets lists them) and its options."""

    name: str = Field("sine", max_length=50)
    options: dict[str, Finite] = Field(default_factory=dict, description="e.g. {'length': 50}")


class SequenceIn(RequestModel):
    """Your own sequence: T×D inputs and per-step targets (null entries: no target)."""

    inputs: Matrix
    targets: list[TargetEntry] = Field(description="T entries: O numbers (mse) or labels")
    n_classes: Int | None = Field(None, ge=1, description="cross_entropy: number of classes")


class SessionCreate(RequestModel):
    """A model, a sequence (a task or your own) and how to initialise and step it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "cell": "lstm",
                    "variant": "vanilla",
                    "hidden_size": 8,
                    "seed": 0,
                    "task": {"name": "sine", "options": {"length": 30}},
                },
                {
                    "cell": "rnn",
                    "hidden_size": 3,
                    "loss": "mse",
                    "sequence": {"inputs": [[0.0], [1.0], [0.5]], "targets": [None, [1.0], [0.5]]},
                },
            ]
        }
    )

    cell: Cell = "lstm"
    variant: str = Field("vanilla", max_length=100, description="LSTM only, e.g. 'NP+CIFG'")
    hidden_size: Int | None = Field(None, ge=1, description="H; default: the task's suggestion")
    num_layers: Int = Field(
        1, ge=1, description="L stacked layers, each of H cells (at most max_num_layers)"
    )
    loss: Loss | None = Field(None, description="default: the task's loss (mse for a sequence)")
    seed: Seed = 0
    init: InitOptions = Field(default_factory=InitOptions)
    task: TaskChoice | None = Field(None, description="default: the sine task")
    sequence: SequenceIn | None = Field(None, description="instead of a task")
    text: str | None = Field(
        None,
        description="instead of a task: your own UTF-8 text, read one character per step "
        "(next-character prediction); the vocabulary is its distinct characters",
    )
    truncate: Int | None = Field(None, ge=1, description="truncated BPTT over k steps")
    clip: ClipKind | None = "norm"
    clip_threshold: Finite = Field(5.0, gt=0)


class SessionUpdate(RequestModel):
    """Change truncation or clipping; fields left out stay as they are (null: turn off)."""

    truncate: Int | None = Field(None, ge=1)
    clip: ClipKind | None = None
    clip_threshold: Finite | None = Field(None, gt=0)
    layer: Int | None = Field(
        None, ge=0, description="the layer every frame shows (stacked models; null: the top)"
    )


class SizesPublic(BaseModel):
    input_size: int
    hidden_size: int
    output_size: int


class TaskPublic(BaseModel):
    """The session's sequence: where it came from and what its columns mean."""

    name: str
    task_type: str
    description: str
    input_names: list[str]
    output_names: list[str]
    options: dict[str, Any] = Field(default_factory=dict)
    extra: dict[str, Any] = Field(default_factory=dict)


class TrainingStatePublic(BaseModel):
    updates: int
    optimizer: str | None
    learning_rate: float | None
    diverged: bool
    last_loss: float | None


class SessionPublic(BaseModel):
    """A session: its model, sequence, cursors and settings."""

    id: str
    cell: Cell
    variant: str
    structure: dict[str, bool]
    sizes: SizesPublic
    loss: Loss
    num_layers: int = 1
    layer: int | None = Field(None, description="the layer frames show (stacked models only)")
    seed: int
    T: int
    cursors: CursorsPublic
    truncate: int | None
    clip: ClipKind | None
    clip_threshold: float
    param_shapes: dict[str, list[int]]
    forward_keys: list[str]
    backward_keys: list[str]
    task: TaskPublic
    training: TrainingStatePublic
    source: str = Field(description="'config', 'upload' or 'restore'")
    vocabulary: list[str] | None = Field(
        None, description="text tasks: the characters in one-hot order (input and output k)"
    )


class StepRequest(RequestModel):
    """How many steps to take; to_end goes as far as the sequence allows."""

    steps: Int = Field(1, ge=1)
    to_end: Bool = False
    grads: Bool = Field(False, description="backward frames: include the gradients so far")


class SeekRequest(RequestModel):
    """Move a cursor to step t (computing up to it where needed)."""

    t: Int = Field(ge=0)
    direction: Direction = "forward"
    grads: Bool = False


class ResetRequest(RequestModel):
    """Back to step 0; reinit draws fresh parameters (seed: a new one) and forgets training."""

    reinit: Bool = False
    seed: Seed | None = None
