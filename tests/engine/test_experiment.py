"""The variants experiment in small: same data for every variant, progress, honest summary."""

from engine.experiment import ExperimentConfig, ExperimentResult, RunResult, run_experiment

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
