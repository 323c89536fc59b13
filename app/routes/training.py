"""Training a session's model on its sequence, and reading the parameters it ends with."""

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from app import serialize
from app.deps import SessionDep, SettingsDep
from app.limits import check_limit
from app.routes.common import NOT_FOUND, StrictJSONRoute
from app.schemas import ParamsPublic, TrainRequest, TrainResponse
from app.serialize import JSONBytesResponse
from app.sessions import Session
from app.sessions.session import train_config
from engine.training import TrainConfig

router = APIRouter(prefix="/sessions/{session_id}", tags=["training"], route_class=StrictJSONRoute)


def _train(session: Session, config: TrainConfig, updates: int) -> dict[str, Any]:
    trainer = session.start_training(config)
    nf = serialize.NonFinite()
    metrics = []
    for _ in range(updates):
        m = session.train_update(trainer)
        metrics.append(
            {
                "update": m.update,
                "loss": nf.number(m.loss),
                "grad_norm": nf.number(m.grad_norm),
                "grad_norm_after_clip": nf.number(m.grad_norm_after_clip),
                "clipped": m.clipped,
                "diverged": m.diverged,
            }
        )
        if m.diverged:
            break
    loss = session.finish_training()
    return nf.mark(
        {
            "metrics": metrics,
            "updates_total": session.train_updates,
            "diverged": session.diverged,
            "loss": nf.number(loss),
        }
    )


@router.post("/train", response_model=TrainResponse, responses=NOT_FOUND)
async def train_session(
    session: SessionDep, body: TrainRequest, settings: SettingsDep
) -> JSONBytesResponse:
    """Run `updates` training updates; metrics per update; divergence is reported, not raised."""
    check_limit(
        "updates", body.updates, "max_train_updates_per_call", settings.max_train_updates_per_call
    )
    config = train_config(body)
    async with session.lock:
        result = await run_in_threadpool(_train, session, config, body.updates)
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
