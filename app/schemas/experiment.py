"""The variants experiment: start one (bounded), read its progress and result, cancel it."""

from typing import Literal

from lstm_explorer.app.experiment_jobs import CURVE_POINTS
from lstm_explorer.app.schemas.common import Bool, Finite, OutNumber, RequestModel, Seed
from lstm_explorer.engine.experiment import EXPERIMENT_VARIANTS, ExperimentConfig
from lstm_explorer.engine.tasks import TASKS
from lstm_explorer.engine.variants import Variant
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

_DEFAULT = ExperimentConfig()

# Bounds of one experiment, beside the settings: an experiment trains variants × seeds models in a
# server thread, so each factor is capped to keep a single request from occupying a core for long.
MAX_SEEDS = 10
MAX_VARIANTS = 12
MAX_UPDATES = 1000
MAX_HIDDEN_SIZE = 64
MAX_LENGTH = 200
MAX_TIME_BUDGET_SECONDS = 120.0
# Runs × updates × time steps: the work itself, whatever the mix (the default needs 216,000).
MAX_TRAINING_STEPS = 2_000_000
MAX_OPTIONS = 8
MAX_BATCH_SIZE = 16

# stopped: the time budget ran out first; abandoned: nobody read it for ABANDON_SECONDS.
ExperimentStatus = Literal["running", "complete", "stopped", "cancelled", "abandoned", "failed"]


class ExperimentCreate(RequestModel):
    """What to train: every variant from every seed on one task; omitted fields take defaults."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "task": "sine",
                    "task_options": {"length": 20},
                    "seeds": [0, 1, 2],
                    "updates": 100,
                    "variants": ["vanilla", "NFG", "CIFG"],
                }
            ]
        }
    )

    task: str = Field(_DEFAULT.task, description=f"one of {', '.join(TASKS)}")
    task_options: dict[str, int | Finite] = Field(
        default_factory=lambda: dict(_DEFAULT.task_options),
        max_length=MAX_OPTIONS,
        description="the task's options (see /presets); length ≤ 200 steps",
    )
    hidden_size: int = Field(_DEFAULT.hidden_size, ge=1, le=MAX_HIDDEN_SIZE)
    seeds: list[Seed] = Field(
        default_factory=lambda: list(_DEFAULT.seeds), min_length=1, max_length=MAX_SEEDS
    )
    updates: int = Field(_DEFAULT.updates, ge=1, le=MAX_UPDATES, description="per run")
    learning_rate: Finite = Field(_DEFAULT.learning_rate, gt=0, le=1)
    variants: list[str] = Field(
        default_factory=lambda: list(EXPERIMENT_VARIANTS), min_length=1, max_length=MAX_VARIANTS
    )
    time_budget_seconds: Finite = Field(
        _DEFAULT.time_budget_seconds,
        gt=0,
        le=MAX_TIME_BUDGET_SECONDS,
        description="no run starts after this; the result then says how many finished",
    )
    batch_size: int = Field(
        _DEFAULT.batch_size,
        ge=1,
        le=MAX_BATCH_SIZE,
        description="fresh sequences per update, their gradients averaged",
    )
    match_parameters: Bool = Field(
        _DEFAULT.match_parameters,
        description="give each variant the hidden size whose parameter count is closest to the "
        "vanilla LSTM's at hidden_size (FGR has 2.6× the parameters at equal H)",
    )

    @field_validator("task")
    @classmethod
    def _known_task(cls, value: str) -> str:
        if value not in TASKS:
            raise PydanticCustomError(
                "value_error",
                "unknown task {task}; known tasks: {known}",
                {"task": repr(value[:40]), "known": ", ".join(TASKS)},
            )
        return value

    @field_validator("seeds")
    @classmethod
    def _distinct_seeds(cls, value: list[int]) -> list[int]:
        if len(set(value)) != len(value):
            raise PydanticCustomError("value_error", "seeds must be distinct")
        return value

    @field_validator("variants")
    @classmethod
    def _known_variants(cls, value: list[str]) -> list[str]:
        keys = []
        for key in value:
            # Variant.parse names the problem ("variant: unknown key 'X'; known keys: ...");
            # pydantic takes its FieldError as any ValueError and locates it at `variants`.
            keys.append(Variant.parse(key[:40]).key)
        if len(set(keys)) != len(keys):
            raise PydanticCustomError("value_error", "variants must be distinct")
        return value


class ExperimentCreated(BaseModel):
    """The new experiment: poll GET /experiments/{id} for its progress."""

    id: str
    status: ExperimentStatus
    total: int


class ExperimentConfigPublic(BaseModel):
    task: str
    task_options: dict[str, float]
    hidden_size: int
    seeds: list[int]
    updates: int
    learning_rate: float
    optimizer: str
    clip_threshold: float
    eval_sequences: int
    variants: list[str]
    time_budget_seconds: float
    sequence_length: int
    batch_size: int
    match_parameters: bool


class RunPublic(BaseModel):
    """One variant trained from one seed; losses are mean held-out loss per sequence."""

    variant: str
    seed: int
    initial_loss: OutNumber
    final_loss: OutNumber = Field(description="null when training diverged")
    diverged: bool
    seconds: float
    hidden_size: int = Field(
        description="H of this run (differs per variant with match_parameters)"
    )
    parameters: int = Field(description="the model's parameter count")
    final_accuracy: OutNumber = Field(
        None,
        description="cross-entropy tasks: share of held-out target steps whose most likely "
        "class is right (reber: allowed by the grammar); null for mse",
    )
    curve: list[OutNumber] = Field(description=f"training loss, at most {CURVE_POINTS} points")
    curve_updates: list[int] = Field(description="the update (1-based) of each curve point")


class ExperimentPublic(BaseModel):
    """Progress so far (runs arrive seed by seed, every variant per seed), then the result."""

    id: str
    status: ExperimentStatus
    done: int
    total: int
    complete: bool
    elapsed_seconds: float
    config: ExperimentConfigPublic
    runs: list[RunPublic]
    medians: dict[str, OutNumber]
    summary: str
    finding: str = Field(description="what Greff et al. (2017) found, to read the result beside")
    error: str | None = None
    nonfinite: bool | None = None


class ExperimentDefaultsPublic(BaseModel):
    """The default request, the bounds of each field, and Greff et al.'s finding."""

    defaults: ExperimentCreate
    limits: dict[str, float]
    max_running: int
    finding: str
