"""Shared types of the API schemas: finite numbers, named arrays, the base request model."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

# Strict: what the schema says is what is accepted (true is not 1, "1.5" is not 1.5), and
# NaN and ±Infinity are refused (422) wherever a number is read.
Finite = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Int = Annotated[int, Field(strict=True)]
Bool = Annotated[bool, Field(strict=True)]
Vector = list[Finite]
Matrix = list[list[Finite]]
NamedArray = Vector | Matrix
# What the server sends: non-finite numbers become null (and the object says "nonfinite": true).
OutNumber = float | None
OutVector = list[OutNumber]
OutMatrix = list[list[OutNumber]]
OutArray = OutVector | OutMatrix

Cell = Literal["lstm", "rnn"]
Loss = Literal["mse", "cross_entropy"]
Direction = Literal["forward", "backward"]
ClipKind = Literal["norm", "value"]
Optimizer = Literal["sgd", "adam"]
Seed = Annotated[int, Field(strict=True, ge=0, le=2**32 - 1, description="random seed (0 … 2³²−1)")]


class RequestModel(BaseModel):
    """Base of every request body: unknown fields are an error (a typo is not ignored)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
