"""The engine against reference fixtures computed by PyTorch autograd (no torch needed here).

tests/fixtures/*.npz come from scripts/make_fixtures.py (`make fixtures`): Greff's equations
written again in torch for every variant and both losses, nn.LSTM / nn.RNN mapped through the
DESIGN.md import mapping, and truncated BPTT with the state detached every k steps.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from lstm_explorer.engine.problem import Problem
from lstm_explorer.engine.sequence import TraceResult, run_trace
from lstm_explorer.engine.spec import ModelSpec
from lstm_explorer.engine.variants import Variant

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
INDEX = json.loads((FIXTURES / "index.json").read_text())["fixtures"]
TOLERANCE = 1e-10
GREFF = [name for name, meta in INDEX.items() if meta["kind"] in ("greff", "truncated")]


def load(name: str) -> dict[str, np.ndarray]:
    with np.load(FIXTURES / f"{name}.npz", allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def group(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    """The arrays stored as '<prefix>.<key>', by key."""
    return {k.split(".", 1)[1]: a for k, a in arrays.items() if k.startswith(prefix + ".")}


def engine_trace(name: str, dtype: str = "float64") -> tuple[dict[str, np.ndarray], TraceResult]:
    """The fixture's arrays, and the engine's trace of the same model, sequence and targets."""
    meta, arrays = INDEX[name], load(name)
    sizes = meta["sizes"]
    spec = ModelSpec(
        meta["cell"],
        sizes["D"],
        sizes["H"],
        sizes["O"],
        variant=Variant.parse(meta["variant"]),
        loss=meta["loss"],
        dtype=dtype,
    )
    problem = Problem.build(
        spec,
        group(arrays, "params"),
        arrays["inputs"],
        meta["targets"],
        group(arrays, "initial_state"),
        meta["truncate"],
    )
    result = run_trace(problem)
    return arrays, result


def assert_close(
    what: str, got: np.ndarray | float, want: np.ndarray, tol: float = TOLERANCE
) -> None:
    """max |got − want| ≤ tol · max(1, max |want|)."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want)
    assert got.shape == want.shape, f"{what}: shape {got.shape}, reference {want.shape}"
    err = float(np.max(np.abs(got - want), initial=0.0))
    scale = max(1.0, float(np.max(np.abs(want), initial=0.0)))
    assert err <= tol * scale, f"{what}: differs from the reference by {err:.3e}"


def test_the_fixtures_are_small_and_cover_every_family() -> None:
    kinds = {meta["kind"] for meta in INDEX.values()}
    assert kinds == {"greff", "truncated", "torch_lstm", "torch_rnn"}
    assert sum(p.stat().st_size for p in FIXTURES.glob("*.npz")) < 1_000_000
    assert sorted(p.stem for p in FIXTURES.glob("*.npz")) == sorted(INDEX)


@pytest.mark.parametrize("name", GREFF)
def test_forward_values_of_every_step_match_the_torch_reference(name: str) -> None:
    arrays, result = engine_trace(name)
    reference = group(arrays, "forward")
    assert set(reference) == set(result.forward) - {"x"}
    for key, want in reference.items():
        assert_close(f"forward {key}", result.forward[key], want)
    assert_close("loss", result.loss, arrays["loss"])


@pytest.mark.parametrize("name", GREFF)
def test_errors_of_every_step_match_the_torch_reference(name: str) -> None:
    arrays, result = engine_trace(name)
    reference = group(arrays, "backward")
    assert set(reference) == set(result.backward)
    for key, want in reference.items():
        assert_close(f"backward {key}", result.backward[key], want)


@pytest.mark.parametrize("name", GREFF)
def test_parameter_and_initial_state_gradients_match_the_torch_reference(name: str) -> None:
    arrays, result = engine_trace(name)
    grads = group(arrays, "grads")
    assert set(grads) == set(result.grads)
    for key, want in grads.items():
        assert_close(key, result.grads[key], want)
    state_grads = group(arrays, "initial_state_grads")
    assert set(state_grads) == set(result.initial_state_grads)
    for key, want in state_grads.items():
        assert_close(f"initial state {key}", result.initial_state_grads[key], want)


TORCH = [name for name, meta in INDEX.items() if meta["kind"].startswith("torch_")]


@pytest.mark.parametrize("name", TORCH)
def test_pytorch_modules_mapped_through_design_md_give_the_same_run(name: str) -> None:
    arrays, result = engine_trace(name)
    for key, want in group(arrays, "forward").items():
        assert_close(f"forward {key}", result.forward[key], want)
    if "final.c" in arrays:
        assert_close("c at the last step", result.forward["c"][-1], arrays["final.c"])
    for key, want in group(arrays, "backward").items():
        assert_close(f"backward {key}", result.backward[key], want)
    grads = group(arrays, "grads")
    assert set(grads) == set(result.grads)
    for key, want in grads.items():
        assert_close(key, result.grads[key], want)
    for key, want in group(arrays, "initial_state_grads").items():
        assert_close(f"initial state {key}", result.initial_state_grads[key], want)
    assert_close("loss", result.loss, arrays["loss"])


@pytest.mark.parametrize("name", ["greff-vanilla-mse", "greff-FGR-cross_entropy", "torch_lstm-mse"])
def test_float32_runs_stay_close_to_the_float64_reference(name: str) -> None:
    arrays, result = engine_trace(name, dtype="float32")
    assert all(a.dtype == np.float32 for a in result.forward.values())
    assert all(a.dtype == np.float32 for a in result.grads.values())
    for key, want in group(arrays, "grads").items():
        assert_close(key, result.grads[key], want, tol=1e-5)
    assert_close("loss", result.loss, arrays["loss"], tol=1e-5)
