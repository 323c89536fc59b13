"""All REST routes under /api/v1. Add a module here and include its router below."""

from fastapi import APIRouter, Depends
from lstm_explorer.app.routes import (
    connectivity,
    experiments,
    export,
    health,
    presets,
    sessions,
    stepping,
    stream,
    trace,
    training,
    uploads,
)
from lstm_explorer.app.routes.common import known_query_only

api_router = APIRouter(prefix="/api/v1", dependencies=[Depends(known_query_only)])
api_router.include_router(health.router)
api_router.include_router(presets.router)
api_router.include_router(trace.router)
api_router.include_router(uploads.router)
api_router.include_router(sessions.router)
api_router.include_router(stepping.router)
api_router.include_router(connectivity.router)
api_router.include_router(training.router)
api_router.include_router(export.router)
api_router.include_router(stream.router)
api_router.include_router(experiments.router)
