"""The variants experiment in small: same data for every variant, progress, honest summary."""

from dataclasses import replace

import numpy as np
import pytest
from lstm_explorer.engine.experiment import (
    ExperimentConfig,
    ExperimentResult,
    RunResult,
    run_experiment,
)
from lstm_explorer.engine.tasks import TASKS

TINY = ExperimentConfig(
    task="sine",
    task_options={"length": 5},
    hidden_size=2,
    seeds=(0, 1),
    updates=4,
    variants=("vanilla", "NP"),
)


def test_run_experiment_reports_progress_after_each_run() -> None:
    seen: list[tuple[int, int, str, int]] = []
    result = run_experiment(
        TINY, progress=lambda k, n, run: seen.append((k, n, run.variant, run.seed))
    )
    assert seen == [(1, 4, "vanilla", 0), (2, 4, "NP", 0), (3, 4, "vanilla", 1), (4, 4, "NP", 1)]
    assert result.complete
    assert all(len(run.curve) == 4 and run.final_loss > 0 for run in result.runs)


def test_run_experiment_is_deterministic() -> None:
    first = run_experiment(TINY).final_losses()
    assert run_experiment(TINY).final_losses() == first


def test_run_experiment_stops_when_asked() -> None:
    result = run_experiment(TINY, should_stop=lambda: True)
    assert result.runs == [] and not result.complete
    assert result.summary() == "No run finished within the time budget."


def test_summary_ranks_by_median_and_says_what_is_missing() -> None:
    runs = [
        RunResult("vanilla", 0, 0.5, 1.0, [1.0], False, 0.1),
        RunResult("NP", 0, 0.25, 1.0, [1.0], False, 0.1),
        RunResult("vanilla", 1, 0.75, 1.0, [1.0], False, 0.1),
    ]
    result = ExperimentResult(TINY, runs, complete=False)
    assert result.medians() == {"vanilla": 0.625, "NP": 0.25}
    assert result.summary() == (
        "Median held-out loss, best first: NP 0.25, vanilla 0.625 (only 3 of 4 runs finished)."
    )


def test_default_config_lets_the_vanilla_lstm_learn() -> None:
    # One seed of the default config: the held-out loss must fall well below its start.
    config = ExperimentConfig(seeds=(0,), variants=("vanilla",))
    (run,) = run_experiment(config).runs
    assert run.final_loss < run.initial_loss / 10


def test_matched_parameters_give_fgr_a_smaller_cell_and_every_variant_a_similar_count() -> None:
    config = ExperimentConfig(
        task="sine",
        task_options={"length": 5},
        hidden_size=8,
        seeds=(0,),
        updates=2,
        variants=("vanilla", "FGR", "CIFG"),
        match_parameters=True,
    )
    runs = {r.variant: r for r in run_experiment(config).runs}
    assert runs["vanilla"].hidden_size == 8 and runs["FGR"].hidden_size < 8
    goal = runs["vanilla"].parameters
    assert all(abs(r.parameters - goal) <= 0.15 * goal for r in runs.values())
    unmatched = {r.variant: r for r in run_experiment(replace(config, match_parameters=False)).runs}
    assert unmatched["FGR"].parameters > 2.5 * goal


@pytest.mark.parametrize("task", ["reber", "nile", "chars", "copy"])
def test_the_experiment_runs_on_other_tasks_and_scores_held_out_data(task: str) -> None:
    config = ExperimentConfig(
        task=task,
        task_options={"length": 6} if task != "copy" else {"delay": 3},
        hidden_size=3,
        seeds=(0,),
        updates=3,
        variants=("vanilla", "NFG"),
        batch_size=2,
    )
    result = run_experiment(config)
    assert result.complete and len(result.runs) == 2
    for run in result.runs:
        assert np.isfinite(run.final_loss) and len(run.curve) == 3
        if TASKS[task].loss == "cross_entropy":
            assert 0.0 <= run.final_accuracy <= 1.0
        else:
            assert run.final_accuracy is None
