"""One call, the whole computation: forward over the sequence, then full (or truncated) BPTT."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from lstm_explorer.engine.problem import Problem
from lstm_explorer.engine.runner import Runner


@dataclass(frozen=True)
class TraceResult:
    """What POST /api/v1/trace returns, as named arrays."""

    forward: dict[str, np.ndarray]
    backward: dict[str, np.ndarray]
    grads: dict[str, np.ndarray]
    initial_state_grads: dict[str, np.ndarray]
    loss: float


def run_trace(problem: Problem) -> TraceResult:
    """Forward every step, BPTT every step; every intermediate value kept."""
    runner = Runner(problem)
    runner.run_forward()
    runner.run_backward()
    return TraceResult(
        forward=runner.forward_arrays(),
        backward=runner.backward_arrays(),
        grads=runner.grads(),
        initial_state_grads=runner.initial_state_grads(),
        loss=runner.loss(),
    )
