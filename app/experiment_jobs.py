"""Variants experiments running in background threads: bounded in number, cancellable, readable.

The event loop starts, reads and deletes jobs; each job's thread only appends finished runs and
sets the final status, under the job's lock. Finished jobs are kept (a bounded number) so the
page can read the result after the last poll. A job nobody has asked about for ABANDON_SECONDS
stops by itself: a closed tab must not keep a core busy.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from lstm_explorer.app.errors import NotFoundError
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.experiment import (
    ExperimentConfig,
    ExperimentResult,
    RunResult,
    iter_experiment,
)

logger = logging.getLogger(__name__)

MAX_RUNNING = 2  # one per core of a small server: a third would only slow the other two
MAX_KEPT = 16  # finished experiments kept for reading, oldest forgotten first
CURVE_POINTS = 50  # each run's training curve, decimated to at most this many points
ABANDON_SECONDS = 30.0  # the page polls about twice a second, a background tab once a second


class TooManyExperimentsError(Exception):
    """MAX_RUNNING experiments are running already (→ 429)."""


@dataclass
class ExperimentJob:
    """One experiment: its config, the runs finished so far, and how it ended."""

    id: str
    config: ExperimentConfig
    sequence_length: int
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    status: str = "running"
    error: str | None = None
    runs: list[RunResult] = field(default_factory=list)
    cancel: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_seen: float = field(default_factory=time.monotonic)  # last time anyone read it
    thread: threading.Thread | None = None

    @property
    def total(self) -> int:
        return len(self.config.variants) * len(self.config.seeds)

    @property
    def running(self) -> bool:
        """Its thread is still training (also while it finishes the run in progress)."""
        return self.thread is not None and self.thread.is_alive()

    def abandoned(self) -> bool:
        return time.monotonic() - self.last_seen > ABANDON_SECONDS

    def _should_stop(self) -> bool:
        return self.cancel.is_set() or self.abandoned()

    def run(self) -> None:
        """The thread's body: train every (seed, variant), then record how it ended."""
        status, error = "complete", None
        try:
            for result in iter_experiment(self.config, should_stop=self._should_stop):
                with self.lock:
                    self.runs.append(result)
            if len(self.runs) < self.total:
                status = (
                    "cancelled"
                    if self.cancel.is_set()
                    else "abandoned"
                    if self.abandoned()
                    else "stopped"  # the time budget ran out
                )
        # The thread boundary: whatever goes wrong is reported in the job, never lost. Bad input
        # says what it is; anything else is a bug, its traceback in the log and not in the job.
        except FieldError as exc:
            status, error = "failed", str(exc)
        except Exception:
            logger.exception("experiment %s failed", self.id)
            status, error = "failed", "internal error; the server log has the details"
        with self.lock:
            self.status, self.error, self.finished = status, error, time.monotonic()

    def snapshot(self) -> dict[str, Any]:
        """Progress and result as JSON-ready data (non-finite losses → null, flagged)."""
        with self.lock:
            runs = list(self.runs)
            status, error, finished = self.status, self.error, self.finished
        result = ExperimentResult(self.config, runs, complete=len(runs) == self.total)
        nonfinite = False

        def num(x: float) -> float | None:
            nonlocal nonfinite
            if math.isfinite(x):
                return x
            nonfinite = True
            return None

        if self.cancel.is_set() and status == "running":
            status = "cancelled"  # what is left of the run in progress is not waited for
        out = {
            "id": self.id,
            "status": status,
            "done": len(runs),
            "total": self.total,
            "complete": result.complete,
            "elapsed_seconds": (finished or time.monotonic()) - self.started,
            "config": self._config_public(),
            "runs": [_run_public(r, num) for r in runs],
            "medians": {v: num(m) for v, m in result.medians().items()},
            "summary": result.summary() if runs or status != "running" else "Running…",
            "finding": result.finding,
            "error": error,
        }
        if nonfinite:
            out["nonfinite"] = True
        return out

    def _config_public(self) -> dict[str, Any]:
        c = self.config
        return {
            "task": c.task,
            "task_options": dict(c.task_options),
            "hidden_size": c.hidden_size,
            "seeds": list(c.seeds),
            "updates": c.updates,
            "learning_rate": c.learning_rate,
            "optimizer": c.optimizer,
            "clip_threshold": c.clip_threshold,
            "eval_sequences": c.eval_sequences,
            "variants": list(c.variants),
            "time_budget_seconds": c.time_budget_seconds,
            "sequence_length": self.sequence_length,
            "batch_size": c.batch_size,
            "match_parameters": c.match_parameters,
        }


