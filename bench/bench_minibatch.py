"""Training updates per second with minibatches of fresh sequences (engine.batches + Trainer).

    PYTHONPATH=. .venv/bin/python bench/bench_minibatch.py [--repeats N] [--quick]

Task `sine`, T = 50, vanilla LSTM, D = O = 1, Adam, clipping by norm, float64. For each
H ∈ {8, 32} and B ∈ {1, 16}: one timed round is `updates` updates, each drawing B fresh sequences
from the task (TaskSampler.batch, included in the time: it is what a training call pays) and
averaging their gradients. Each figure is the median over rounds of this process's CPU time
(not wall-clock: the development machine's two cores are shared). "one sequence" is the old
path (the sequence on screen, no draw). The target of issue 12: a minibatch of B costs at most
B times one sequence, i.e. sequences/s at B = 16 is at least sequences/s at B = 1.
Writes bench/results/minibatch.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from lstm_explorer.engine.batches import FitPlan, TaskSampler, targets_of
from lstm_explorer.engine.init import init_params
from lstm_explorer.engine.problem import Problem
from lstm_explorer.engine.spec import ModelSpec
from lstm_explorer.engine.training import TrainConfig, Trainer

T = 50
HIDDEN = (8, 32)
BATCHES = (1, 16)
RESULTS = Path(os.environ.get("BENCH_RESULTS", Path(__file__).resolve().parent / "results"))


def round_seconds(H: int, B: int | None, updates: int) -> float:
    """Seconds for `updates` updates; B None: the one-sequence path."""
    spec = ModelSpec("lstm", 1, H, 1, loss="mse")
    sampler = TaskSampler.for_task("sine", {"length": T}, seed=0)
    shown = sampler.heldout()[0]
    trainer = Trainer(
        Problem.build(spec, init_params(spec, 0), shown.inputs, targets_of(shown)), TrainConfig()
    )
    plan = FitPlan("sequence", 1, 10, sampler) if B is None else FitPlan("task", B, 10, sampler)
    start = time.process_time()  # CPU time: the machine's two cores are shared while it runs
    for _ in range(updates):
        plan.prepare(trainer)
        trainer.update()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="fewer updates, 3 rounds")
    args = parser.parse_args()
    repeats = 3 if args.quick else args.repeats
    rows = []
    for H in HIDDEN:
        for B in (None, *BATCHES):
            n = max(2, (20 if args.quick else 60) // (B or 1))
            round_seconds(H, B, n)  # warm-up: caches, first allocations
            seconds = statistics.median(round_seconds(H, B, n) for _ in range(repeats)) / n
            per_seq = seconds / (B or 1)
            rows.append((H, "one sequence" if B is None else str(B), 1 / seconds, 1 / per_seq))
            print(
                f"H={H:>3} B={rows[-1][1]:>12}: {1 / seconds:8.1f} updates/s  {1 / per_seq:8.1f} sequences/s"
            )
    lines = [
        "# Minibatch training (bench/bench_minibatch.py)",
        "",
        f"sine, T = {T}, vanilla LSTM, Adam, float64; median over {repeats} rounds of CPU time; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.",
        "",
        "| H | B | updates/s | sequences/s |",
        "|---|---|---|---|",
        *[f"| {h} | {b} | {u:.1f} | {s:.1f} |" for h, b, u, s in rows],
        "",
    ]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "minibatch.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
