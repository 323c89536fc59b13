"""A model built by hand with one unit that is on exactly inside quotes: the unit finder's test
case (engine, API and page). The other units keep seeded random weights, so the planted one has
to win against noise.

Unit 0 is a flip-flop on the quote character q:
- input gate i = σ(20·[x = q] − 10) and forget gate f = σ(10 − 20·[x = q]): at a quote the cell
  forgets and writes, anywhere else it keeps (f ≈ 1 − 5e−5) and writes nothing (i ≈ 5e−5);
- block input z = tanh(5 − 20 y(t−1)): +1 when the cell was off (y ≤ 0), −1 when it was on
  (y ≈ tanh(1) = 0.76), so each quote flips c between +1 (inside) and −1 (outside);
- output gate o = σ(10) ≈ 1, no peepholes.

So c(t) ≈ +1 from an opening quote up to the step before the closing one, ≈ −1 after a closing
quote (0 before the first quote).
"""

from __future__ import annotations

import numpy as np
from lstm_explorer.engine.init import init_params
from lstm_explorer.engine.spec import ModelSpec
from lstm_explorer.engine.variants import Variant

PLANTED = 0
QUOTED_TEXT = (
    'He said "hello there" and left. Later she answered "not today, my friend" '
    'with a smile, and then "goodbye" was all.'
)


def planted_spec(vocabulary_size: int, hidden_size: int = 8) -> ModelSpec:
    return ModelSpec(
        "lstm", vocabulary_size, hidden_size, vocabulary_size, Variant(), "cross_entropy"
    )


def planted_params(
    vocabulary: list[str], hidden_size: int = 8, seed: int = 3
) -> dict[str, np.ndarray]:
    """Parameters of a vanilla LSTM on one-hot `vocabulary` inputs with the quote unit at 0."""
    q = vocabulary.index('"')
    params = init_params(planted_spec(len(vocabulary), hidden_size), seed)
    j = PLANTED
    for gate in ("z", "i", "f", "o"):
        params[f"W_{gate}"][j] = 0.0
        params[f"R_{gate}"][j] = 0.0
    for gate in ("i", "f", "o"):
        params[f"p_{gate}"][j] = 0.0
    params["R_z"][j, j], params["b_z"][j] = -20.0, 5.0
    params["W_i"][j, q], params["b_i"][j] = 20.0, -10.0
    params["W_f"][j, q], params["b_f"][j] = -20.0, 10.0
    params["b_o"][j] = 10.0
    return params


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """[open, close) of each quoted passage, as steps: input t is text[t]."""
    marks = [t for t, ch in enumerate(text) if ch == '"']
    return list(zip(marks[::2], marks[1::2], strict=True))
