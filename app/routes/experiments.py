"""The variants experiment (Greff et al. in small): start in the background, poll, cancel."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import JSONResponse
from lstm_explorer.app.deps import SettingsDep
from lstm_explorer.app.errors import ErrorPublic
from lstm_explorer.app.experiment_jobs import (
    MAX_RUNNING,
    ExperimentJob,
    ExperimentJobs,
    TooManyExperimentsError,
)
from lstm_explorer.app.limits import check_limit
from lstm_explorer.app.routes.common import StrictJSONRoute
from lstm_explorer.app.schemas.experiment import (
    MAX_BATCH_SIZE,
    MAX_HIDDEN_SIZE,
    MAX_LENGTH,
    MAX_SEEDS,
    MAX_TIME_BUDGET_SECONDS,
    MAX_TRAINING_STEPS,
    MAX_UPDATES,
    MAX_VARIANTS,
    ExperimentCreate,
    ExperimentCreated,
    ExperimentDefaultsPublic,
    ExperimentPublic,
)
from lstm_explorer.app.serialize import JSONBytesResponse
from lstm_explorer.app.sessions.factory import task_from_name
from lstm_explorer.app.settings import Settings
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.experiment import GREFF_FINDING, ExperimentConfig

router = APIRouter(prefix="/experiments", tags=["experiments"], route_class=StrictJSONRoute)

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorPublic, "description": "unknown or forgotten experiment"}
}
BUSY: dict[int | str, dict[str, Any]] = {
    429: {"model": ErrorPublic, "description": f"{MAX_RUNNING} experiments are running already"}
}


def get_jobs(request: Request) -> ExperimentJobs:
    """The app's experiment registry, made on first use (async callers: no race on creation)."""
    jobs: ExperimentJobs | None = getattr(request.app.state, "experiments", None)
    if jobs is None:
        jobs = request.app.state.experiments = ExperimentJobs()
    return jobs


JobsDep = Annotated[ExperimentJobs, Depends(get_jobs)]
ExperimentId = Annotated[str, Path(max_length=64, description="as returned on creation")]


def experiment_config(body: ExperimentCreate, settings: Settings) -> tuple[ExperimentConfig, int]:
    """The engine's config and the sequence length T; a FieldError (→ 422) names the field."""
    check_limit("hidden_size", body.hidden_size, "max_hidden_size", settings.max_hidden_size)
    options: dict[str, Any] = dict(body.task_options)  # `length` is make_task's own argument
    sample = task_from_name(body.task, options, seed=0, at=("task_options",))
    limit = min(MAX_LENGTH, settings.max_sequence_length)
    if sample.length > limit:
        raise FieldError(
            "task_options",
            f"the sequences would have {sample.length} steps; an experiment allows at most {limit}",
        )
    work = len(body.variants) * len(body.seeds) * body.updates * body.batch_size * sample.length
    if work > MAX_TRAINING_STEPS:
        raise FieldError(
            "updates",
            f"{len(body.variants)} variants × {len(body.seeds)} seeds × {body.updates} "
            f"updates × {body.batch_size} sequences × {sample.length} steps = {work:,} time "
            f"steps to train; an experiment allows at most {MAX_TRAINING_STEPS:,}",
        )
    config = ExperimentConfig(
        task=body.task,
        task_options=dict(body.task_options),
        hidden_size=body.hidden_size,
        seeds=tuple(body.seeds),
        updates=body.updates,
        learning_rate=body.learning_rate,
        variants=tuple(body.variants),
        time_budget_seconds=body.time_budget_seconds,
        batch_size=body.batch_size,
        match_parameters=body.match_parameters,
    )
    return config, sample.length


@router.get("/defaults", response_model=ExperimentDefaultsPublic)
async def read_experiment_defaults() -> dict[str, Any]:
    """The default experiment, the bound of each field, and the finding to compare with."""
    limits = {
        "seeds": MAX_SEEDS,
        "variants": MAX_VARIANTS,
        "updates": MAX_UPDATES,
        "hidden_size": MAX_HIDDEN_SIZE,
        "sequence_length": MAX_LENGTH,
        "time_budget_seconds": MAX_TIME_BUDGET_SECONDS,
        "training_steps": MAX_TRAINING_STEPS,
        "batch_size": MAX_BATCH_SIZE,
    }
    return {
        "defaults": ExperimentCreate(),
        "limits": limits,
        "max_running": MAX_RUNNING,
        "finding": GREFF_FINDING,
    }


@router.post("", status_code=202, response_model=ExperimentCreated, responses=BUSY)
async def create_experiment(
    body: ExperimentCreate, settings: SettingsDep, jobs: JobsDep, response: Response
) -> Any:
    """Start training every variant from every seed in the background; poll for progress."""
    config, length = experiment_config(body, settings)
    try:
        job = jobs.start(config, length)
    except TooManyExperimentsError as exc:
        return JSONResponse(
            status_code=429, content={"detail": str(exc)}, headers={"Retry-After": "10"}
        )
    response.headers["Location"] = f"/api/v1/experiments/{job.id}"
    return {"id": job.id, "status": job.status, "total": job.total}


def _public(job: ExperimentJob) -> JSONBytesResponse:
    """The job's snapshot (built in ExperimentJob.snapshot), validated by ExperimentPublic."""
    public = ExperimentPublic.model_validate(job.snapshot())
    return JSONBytesResponse(public.model_dump(exclude_unset=True))


@router.get("/{experiment_id}", response_model=ExperimentPublic, responses=NOT_FOUND)
async def read_experiment(experiment_id: ExperimentId, jobs: JobsDep) -> JSONBytesResponse:
    """Progress (done of total), the runs so far, medians, the summary and Greff's finding."""
    return _public(jobs.get(experiment_id))


@router.delete("/{experiment_id}", response_model=ExperimentPublic, responses=NOT_FOUND)
async def delete_experiment(experiment_id: ExperimentId, jobs: JobsDep) -> JSONBytesResponse:
    """Cancel (if running) and forget; the answer holds the runs that had finished."""
    return _public(jobs.delete(experiment_id))
