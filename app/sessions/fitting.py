"""What a session's training draws from: its task's minibatches, or the one sequence on screen."""

from __future__ import annotations

from typing import Any

from lstm_explorer.app.sessions.session import Session
from lstm_explorer.engine.batches import FitPlan, fit_plan


def plan_for(session: Session, body: Any) -> FitPlan:
    """A FitPlan from a TrainRequest or the stream's train command (fit, batch_size, heldout_every).

    The held-out set and the training draws follow the session's task, options and seed, so the
    same session trains on the same sequences every time (engine.batches).
    """
    return fit_plan(
        session.task.name,
        session.task_options,
        session.seed,
        fit=body.fit,
        batch_size=body.batch_size,
        heldout_every=body.heldout_every,
    )
