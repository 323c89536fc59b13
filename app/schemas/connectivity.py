"""What the sequence panel reads: the sequence itself, the connectivity of one output step, and
the units ranked for a selected span."""

from typing import Literal

from lstm_explorer.app.schemas.common import Direction, Int, OutNumber, RequestModel
from pydantic import BaseModel, ConfigDict, Field

Polarity = Literal["high", "low", "magnitude"]


class ScalePart(BaseModel):
    """One side's normalisation: raw = z · std + mean, per channel, in `units`."""

    mean: list[float]
    std: list[float]
    units: list[str]


class ScalePublic(BaseModel):
    inputs: ScalePart
    outputs: ScalePart | None = Field(description="null: the outputs are not on a known scale")
    normalisation: str = Field(description="how the values were scaled, in words")


class SequencePublic(BaseModel):
    """The session's sequence: as the model reads it, and on the data's own scale."""

    T: int
    task_type: str
    loss: str
    input_names: list[str]
    output_names: list[str]
    inputs: list[list[float]] | None = Field(
        description="T×D, as the model reads them (null for a text: its tokens say it all)"
    )
    input_mask: list[bool] = Field(description="per step: does any input channel carry a value")
    targets: list[list[float] | int | None] = Field(
        description="per step: O numbers, a label or null"
    )
    target_mask: list[bool]
    vocabulary: list[str] | None = Field(description="text tasks: the characters, one-hot order")
    tokens: list[int | None] | None = Field(description="text tasks: the input's vocabulary index")
    scale: ScalePublic | None = Field(description="null: the data is used as it is")
    inputs_raw: list[list[float]] | None = Field(description="T×D on the data's own scale")
    targets_raw: list[list[float] | None] | None = None
    step_labels: list[str] | None = Field(description="shipped series: the time of each input")


class ConnectivityPublic(BaseModel):
    """‖∂ŷ(t)/∂x(t′)‖_F for t′ = 0 … t: how much the prediction of step t depends on each input."""

    t: int
    output: Literal["y_hat"] = "y_hat"
    norms: list[OutNumber] = Field(description="t + 1 numbers, t′ = 0 … t")
    nonfinite: bool | None = None


class UnitRankRequest(RequestModel):
    """A span [start, stop) of computed steps and the quantity whose on-ness ranks the units."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"start": 10, "stop": 18, "quantity": "c"}]}
    )

    start: Int = Field(ge=0, description="first step of the span")
    stop: Int = Field(ge=1, description="one past the span's last step")
    quantity: str = Field(
        "c", max_length=20, description="a per-unit key: c, y, z, i, f, o (RNN h, a), or an error δ"
    )
    direction: Direction = Field("forward", description="backward: the key is an error (dc, …)")
    polarity: Polarity = Field(
        "high", description="on = high values, low values, or a large magnitude (either sign)"
    )
    top: Int | None = Field(None, ge=1, description="keep the best `top` units (default: all)")


class RankedUnitPublic(BaseModel):
    unit: int
    score: float = Field(
        description="(mean on-ness inside − mean outside) / its range over the steps; −1 … 1"
    )
    inside: float
    outside: float


class UnitRankPublic(BaseModel):
    quantity: str
    direction: Direction
    polarity: Polarity
    start: int
    stop: int
    steps: list[int] = Field(description="[lo, hi): the computed steps compared")
    units: list[RankedUnitPublic]


__all__ = [
    "ConnectivityPublic",
    "SequencePublic",
    "UnitRankPublic",
    "UnitRankRequest",
]
