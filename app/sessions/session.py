"""A session: a model, its parameters, one sequence, the Runner with its cursors, training state.

Every method here is synchronous and CPU-bound: callers hold `session.lock` and run them in a
worker thread. Frames are turned into JSON-able dicts here, while the lock is still held.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from lstm_explorer.app import serialize
from lstm_explorer.engine.batches import FitPlan
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.init import init_params
from lstm_explorer.engine.problem import Problem
from lstm_explorer.engine.readout import Targets, make_targets
from lstm_explorer.engine.runner import Runner
from lstm_explorer.engine.spec import ModelSpec, param_shapes
from lstm_explorer.engine.tasks import TaskData
from lstm_explorer.engine.training import TrainConfig, Trainer, UpdateMetrics

MAX_FRAMES = 200  # frames in one REST reply; the stream has no such cap (it sends one at a time)
# ‖∂y(T−1)/∂x(t)‖ costs about T·4H³ multiply-adds; refuse more than ~2 s of it.
CONNECTIVITY_BUDGET = 4e9


def train_config(body: Any) -> TrainConfig:
    """TrainConfig from a TrainRequest or the stream's train command."""
    return TrainConfig(
        optimizer=body.optimizer,
        learning_rate=body.learning_rate,
        momentum=body.momentum,
        clip=body.clip,
        clip_threshold=body.clip_threshold,
        truncate=body.truncate,
    )


@dataclass(frozen=True)
class StepResult:
    frames: list[dict[str, Any]]
    steps: int
    dropped: int


