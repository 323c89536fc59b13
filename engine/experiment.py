"""The variants experiment of Greff et al., in small: train every variant on one task, same seeds.

Each run trains on fresh sequences of the task (engine.batches: a minibatch per update from the
generator or the training part of a data set, the same ones for every variant and seed) and is
scored on a fixed held-out set, so a variant cannot win by memorising one sequence. With
`match_parameters` every variant gets the hidden size whose parameter count is closest to the
vanilla LSTM's at `hidden_size` (FGR's nine extra H×H matrices otherwise give it 2.6× as many).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
from lstm_explorer.engine.batches import MAX_BATCH_SIZE, TaskSampler, heldout_scores, targets_of
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.init import init_params
from lstm_explorer.engine.problem import Problem
from lstm_explorer.engine.spec import ModelSpec, param_shapes
from lstm_explorer.engine.tasks import TaskData, resolve_options
from lstm_explorer.engine.training import TrainConfig, Trainer
from lstm_explorer.engine.variants import Variant

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
    batch_size: int = 1  # sequences per update, gradients averaged
    match_parameters: bool = False  # per-variant H with about the vanilla LSTM's parameter count

    def __post_init__(self) -> None:
        if not self.seeds:
            raise FieldError("seeds", "at least one seed is needed")
        if self.updates < 1:
            raise FieldError("updates", f"expected at least 1, got {self.updates}")
        if self.eval_sequences < 1:
            raise FieldError("eval_sequences", f"expected at least 1, got {self.eval_sequences}")
        if self.time_budget_seconds <= 0:
            raise FieldError("time_budget_seconds", "expected a positive number")
        if not 1 <= self.batch_size <= MAX_BATCH_SIZE:
            raise FieldError("batch_size", f"expected 1..{MAX_BATCH_SIZE}, got {self.batch_size}")
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
    hidden_size: int = 0
    parameters: int = 0
    final_accuracy: float | None = None  # cross-entropy tasks: held-out accuracy (reber: allowed)


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


# The data of every run: the training draws and held-out set of this seed (not the init seeds).
DATA_SEED = 10_000


def _spec(task: TaskData, variant: str, hidden_size: int) -> ModelSpec:
    return ModelSpec(
        "lstm",
        task.inputs.shape[1],
        hidden_size,
        len(task.output_names),
        Variant.parse(variant),
        task.loss,
    )


def parameter_count(spec: ModelSpec) -> int:
    return int(sum(np.prod(shape) for shape in param_shapes(spec).values()))


def hidden_sizes(config: ExperimentConfig, task: TaskData) -> dict[str, int]:
    """Each variant's H: config.hidden_size, or with match_parameters the H (1..4·hidden_size)
    whose parameter count is closest to the vanilla LSTM's at config.hidden_size (ties: smaller)."""
    if not config.match_parameters:
        return {v: config.hidden_size for v in config.variants}
    goal = parameter_count(_spec(task, "vanilla", config.hidden_size))
    sizes = range(1, 4 * config.hidden_size + 1)
    return {
        v: min(sizes, key=lambda h: (abs(parameter_count(_spec(task, v, h)) - goal), h))
        for v in config.variants
    }


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
    options = resolve_options(config.task, **dict(config.task_options))
    sampler = TaskSampler(config.task, options, DATA_SEED, config.eval_sequences)
    train_data = [sampler.batch(k, config.batch_size) for k in range(config.updates)]
    eval_data = sampler.heldout()
    sizes = hidden_sizes(config, eval_data[0])
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
            yield _train_one(variant, sizes[variant], seed, train_data, eval_data, train_cfg)


def _train_one(
    variant: str,
    hidden_size: int,
    seed: int,
    train_data: list[list[TaskData]],
    eval_data: list[TaskData],
    train_cfg: TrainConfig,
) -> RunResult:
    t0 = time.perf_counter()
    spec = _spec(eval_data[0], variant, hidden_size)
    params = init_params(spec, seed)
    initial, _ = heldout_scores(spec, params, eval_data)
    first = train_data[0][0]
    trainer = Trainer(Problem.build(spec, params, first.inputs, targets_of(first)), train_cfg)
    curve: list[float] = []
    for batch in train_data:
        trainer.set_batch([(task.inputs, targets_of(task)) for task in batch])
        metrics = trainer.update()
        curve.append(metrics.loss if np.isfinite(metrics.loss) else float("inf"))
        if metrics.diverged:
            break
    final, accuracy = heldout_scores(spec, trainer.params, eval_data)
    return RunResult(
        variant=variant,
        seed=seed,
        final_loss=float("inf") if trainer.diverged else final,
        initial_loss=initial,
        curve=curve,
        diverged=trainer.diverged,
        seconds=time.perf_counter() - t0,
        hidden_size=hidden_size,
        parameters=parameter_count(spec),
        final_accuracy=None if trainer.diverged else accuracy,
    )
