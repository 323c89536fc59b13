"""Training a session's model (fresh minibatches of its task, or its one sequence), and its params."""

from typing import Any

from fastapi import APIRouter
from lstm_explorer.app import serialize
from lstm_explorer.app.deps import SessionDep, SettingsDep
from lstm_explorer.app.limits import check_limit
from lstm_explorer.app.routes.common import NOT_FOUND, StrictJSONRoute
from lstm_explorer.app.schemas import ParamsPublic, TrainRequest, TrainResponse
from lstm_explorer.app.schemas.training import update_metrics
from lstm_explorer.app.serialize import JSONBytesResponse
from lstm_explorer.app.sessions import Session
from lstm_explorer.app.sessions.fitting import plan_for
from lstm_explorer.app.sessions.session import train_config
from lstm_explorer.engine.batches import FitPlan
from lstm_explorer.engine.training import TrainConfig
from starlette.concurrency import run_in_threadpool

router = APIRouter(prefix="/sessions/{session_id}", tags=["training"], route_class=StrictJSONRoute)


def _train(session: Session, config: TrainConfig, plan: FitPlan, updates: int) -> dict[str, Any]:
    trainer = session.start_training(config, plan)
    nf = serialize.NonFinite()
    metrics = []
    for k in range(updates):
        m = session.train_update(trainer)
        last = k == updates - 1 or m.diverged
        heldout = session.measure_heldout() if last or plan.heldout_due(m.update) else None
        metrics.append(update_metrics(m, heldout, nf))
        if m.diverged:
            break
    loss = session.finish_training()
    response = TrainResponse(
        metrics=metrics,
        updates_total=session.train_updates,
        diverged=session.diverged,
        loss=nf.number(loss),
        fit=plan.fit,
        batch_size=plan.batch_size,
        heldout_loss=None if session.heldout_loss is None else nf.number(session.heldout_loss),
    )
    return nf.mark(response.model_dump(exclude={"nonfinite"}))


@router.post("/train", response_model=TrainResponse, responses=NOT_FOUND)
async def train_session(
    session: SessionDep, body: TrainRequest, settings: SettingsDep
) -> JSONBytesResponse:
    """Run `updates` training updates; metrics per update; divergence is reported, not raised."""
    check_limit(
        "updates", body.updates, "max_train_updates_per_call", settings.max_train_updates_per_call
    )
    config = train_config(body)
    plan = plan_for(session, body)
    async with session.lock:
        result = await run_in_threadpool(_train, session, config, plan, body.updates)
        return JSONBytesResponse(result)


@router.get("/params", response_model=ParamsPublic, responses=NOT_FOUND)
async def read_params(session: SessionDep) -> JSONBytesResponse:
    """The current parameters by notation key (after training: the trained ones)."""
    async with session.lock:
        nf = serialize.NonFinite()
        return JSONBytesResponse(
            nf.mark(
                {
                    "cell": session.spec.cell,
                    "variant": session.spec.variant.key,
                    "params": nf.arrays(session.params),
                    "shapes": session.param_shapes(),
                }
            )
        )