@dataclass(eq=False)
class Session:
    """One person's model on one sequence; `lock` serialises everything done to it."""

    id: str
    spec: ModelSpec
    params: dict[str, np.ndarray]
    task: TaskData
    seed: int
    init: dict[str, Any]
    source: str = "config"
    task_options: dict[str, Any] = field(default_factory=dict)
    truncate: int | None = None
    clip: str | None = "norm"
    clip_threshold: float = 5.0
    layer: int | None = None  # the layer frames show (a stacked model; None: the top)
    trainer: Trainer | None = None
    train_updates: int = 0
    diverged: bool = False
    last_loss: float | None = None
    fit_plan: FitPlan | None = None  # what training draws from (engine.batches)
    heldout_loss: float | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_used: float = 0.0
    closed: bool = False

    def __post_init__(self) -> None:
        if self.task.loss != self.spec.loss:
            raise FieldError("loss", f"the sequence is for {self.task.loss}, not {self.spec.loss}")
        self.targets: Targets = make_targets(
            self.task.loss_targets, self.spec.loss, self.task.length, self.spec.output_size
        )
        self.runner = Runner(self.problem())

    def problem(self) -> Problem:
        """The model on this session's sequence, validated: what every Runner and Trainer takes."""
        return Problem.build(
            self.spec, self.params, self.task.inputs, self.targets, truncate=self.truncate
        )

    # ----------------------------------------------------------------- state
    @property
    def T(self) -> int:
        return self.task.length

    def cursors(self) -> dict[str, Any]:
        r = self.runner
        return {
            "T": r.T,
            "forward_t": r.forward_t,
            "computed_forward": r.computed_forward,
            "backward_t": r.backward_t,
            "computed_backward": r.computed_backward,
            "forward_done": r.forward_done,
            "backward_done": r.backward_done,
        }

    def rebuild_runner(self, keep_cursor: bool = True) -> None:
        """A new Runner on the current params; the forward cursor is recomputed up to where it was."""
        shown = self.runner.forward_t
        self.runner = Runner(self.problem())
        if keep_cursor and shown > 0:
            with np.errstate(all="ignore"):
                self.runner.move_to(shown - 1, "forward")

    def set_truncate(self, k: int | None) -> None:
        self.runner.set_truncate(k)
        self.truncate = k

    def reset(self, reinit: bool = False, seed: int | None = None) -> None:
        """Cursors back to the start; with reinit, fresh parameters and no training state."""
        if reinit:
            self.seed = self.seed if seed is None else seed
            self.params = init_params(self.spec, self.seed, **self.init)
            self.trainer, self.train_updates, self.diverged, self.last_loss = None, 0, False, None
            self.rebuild_runner(keep_cursor=False)
        else:
            self.runner.reset()

    # ----------------------------------------------------------------- stepping
    def forward(self, steps: int = 1, to_end: bool = False) -> StepResult:
        """Show the next `steps` steps (replayed where already computed)."""
        r = self.runner
        start = r.forward_t
        if start >= r.T:
            raise FieldError("t", f"already at the last step ({r.T - 1})")
        end = r.T - 1 if to_end else min(r.T - 1, start + steps - 1)
        with np.errstate(all="ignore"):
            r.move_to(end, "forward")
            return self._frames(range(start, end + 1), self.forward_frame)

    def back(self, steps: int = 1) -> StepResult:
        """Rewind the forward cursor by `steps` (nothing is recomputed)."""
        r = self.runner
        shown = r.forward_t - 1
        if shown <= 0:
            raise FieldError("t", "already at the first step")
        target = max(0, shown - steps)
        r.move_to(target, "forward")
        return self._frames(range(shown - 1, target - 1, -1), self.forward_frame)

    def backward(self, steps: int = 1, to_end: bool = False, grads: bool = False) -> StepResult:
        """BPTT `steps` steps towards 0 (the forward pass is completed first if needed)."""
        r = self.runner
        start = r.backward_t - 1
        if start < 0:
            raise FieldError("t", "BPTT has already reached step 0")
        end = 0 if to_end else max(0, start - steps + 1)
        with np.errstate(all="ignore"):
            r.move_to(end, "backward")
            return self._frames(range(start, end - 1, -1), lambda t: self.backward_frame(t, grads))

    def seek(self, t: int, direction: str, grads: bool = False) -> dict[str, Any]:
        if not 0 <= t < self.T:
            raise FieldError("t", f"expected a step in 0..{self.T - 1}, got {t}")
        with np.errstate(all="ignore"):
            self.runner.move_to(t, direction)
            if direction == "backward":
                return self.backward_frame(t, grads)
            return self.forward_frame(t)

    def set_layer(self, layer: int | None) -> None:
        """Choose the layer every frame shows (None: the top); refused beyond the stack."""
        self.runner.frame_layer(layer)
        self.layer = layer

    def shown_layer(self) -> int | None:
        """The layer frames show: None for a one-layer model."""
        return self.runner.frame_layer(self.layer)[0]

    def forward_frame(self, t: int) -> dict[str, Any]:
        return serialize.forward_frame(self.runner.forward_frame(t, self.layer))

    def backward_frame(self, t: int, grads: bool = False) -> dict[str, Any]:
        with np.errstate(all="ignore"):
            frame = self.runner.backward_frame(t, include_grads=grads, layer=self.layer)
        return serialize.backward_frame(frame, with_grads=grads)

    def _frames(self, steps: range, frame: Any) -> StepResult:
        kept = steps[-MAX_FRAMES:]
        return StepResult([frame(t) for t in kept], len(steps), len(steps) - len(kept))

    def computed_frames(self, direction: str, start: int, stop: int) -> list[dict[str, Any]]:
        """Frames of already computed steps [start, stop) (at most MAX_FRAMES, from start),
        built as stepped frames are; no cursor moves and nothing is computed."""

        r = self.runner
        if direction == "forward":
            lo, hi = 0, r.computed_forward
        else:  # BPTT has computed [computed_backward, T) once it has started
            lo, hi = (r.computed_backward, r.T) if r.computed_backward < r.T else (r.T, r.T)
        if hi <= lo:
            raise FieldError("start", f"no step has been computed {direction} yet")
        if not lo <= start < hi:
            raise FieldError("start", f"expected a step computed {direction}, {lo}..{hi - 1}")
        if not start < stop <= hi:
            raise FieldError("stop", f"expected {start + 1}..{hi} (steps computed {direction})")
        steps = range(start, min(stop, start + MAX_FRAMES))
        if direction == "forward":
            return [self.forward_frame(t) for t in steps]
        return [self.backward_frame(t) for t in steps]

    # ----------------------------------------------------------------- whole trace
    def trace(self, connectivity: bool = False) -> dict[str, Any]:
        """Arrays for the charts, JSON-able (non-finite numbers flagged)."""
        r = self.runner
        n = r.computed_forward
        nf = serialize.NonFinite()
        out: dict[str, Any] = {
            "cursors": self.cursors(),
            "forward": nf.arrays(r.forward_arrays()),
            "backward": nf.arrays(r.backward_arrays()),
            "delta_norms": nf.arrays(r.delta_norms(self.layer)),  # of the layer frames show
            "loss_t": nf.array(r.comp.loss[:n]),
            "target_mask": self.targets.mask.tolist(),
            # Data, not model output: every step's, so frames rebuilt from the trace show it.
            "targets": [self.targets.row(t) for t in range(self.targets.length)],
            "loss": nf.number(r.loss()),
            "connectivity": nf.array(self.connectivity()) if connectivity else None,
        }
        return nf.mark(out)

    def connectivity(self) -> np.ndarray:
        """‖∂y(t_last)/∂x(t)‖ over the computed steps (zeros before any step is computed)."""
        r = self.runner
        n = r.computed_forward
        if n == 0:
            return np.zeros(0)
        cost = n * 4.0 * self.spec.hidden_size**3
        if cost > CONNECTIVITY_BUDGET:
            raise FieldError(
                "connectivity",
                f"T·4H³ = {cost:.3g} exceeds the budget of {CONNECTIVITY_BUDGET:.0e}; "
                "use a shorter sequence or a smaller hidden size",
            )
        with np.errstate(all="ignore"):
            return r.connectivity(n - 1)

    # ----------------------------------------------------------------- training
    def start_training(self, config: TrainConfig, plan: FitPlan | None = None) -> Trainer:
        """A Trainer on the current params; the optimiser state carries over if the kind matches.

        `plan` says what each update trains on (None: the one sequence on screen)."""
        self.fit_plan = plan
        previous = self.trainer
        trainer = Trainer(self.problem(), config)
        if previous is not None and previous.optimizer.kind == trainer.optimizer.kind:
            opt = previous.optimizer
            opt.lr = config.learning_rate
            if hasattr(opt, "momentum"):
                opt.momentum = config.momentum
            trainer.optimizer = opt
        trainer.updates = self.train_updates
        self.trainer = trainer
        return trainer

    def train_update(self, trainer: Trainer) -> UpdateMetrics:
        """One update; the session's params follow the trainer's unless the update diverged."""
        if self.fit_plan is not None:
            self.fit_plan.prepare(trainer)
        metrics = trainer.update()
        self.train_updates = trainer.updates
        self.diverged = metrics.diverged
        self.last_loss = metrics.loss
        self.params = trainer.params
        return metrics

    def measure_heldout(self) -> float | None:
        """Mean loss per held-out sequence with the current params (None: no held-out set)."""
        if self.fit_plan is None:
            return None
        with np.errstate(all="ignore"):
            self.heldout_loss = self.fit_plan.heldout_loss(self.spec, self.params)
        return self.heldout_loss

    def finish_training(self) -> float:
        """Rebuild the runner on the trained params; return their loss over the sequence."""
        self.rebuild_runner(keep_cursor=True)
        with np.errstate(all="ignore"):
            check = Runner(self.problem())
            check.run_forward()
            return check.loss()

    # ----------------------------------------------------------------- description
    def param_shapes(self) -> dict[str, list[int]]:
        return {k: list(s) for k, s in param_shapes(self.spec).items()}
