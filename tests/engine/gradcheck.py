"""Shared helpers of the engine tests: small random models and central finite differences."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields

import numpy as np
from lstm_explorer.engine.problem import Problem
from lstm_explorer.engine.readout import Targets
from lstm_explorer.engine.runner import BackwardFrame, ForwardFrame, Runner
from lstm_explorer.engine.spec import ModelSpec, check_params, param_shapes
from lstm_explorer.engine.variants import Variant

SINGLE_VARIANTS = ("vanilla", "NIG", "NFG", "NOG", "NIAF", "NOAF", "NP", "CIFG", "FGR")
COMBINED_VARIANTS = ("NP+CIFG", "NP+NIAF", "NOG+NOAF")
VARIANTS = SINGLE_VARIANTS + COMBINED_VARIANTS
LOSSES = ("mse", "cross_entropy")
EPS = 1e-6


def make_spec(
    cell: str = "lstm",
    variant: str = "vanilla",
    loss: str = "mse",
    sizes: tuple[int, int, int] = (2, 3, 2),
    dtype: str = "float64",
) -> ModelSpec:
    """A ModelSpec from short arguments; sizes are (D, H, O)."""
    d, h, o = sizes
    return ModelSpec(cell, d, h, o, variant=Variant.parse(variant), loss=loss, dtype=dtype)


def random_params(spec: ModelSpec, seed: int, scale: float = 0.5) -> dict[str, np.ndarray]:
    """Every parameter uniform in [−scale, scale]: away from saturation, so gradients are not tiny."""
    rng = np.random.default_rng(seed)
    return {k: rng.uniform(-scale, scale, size=s) for k, s in param_shapes(spec).items()}


def random_inputs(spec: ModelSpec, length: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed + 1).standard_normal((length, spec.input_size))


def random_state(spec: ModelSpec, seed: int) -> dict[str, np.ndarray]:
    """A non-zero initial state, so its gradient and the peepholes at t = 0 are exercised."""
    rng = np.random.default_rng(seed + 2)
    keys = ("h",) if spec.cell == "rnn" else ("y", "c")
    return {k: rng.uniform(-0.8, 0.8, size=spec.hidden_size) for k in keys}


def raw_targets(spec: ModelSpec, length: int, steps: tuple[int, ...], seed: int) -> list:
    """Targets at `steps` only (None elsewhere): numbers for MSE, labels for cross-entropy."""
    rng = np.random.default_rng(seed + 3)
    rows: list = [None] * length
    for t in steps:
        if spec.loss == "cross_entropy":
            rows[t] = int(rng.integers(spec.output_size))
        else:
            rows[t] = list(rng.standard_normal(spec.output_size))
    return rows


def slice_targets(targets: Targets, start: int, stop: int) -> Targets:
    """The targets of steps start..stop−1, as the targets of a shorter sequence."""
    return Targets(
        mask=targets.mask[start:stop],
        values=None if targets.values is None else targets.values[start:stop],
        labels=None if targets.labels is None else targets.labels[start:stop],
    )


def chunks(length: int, truncate: int | None) -> list[tuple[int, int]]:
    """The (start, stop) steps of each truncated-BPTT chunk; one chunk without truncation."""
    k = truncate or length
    return [(s, min(s + k, length)) for s in range(0, length, k)]


def chunk_start_states(runner: Runner, truncate: int | None) -> list[dict[str, np.ndarray]]:
    """The state each chunk starts from in the unperturbed run (FGR also carries its gates)."""
    comp, spec = runner.comp, runner.spec
    out: list[dict[str, np.ndarray]] = []
    for start, _ in chunks(runner.T, truncate):
        if start == 0:
            state = dict(runner.initial_state)
            if spec.variant.gate_recurrence:
                state["gates"] = np.zeros(3 * spec.hidden_size)
        elif spec.cell == "rnn":
            state = {"h": comp.h[start - 1].copy()}  # type: ignore[attr-defined]
        else:
            state = {"y": comp.y[start - 1].copy(), "c": comp.c[start - 1].copy()}  # type: ignore[attr-defined]
            if spec.variant.gate_recurrence:
                state["gates"] = comp.act[start - 1, spec.hidden_size :].copy()  # type: ignore[attr-defined]
        out.append(state)
    return out


def chunked_loss(
    spec: ModelSpec,
    params: dict[str, np.ndarray],
    inputs: np.ndarray,
    targets: Targets,
    starts: list[dict[str, np.ndarray]],
    truncate: int | None,
) -> float:
    """Σ over chunks of the loss of a run that starts from the chunk's unperturbed state.

    A perturbation then changes the loss only inside its own chunk: exactly what truncated BPTT
    differentiates. Without truncation this is the plain loss.
    """
    params = check_params(spec, params)
    total = 0.0
    for (start, stop), state in zip(chunks(inputs.shape[0], truncate), starts, strict=True):
        sub = slice_targets(targets, start, stop)
        comp = Problem(spec, params, inputs[start:stop], sub, state).computation()
        if "gates" in state:  # FGR: the chunk starts from the gates of the step before it
            comp.gates0 = state["gates"]  # type: ignore[attr-defined]
        for t in range(stop - start):
            comp.forward_step(t)
        total += float(comp.loss.sum())
    return total


def central_difference(f: Callable[[], float], arr: np.ndarray, eps: float = EPS) -> np.ndarray:
    """∂f/∂arr entry by entry, (f(a + ε) − f(a − ε)) / 2ε; `arr` is perturbed in place and restored."""
    grad = np.zeros_like(arr)
    flat, gflat = arr.reshape(-1), grad.reshape(-1)
    for n in range(flat.size):
        keep = flat[n]
        flat[n] = keep + eps
        up = f()
        flat[n] = keep - eps
        down = f()
        flat[n] = keep
        gflat[n] = (up - down) / (2 * eps)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray, floor: float = 1e-2) -> float:
    """max |a − b| over the larger of max |a|, max |b| and `floor`.

    Central differences with ε = 1e-6 carry a round-off of about 1e-16 · loss / ε ≈ 1e-10, so an
    array of gradients all below `floor` is compared by its absolute error over `floor` instead.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(b), initial=0.0)), floor)
    return float(np.max(np.abs(a - b), initial=0.0)) / scale


def assert_identical(a: object, b: object, where: str = "frame") -> None:
    """Frames, dicts and arrays equal bit for bit (same dtype, same shape, same values)."""
    if isinstance(a, ForwardFrame | BackwardFrame):
        assert type(a) is type(b)
        for f in fields(a):
            assert_identical(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), f"{where}: keys differ"
        for key in a:
            assert_identical(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype, f"{where}: dtype differs"
        assert np.array_equal(a, b), f"{where}: values differ"
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"
