"""Run the variants experiment on one task and print the table of docs/EXPERIMENT.md.

    PYTHONPATH=. .venv/bin/python scripts/experiment_table.py --task reber --length 50 \
        --updates 300 --hidden 8 [--batch-size 1] [--match] [--seeds 8] [--lr 0.01]

Per variant: median held-out loss, min–max over seeds, held-out accuracy for cross-entropy
tasks, hidden size and parameter count, and the exact two-sided Mann–Whitney p of its losses
against the vanilla LSTM's (no ties assumed; losses are continuous).
"""

from __future__ import annotations

import argparse
import os
import time
from functools import cache

import numpy as np
from lstm_explorer.engine.experiment import EXPERIMENT_VARIANTS, ExperimentConfig, run_experiment


@cache
def _u_counts(m: int, n: int) -> tuple[int, ...]:
    """How many arrangements of m x's and n y's give U = 0, 1, …, m·n (U: pairs x > y)."""
    if m == 0 or n == 0:
        return (1,)
    # the largest value is an x (it beats all n y's) or a y (it beats nothing)
    with_x = (0,) * n + _u_counts(m - 1, n)
    with_y = _u_counts(m, n - 1)
    size = m * n + 1
    return tuple(
        (with_x[k] if k < len(with_x) else 0) + (with_y[k] if k < len(with_y) else 0)
        for k in range(size)
    )


def mann_whitney_p(a: list[float], b: list[float]) -> float:
    """Exact two-sided p of the Mann–Whitney U test (no ties)."""
    u = sum(x > y for x in a for y in b)
    counts = np.array(_u_counts(len(a), len(b)), dtype=float)
    total = counts.sum()
    low, high = counts[: u + 1].sum() / total, counts[u:].sum() / total
    return min(1.0, 2 * min(low, high))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--task", default="sine")
    parser.add_argument("--length", type=int, default=20)
    parser.add_argument("--updates", type=int, default=300)
    parser.add_argument("--hidden", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument("--match", action="store_true", help="match parameter counts")
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--variants", default=",".join(EXPERIMENT_VARIANTS))
    args = parser.parse_args()
    config = ExperimentConfig(
        task=args.task,
        task_options={"length": args.length},
        hidden_size=args.hidden,
        seeds=tuple(range(args.seeds)),
        updates=args.updates,
        learning_rate=args.lr,
        variants=tuple(args.variants.split(",")),
        batch_size=args.batch_size,
        match_parameters=args.match,
        time_budget_seconds=1e9,
    )
    start = time.perf_counter()
    result = run_experiment(config)
    seconds = time.perf_counter() - start
    losses = result.final_losses()
    print(f"{config}\n{seconds:.1f} s, load average {os.getloadavg()[0]:.1f}\n")
    print(f"> {result.summary()}\n")
    initial = np.median([r.initial_loss for r in result.runs])
    diverged = sum(r.diverged for r in result.runs)
    print(
        f"Before training the median held-out loss was {initial:.3g}; {diverged} runs diverged.\n"
    )
    print("| variant | median | min – max | accuracy (median) | H | parameters | p vs vanilla |")
    print("|---|---|---|---|---|---|---|")
    medians = result.medians()
    for v in sorted(medians, key=lambda k: medians[k]):
        runs = [r for r in result.runs if r.variant == v]
        acc = [r.final_accuracy for r in runs if r.final_accuracy is not None]
        acc_text = f"{np.median(acc):.3f}" if acc else "—"
        p = "—" if v == "vanilla" else f"{mann_whitney_p(losses[v], losses['vanilla']):.2g}"
        print(
            f"| {v} | {medians[v]:.3g} | {min(losses[v]):.3g} – {max(losses[v]):.3g} | "
            f"{acc_text} | {runs[0].hidden_size} | {runs[0].parameters} | {p} |"
        )


if __name__ == "__main__":
    main()
