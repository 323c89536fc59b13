"""POST /api/v1/trace: one request in, the whole forward pass and BPTT out."""

from typing import Any

from lstm_explorer.app.schemas.common import (
    Cell,
    Int,
    Loss,
    Matrix,
    NamedArray,
    OutArray,
    OutMatrix,
    OutNumber,
    OutVector,
    RequestModel,
    Vector,
)
from pydantic import BaseModel, ConfigDict, Field

# A target per step: O numbers (mse), a class label (cross_entropy), or null (no target).
TargetEntry = Vector | Int | None

_RNN_EXAMPLE: dict[str, Any] = {
    "cell": "rnn",
    "params": {
        "U": [[0.5], [-0.3]],
        "W": [[0.1, 0.2], [0.0, 0.4]],
        "b": [0.0, 0.1],
        "V": [[1.0, -1.0]],
        "c": [0.0],
    },
    "inputs": [[1.0], [0.5], [-0.5]],
    "targets": [None, [0.2], [0.1]],
    "loss": "mse",
}
_LSTM_EXAMPLE: dict[str, Any] = {
    "cell": "lstm",
    "variant": "NP",
    "params": {
        "W_z": [[0.5]],
        "W_i": [[0.4]],
        "W_f": [[0.3]],
        "W_o": [[0.2]],
        "R_z": [[0.1]],
        "R_i": [[0.1]],
        "R_f": [[0.1]],
        "R_o": [[0.1]],
        "b_z": [0.0],
        "b_i": [0.0],
        "b_f": [1.0],
        "b_o": [0.0],
        "V": [[1.0]],
        "b_V": [0.0],
    },
    "inputs": [[1.0], [0.0]],
    "targets": [[0.5], [0.2]],
    "loss": "mse",
    "initial_state": {"y": [0.0], "c": [0.1]},
    "truncate": 1,
}


class TraceRequest(RequestModel):
    """A model (cell, variant, named parameters) and a sequence; sizes come from the params."""

    model_config = ConfigDict(json_schema_extra={"examples": [_RNN_EXAMPLE, _LSTM_EXAMPLE]})

    cell: Cell = "lstm"
    variant: str = Field("vanilla", max_length=100, description="LSTM only, e.g. 'NP+CIFG'")
    params: dict[str, NamedArray] = Field(
        description="named arrays as in the notation (W_z … b_V, or U W b V c); matrices as rows"
    )
    inputs: Matrix = Field(description="T×D inputs, one row per time step")
    targets: list[TargetEntry] | None = Field(
        None, description="T entries: O numbers (mse) or a label (cross_entropy); null: no target"
    )
    loss: Loss = "mse"
    num_layers: Int = Field(
        1, ge=1, description="L stacked layers; layer l ≥ 1's keys end in @l (W_z@1, y@1, …)"
    )
    initial_state: dict[str, Vector] | None = Field(
        None, description="y and c (LSTM) or h (RNN), y@1 … for layer 1 …; zeros where absent"
    )
    truncate: Int | None = Field(None, ge=1, description="truncated BPTT over k steps")


class TraceResponse(BaseModel):
    """Every per-step quantity (T×n), every gradient, and the loss; null marks a non-finite number."""

    forward: dict[str, OutMatrix]
    backward: dict[str, OutMatrix]
    grads: dict[str, OutArray]
    initial_state_grads: dict[str, OutVector]
    loss: OutNumber
    nonfinite: bool | None = None
