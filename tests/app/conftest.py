"""Fixtures of the API tests: clients on apps with chosen settings, and ready-made sessions."""

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lstm_explorer.app.main import create_app
from lstm_explorer.app.settings import Settings

from tests.app.redis_server import RedisServer, redis_server

API = "/api/v1"
SINE = {"task": {"name": "sine", "options": {"length": 6}}, "hidden_size": 3, "seed": 1}


@pytest.fixture
def make_client(settings: Settings) -> Iterator[Callable[..., TestClient]]:
    """make_client(max_sessions=2, ...) → a TestClient on an app with those settings changed."""
    with ExitStack() as stack:

        def make(**overrides: Any) -> TestClient:
            app = create_app(settings.model_copy(update=overrides))
            return stack.enter_context(TestClient(app))

        yield make


def create_session(client: TestClient, **config: Any) -> dict[str, Any]:
    """POST /sessions with SINE updated by `config`; asserts 201 and returns the body."""
    response = client.post(f"{API}/sessions", json={**SINE, **config})
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def sid(client: TestClient) -> str:
    """The id of a small LSTM session on a 6-step sine."""
    return create_session(client)["id"]


def detail_text(response: Any) -> str:
    """The error message(s) of a 4xx response as one string."""
    detail = response.json()["detail"]
    if isinstance(detail, list):
        return " | ".join(f"{d['loc']}: {d['msg']}" for d in detail)
    return str(detail)


@pytest.fixture(scope="session")
def shared_redis() -> Iterator[RedisServer]:
    """One redis-server for the tests that only need a Redis (tests/app/redis_server.py)."""
    with redis_server() as server:
        yield server


@pytest.fixture
def redis_url(shared_redis: RedisServer) -> str:
    """The URL of an empty Redis."""
    shared_redis.flush()
    return shared_redis.url
