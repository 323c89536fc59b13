"""The variants experiment of Greff et al., in small: train every variant on one task, same seeds.

Each run trains on fresh sequences from the task generator (one per update, the same ones for every
variant) and is scored on a fixed held-out set, so a variant cannot win by memorising one sequence.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from engine.init import init_params
from engine.readout import Targets, make_targets
from engine.runner import Runner
from engine.spec import ModelSpec
from engine.tasks import TaskData, make_task
from engine.training import TrainConfig, Trainer
from engine.variants import Variant

EXPERIMENT_VARIANTS = ("vanilla", "NIG", "NFG", "NOG", "NIAF", "NOAF", "NP", "CIFG", "FGR")
GREFF_FINDING = (
    "Greff et al. (2017) found that no variant beats the vanilla LSTM significantly; removing the "
    "forget gate (NFG) or the output activation (NOAF) hurts most, while coupling the gates (CIFG) "
    "or dropping peepholes (NP) costs little."
)


@dataclass(frozen=True)
class ExperimentConfig:
    """Which task, how big, how long; every variant sees the same seeds and data."""

    # Measured on a 2-core machine (docs/EXPERIMENT.md): 72 runs in 20–30 s; the vanilla LSTM's
    # held-out loss falls about 100-fold, and the variants separate (removing f clearly hurts).
    task: str = "sine"
    task_options: dict = field(default_factory=lambda: {"length": 20})
    hidden_size: int = 8
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6, 7)
    updates: int = 300
    learning_rate: float = 0.01
    optimizer: str = "adam"
    clip_threshold: float = 5.0
    eval_sequences: int = 8
    variants: tuple[str, ...] = EXPERIMENT_VARIANTS
    time_budget_seconds: float = 120.0

    def __post_init__(self) -> None:
        if not self.seeds:
            raise ValueError("seeds: at least one seed is needed")
        if self.updates < 1:
            raise ValueError(f"updates: expected at least 1, got {self.updates}")
        if self.eval_sequences < 1:
            raise ValueError(f"eval_sequences: expected at least 1, got {self.eval_sequences}")
        if self.time_budget_seconds <= 0:
            raise ValueError("time_budget_seconds: expected a positive number")
        for key in self.variants:
            Variant.parse(key)


@dataclass(frozen=True)
class RunResult:
    """One variant trained from one seed."""

    variant: str
    seed: int
    final_loss: float  # mean held-out loss per sequence after training
    initial_loss: float
    curve: list[float]  # training loss per update
    diverged: bool
    seconds: float


@dataclass(frozen=True)
class ExperimentResult:
    config: ExperimentConfig
    runs: list[RunResult]
    complete: bool  # False when the time budget ran out first
    finding: str = GREFF_FINDING

    def final_losses(self) -> dict[str, list[float]]:
        """Final held-out losses per variant, for the box plot."""
        out: dict[str, list[float]] = {v: [] for v in self.config.variants}
        for run in self.runs:
            out[run.variant].append(run.final_loss)
        return out

    def medians(self) -> dict[str, float]:
        """Median final loss per variant that has at least one run (inf if most diverged)."""
        return {v: float(np.median(x)) for v, x in self.final_losses().items() if x}

    def summary(self) -> str:
        """The result in one honest sentence, ranked by median final loss."""
        medians = self.medians()
        if not medians:
            return "No run finished within the time budget."
        ranked = sorted(medians, key=lambda v: medians[v])
        parts = ", ".join(f"{v} {medians[v]:.3g}" for v in ranked)
        total = len(self.config.variants) * len(self.config.seeds)
        done = "" if self.complete else f" (only {len(self.runs)} of {total} runs finished)"
        return f"Median held-out loss, best first: {parts}{done}."


def _targets(task: TaskData) -> Targets:
    raw = task.labels if task.loss == "cross_entropy" else task.targets
    return make_targets(raw, task.loss, task.inputs.shape[0], len(task.output_names))


def _spec(task: TaskData, variant: str, hidden_size: int) -> ModelSpec:
    return ModelSpec(
        "lstm",
        task.inputs.shape[1],
        hidden_size,
        len(task.output_names),
        Variant.parse(variant),
        task.loss,
    )


def _eval_loss(spec: ModelSpec, params: dict, tasks: list[TaskData]) -> float:
    losses = []
    with np.errstate(over="ignore", invalid="ignore"):
        for task in tasks:
            runner = Runner(spec, params, task.inputs, _targets(task))
            runner.run_forward()
            losses.append(runner.loss())
    value = float(np.mean(losses))
    return value if np.isfinite(value) else float("inf")


def run_experiment(
    config: ExperimentConfig,
    progress: Callable[[int, int, RunResult], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> ExperimentResult:
    """Train each variant from each seed; stop early (complete=False) at the time budget."""
    total = len(config.variants) * len(config.seeds)
    runs: list[RunResult] = []
    for run in iter_experiment(config, should_stop):
        runs.append(run)
        if progress:
            progress(len(runs), total, run)
    return ExperimentResult(config, runs, complete=len(runs) == total)


def iter_experiment(
    config: ExperimentConfig, should_stop: Callable[[], bool] | None = None
) -> Iterator[RunResult]:
    """Yield each run as it finishes, so callers can report progress."""
    started = time.perf_counter()
    opts = dict(config.task_options)
    train_data = [make_task(config.task, seed=10_000 + k, **opts) for k in range(config.updates)]
    eval_data = [
        make_task(config.task, seed=20_000 + k, **opts) for k in range(config.eval_sequences)
    ]
    train_cfg = TrainConfig(
        optimizer=config.optimizer,
        learning_rate=config.learning_rate,
        clip="norm",
        clip_threshold=config.clip_threshold,
    )
    for seed in config.seeds:
        for variant in config.variants:
            if time.perf_counter() - started > config.time_budget_seconds:
                return
            if should_stop is not None and should_stop():
                return
            yield _train_one(config, variant, seed, train_data, eval_data, train_cfg)


def _train_one(
    config: ExperimentConfig,
    variant: str,
    seed: int,
    train_data: list[TaskData],
    eval_data: list[TaskData],
    train_cfg: TrainConfig,
) -> RunResult:
    t0 = time.perf_counter()
    spec = _spec(train_data[0], variant, config.hidden_size)
    params = init_params(spec, seed)
    initial = _eval_loss(spec, params, eval_data)
    trainer = Trainer(spec, params, train_data[0].inputs, _targets(train_data[0]), train_cfg)
    curve: list[float] = []
    for task in train_data:
        trainer.set_sequence(task.inputs, _targets(task))
        metrics = trainer.update()
        curve.append(metrics.loss if np.isfinite(metrics.loss) else float("inf"))
        if metrics.diverged:
            break
    final = _eval_loss(spec, trainer.params, eval_data) if not trainer.diverged else float("inf")
    return RunResult(
        variant=variant,
        seed=seed,
        final_loss=final,
        initial_loss=initial,
        curve=curve,
        diverged=trainer.diverged,
        seconds=time.perf_counter() - t0,
    )
