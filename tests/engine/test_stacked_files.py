"""Real multi-layer torch and Keras files through the engine's stack: every layer's hidden output
and the readout's prediction equal the framework's own (1e-10 for float64 files)."""

from __future__ import annotations

import numpy as np
import pytest
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.io_layers import ModelFile
from lstm_explorer.engine.io_torch_file import read_torch_file
from lstm_explorer.engine.problem import Problem
from lstm_explorer.engine.sequence import run_trace
from lstm_explorer.engine.spec import layer_key

from tests.engine.model_files import FILES, INDEX, models, sidecar, tolerance

STACKED_TORCH = [
    n for n in models("torch-") if INDEX[n].get("num_layers", 1) > 1 and "inputs" in sidecar(n)
]


def read(name: str) -> ModelFile:
    return read_torch_file((FILES / INDEX[name]["files"][0]).read_bytes())


def test_the_issues_fixtures_are_all_here() -> None:
    for name in ("torch-lstm-2-f64", "torch-lstm-3-f64", "torch-rnn-2-f64"):
        assert name in STACKED_TORCH


@pytest.mark.parametrize("name", STACKED_TORCH)
def test_a_stacked_torch_file_reproduces_every_layer_through_the_engine(name: str) -> None:
    meta, want = INDEX[name], sidecar(name)
    model = read(name)
    params, missing = model.stacked_params()
    spec = model.spec("mse", output_size=1, stacked=True)
    assert spec.num_layers == meta["num_layers"]
    head = meta.get("head", True)
    assert bool(missing) == (not head)
    if missing:  # no head in the file: compare the top layer itself
        params.update(zip(missing, (np.zeros((1, spec.hidden_size)), np.zeros(1)), strict=True))
    result = run_trace(Problem.build(spec, params, want["inputs"]))
    hidden = "y" if model.cell == "lstm" else "h"
    tol = tolerance(meta)
    for l in range(spec.num_layers):
        got = result.forward[layer_key(hidden, l)]
        np.testing.assert_allclose(got, want[f"layer{l}.y"], rtol=0, atol=tol, err_msg=f"{l}")
    top = result.forward["y_hat"] if head else got
    np.testing.assert_allclose(top, want["output"], rtol=0, atol=tol)
    assert any("dropout between layers is not modelled" in n for n in model.notes)


def test_the_stack_steps_through_the_runner_as_one_layer_does() -> None:
    """Gradients of a real 3-layer file: one per parameter of every layer, and finite."""
    model = read("torch-lstm-3-f64")
    want = sidecar("torch-lstm-3-f64")
    params, _ = model.stacked_params()
    spec = model.spec("mse", stacked=True)
    targets = np.zeros_like(want["output"])
    result = run_trace(Problem.build(spec, params, want["inputs"], targets))
    assert set(result.grads) == {f"d{k}" for k in params}
    assert "dW_z@2" in result.grads and "dW_z@3" not in result.grads
    assert all(np.all(np.isfinite(g)) for g in result.grads.values())
    assert result.loss == pytest.approx(0.5 * float(np.sum(want["output"] ** 2)), abs=1e-9)


def test_a_stack_of_unequal_hidden_sizes_is_refused_naming_them() -> None:
    """Keras may stack LSTM(4) on LSTM(3); the engine's layers share one H."""
    rng = np.random.default_rng(0)
    layers = (
        {"U": rng.normal(size=(4, 3)), "W": rng.normal(size=(4, 4)), "b": np.zeros(4)},
        {"U": rng.normal(size=(3, 4)), "W": rng.normal(size=(3, 3)), "b": np.zeros(3)},
    )
    model = ModelFile("rnn", "vanilla", layers, {}, "keras")
    assert model.spec("mse", output_size=2).num_layers == 1  # layer 0 alone still reads
    with pytest.raises(FieldError, match="hidden sizes 4, 3; a stack needs the same H"):
        model.spec("mse", output_size=2, stacked=True)


def test_a_stack_exports_to_pytorch_keys_that_read_back_as_the_same_stack() -> None:
    from lstm_explorer.engine.io_frameworks import to_pytorch
    from lstm_explorer.engine.io_layers import from_torch_state_dict

    model = read("torch-lstm-3-f64")
    params, _ = model.stacked_params()
    spec = model.spec("mse", stacked=True)
    state = to_pytorch(params, spec, prefix="rnn.")
    assert "rnn.weight_ih_l2" in state and "rnn.weight_ih_l3" not in state
    back = from_torch_state_dict(
        {("head." + k[7:] if k.startswith("linear.") else k): v for k, v in state.items()}
    )
    again, _ = back.stacked_params()
    assert set(again) == set(params)
    for key, arr in params.items():
        np.testing.assert_allclose(again[key], arr, rtol=0, atol=1e-15, err_msg=key)
