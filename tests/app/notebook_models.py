"""Stand-ins for the models people pass to explore(): a torch module, a Keras model, plain dicts.

They have only what explore() may use (duck typing, no torch or Keras): `state_dict()` whose
values give `.detach().cpu().numpy()`; `get_config()`, `layers` and `get_weights()`. Their
weights are the committed fixtures' (tests/fixtures/files), whose .npz also holds what the real
framework computed on its inputs.
"""

from __future__ import annotations

import json
import zipfile
from typing import Any

import numpy as np
from lstm_explorer.engine.problem import Problem
from lstm_explorer.engine.sequence import run_trace
from lstm_explorer.engine.spec import ModelSpec
from lstm_explorer.engine.variants import Variant

from tests.engine.model_files import FILES, sidecar


class FakeTensor:
    """What explore() asks of a torch tensor: .detach().cpu().numpy()."""

    def __init__(self, array: np.ndarray) -> None:
        self._array = array

    def detach(self) -> FakeTensor:
        return self

    def cpu(self) -> FakeTensor:
        return self

    def numpy(self) -> np.ndarray:
        return self._array


class FakeTorchModule:
    """An nn.Module holding an nn.LSTM `rnn` and an nn.Linear `head`, as far as state_dict goes."""

    def __init__(self, state: dict[str, np.ndarray]) -> None:
        self._state = state

    def state_dict(self) -> dict[str, FakeTensor]:
        return {k: FakeTensor(v) for k, v in self._state.items()}


def torch_module(name: str) -> tuple[FakeTorchModule, dict[str, np.ndarray]]:
    """The fixture `name`'s module stand-in, and its sidecar (inputs, torch's output, …)."""
    data = sidecar(name)
    state = {k.removeprefix("torch."): v for k, v in data.items() if k.startswith("torch.")}
    return FakeTorchModule(state), data


class FakeKerasLayer:
    def __init__(self, name: str, weights: list[np.ndarray]) -> None:
        self.name = name
        self._weights = weights

    def get_weights(self) -> list[np.ndarray]:
        return self._weights


def keras_model(name: str) -> tuple[Any, dict[str, np.ndarray]]:
    """A stand-in of the Keras model the fixture `name`.keras was saved from, and its sidecar."""
    config = json.loads(zipfile.ZipFile(FILES / f"{name}.keras").read("config.json"))
    data = sidecar(name)
    groups: dict[str, list[np.ndarray]] = {}
    for key, value in data.items():
        if key.startswith("keras."):  # keras.l0.kernel, keras.head.bias, … in model order
            groups.setdefault(key.split(".")[1], []).append(value)
    weighted = [
        entry["config"]["name"]
        for entry in config["config"]["layers"]
        if entry["class_name"] in ("LSTM", "SimpleRNN", "Dense")
    ]
    cls = type(config["class_name"], (), {"get_config": lambda self: config["config"]})
    model = cls()
    model.layers = [FakeKerasLayer(n, w) for n, w in zip(weighted, groups.values(), strict=True)]
    return model, data


def engine_trace(session: dict[str, Any], params: dict[str, np.ndarray], x: np.ndarray, y: Any):
    """run_trace on the session's spec with `params`: what the trace must equal."""
    spec = ModelSpec(
        session["cell"],
        session["sizes"]["input_size"],
        session["sizes"]["hidden_size"],
        session["sizes"]["output_size"],
        Variant.parse(session["variant"]) if session["cell"] == "lstm" else Variant(),
        session["loss"],
    )
    if session["num_layers"] > 1:
        from dataclasses import replace

        spec = replace(spec, num_layers=session["num_layers"])
    return run_trace(Problem.build(spec, params, x, y))
