"""What the page's pickers offer: tasks, variants, cells, optimisers, with defaults and limits."""

from pydantic import BaseModel


class TaskOptionPublic(BaseModel):
    name: str
    default: float
    low: float
    high: float
    integer: bool
    help: str


class TaskPresetPublic(BaseModel):
    """A built-in task: its type, loss, sizes, a hidden size that learns it, and its options."""

    name: str
    description: str
    task_type: str
    loss: str
    input_size: int
    output_size: int
    hidden_size: int
    options: list[TaskOptionPublic]


class VariantPresetPublic(BaseModel):
    """An LSTM variant (Greff et al. 2017, section 3) and the switches it sets."""

    key: str
    description: str
    structure: dict[str, bool]


class LimitsPublic(BaseModel):
    max_hidden_size: int
    max_num_layers: int
    max_input_size: int
    max_output_size: int
    max_sequence_length: int
    max_train_updates_per_call: int
    max_upload_bytes: int
    max_session_bytes: int
    max_sessions: int


class PresetsPublic(BaseModel):
    """Everything a new session can be made of, with one-line explanations."""

    tasks: list[TaskPresetPublic]
    variants: list[VariantPresetPublic]
    cells: dict[str, str]
    losses: dict[str, str]
    optimizers: dict[str, str]
    init_schemes: list[str]
    recurrent_schemes: list[str]
    limits: LimitsPublic