def _run_public(run: RunResult, num: Any, points: int = CURVE_POINTS) -> dict[str, Any]:
    n = len(run.curve)
    # Evenly spaced updates, always including the first and the last.
    picks = (
        sorted({round(k * (n - 1) / (points - 1)) for k in range(points)})
        if n > points
        else list(range(n))
    )
    return {
        "variant": run.variant,
        "seed": run.seed,
        "initial_loss": num(run.initial_loss),
        "final_loss": num(run.final_loss),
        "diverged": run.diverged,
        "seconds": run.seconds,
        "hidden_size": run.hidden_size,
        "parameters": run.parameters,
        "final_accuracy": None if run.final_accuracy is None else num(run.final_accuracy),
        "curve": [num(run.curve[k]) for k in picks],
        "curve_updates": [k + 1 for k in picks],
    }


class ExperimentJobs:
    """At most `max_running` jobs at once and `max_kept` finished ones remembered."""

    def __init__(self, max_running: int = MAX_RUNNING, max_kept: int = MAX_KEPT) -> None:
        self.max_running = max_running
        self.max_kept = max_kept
        self._jobs: OrderedDict[str, ExperimentJob] = OrderedDict()  # oldest first

        self._stopping: list[ExperimentJob] = []  # deleted, finishing the run in progress

    def running(self) -> int:
        """Threads training now, deleted ones included until their last run ends."""
        self._stopping = [job for job in self._stopping if job.running]
        return sum(job.running for job in self._jobs.values()) + len(self._stopping)

    def start(self, config: ExperimentConfig, sequence_length: int) -> ExperimentJob:
        """A new job, already running in its own daemon thread."""
        if self.running() >= self.max_running:
            raise TooManyExperimentsError(
                f"{self.max_running} experiments are running already (the limit); wait for one "
                "to finish or cancel it with DELETE /api/v1/experiments/{id}"
            )
        job = self.add(ExperimentJob(uuid.uuid4().hex, config, sequence_length))
        # daemon: a server that shuts down does not wait for an experiment nobody will read.
        job.thread = threading.Thread(target=job.run, name=f"experiment-{job.id[:8]}", daemon=True)
        job.thread.start()
        logger.info("experiment %s started: %d runs", job.id, job.total)
        return job

    def add(self, job: ExperimentJob) -> ExperimentJob:
        """Remember a job (forgetting the oldest finished ones beyond max_kept)."""
        self._forget_old()
        self._jobs[job.id] = job
        return job

    def get(self, job_id: str) -> ExperimentJob:
        """The job, marked as watched; NotFoundError if unknown, deleted or forgotten."""
        job = self._jobs.get(job_id)
        if job is None:
            raise NotFoundError(
                f"experiment {job_id[:64]!r} not found (unknown, deleted or forgotten)"
            )
        job.last_seen = time.monotonic()
        return job

    def delete(self, job_id: str) -> ExperimentJob:
        """Forget the job; a running one stops after the run in progress (still counted)."""
        job = self.get(job_id)
        job.cancel.set()
        del self._jobs[job_id]
        if job.running:
            self._stopping.append(job)
        return job

    def cancel_all(self) -> None:
        for job in [*self._jobs.values(), *self._stopping]:
            job.cancel.set()

    def _forget_old(self) -> None:
        finished = [k for k, job in self._jobs.items() if not job.running]
        for key in finished[: max(0, len(finished) - self.max_kept + 1)]:
            del self._jobs[key]
