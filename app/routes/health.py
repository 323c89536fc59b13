"""Liveness check for load balancers, Docker's HEALTHCHECK and the tests."""

from fastapi import APIRouter
from lstm_explorer.app import __version__
from pydantic import BaseModel

router = APIRouter(tags=["health"])


class HealthPublic(BaseModel):
    """What /api/v1/health answers."""

    status: str
    version: str


@router.get("/health")
def read_health() -> HealthPublic:
    """Report that the server is up, and its version."""
    return HealthPublic(status="ok", version=__version__)
