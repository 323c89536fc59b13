"""Milliseconds per backward frame over a whole BPTT sweep, as the app steps it.

One sweep: the forward pass is run first (not timed), then BPTT steps back from T−1 to 0 one
step at a time, building each step's frame with the gradients accumulated so far and their
global norm (Session.backward with grads), and serialising it as the stream does (the JSON
without the grads, as the page asks by default).

    PYTHONPATH=. .venv/bin/python bench/bench_bptt_sweep.py [--repeats N] [--quick]

T ∈ {200, 2000}, H ∈ {32, 128}, D = 8, O = 8, variant vanilla, float64. Each figure is the
median over repeats of (sweep time / T). Target of issue 10: the T = 2000 figure within 1.2× of
the T = 200 one (a backward frame costs the same at any T). Writes bench/results/bptt_sweep.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np
from lstm_explorer.app import serialize
from lstm_explorer.engine.readout import make_targets
from lstm_explorer.engine.runner import Runner
from lstm_explorer.engine.spec import ModelSpec, param_shapes
from lstm_explorer.engine.variants import Variant

D, O = 8, 8
HIDDEN = (32, 128)
LENGTHS = (200, 2000)
RESULTS = Path(os.environ.get("BENCH_RESULTS", Path(__file__).resolve().parent / "results"))


def make_runner(H: int, T: int) -> Runner:
    """A vanilla LSTM on random data, targets at every step; forward pass done."""
    spec = ModelSpec("lstm", D, H, O, variant=Variant.parse("vanilla"))
    rng = np.random.default_rng(H * 31 + T)
    scale = 1.0 / np.sqrt(H)
    params = {k: rng.uniform(-scale, scale, s) for k, s in param_shapes(spec).items()}
    inputs = rng.standard_normal((T, D))
    targets = make_targets(rng.standard_normal((T, O)), "mse", T, O)
    try:  # the Problem of issue 10; the code before it took the arrays directly
        from lstm_explorer.engine.problem import Problem
    except ImportError:
        runner = Runner(spec, params, inputs, targets)
    else:
        runner = Runner(Problem.build(spec, params, inputs, targets))
    runner.run_forward()
    return runner


def sweep(runner: Runner) -> tuple[float, float]:
    """Seconds for the whole sweep: (engine frames only, engine frames + JSON serialisation)."""
    engine = 0.0
    serial = 0.0
    # Session.backward moves the cursor, then builds the frame; before issue 10 it moved with
    # seek(), which also built a frame without grads (a small part of the cost then)
    move = getattr(runner, "move_to", runner.seek)
    for _ in range(runner.T):
        start = time.perf_counter()
        t = runner.backward_t - 1
        move(t, "backward")
        frame = runner.backward_frame(t, include_grads=True)
        mid = time.perf_counter()
        serialize.dumps(serialize.backward_frame(frame, with_grads=False))
        serial += time.perf_counter() - mid
        engine += mid - start
    return engine, engine + serial


def measure(H: int, T: int, repeats: int) -> tuple[float, float]:
    """Median ms per backward frame over `repeats` sweeps: (engine, engine + JSON)."""
    engine, total = [], []
    for _ in range(repeats):
        runner = make_runner(H, T)
        e, s = sweep(runner)
        engine.append(1e3 * e / T)
        total.append(1e3 * s / T)
    return statistics.median(engine), statistics.median(total)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="one repeat at T = 2000")
    args = ap.parse_args()
    lines = [
        "| H | T | ms per backward frame (engine) | + JSON | frames/s (engine + JSON) |",
        "|---:|---:|---:|---:|---:|",
    ]
    figures: dict[tuple[int, int], float] = {}
    for H in HIDDEN:
        for T in LENGTHS:
            repeats = 1 if (args.quick and T > 1000) else args.repeats
            engine, total = measure(H, T, repeats)
            figures[H, T] = engine
            lines.append(f"| {H} | {T} | {engine:.3f} | {total:.3f} | {1e3 / total:,.0f} |")
            print(lines[-1], flush=True)
    lines.append("")
    for H in HIDDEN:
        ratio = figures[H, LENGTHS[1]] / figures[H, LENGTHS[0]]
        lines.append(
            f"- H = {H}: T = {LENGTHS[1]} / T = {LENGTHS[0]} = {ratio:.2f}× (target ≤ 1.2×)"
        )
    lines.append(f"- load average at the end: {os.getloadavg()[0]:.2f}")
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bptt_sweep.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
