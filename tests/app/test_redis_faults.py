"""Redis down or hung: a 503 that says why (never a 500, never a hang), and the app recovers by
itself when Redis is back; sessions kept by a Redis that persists come back with it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lstm_explorer.app.main import create_app
from lstm_explorer.app.settings import Settings
from starlette.websockets import WebSocketDisconnect

from tests.app.conftest import API, SINE
from tests.app.redis_server import RedisServer, redis_server


@pytest.fixture
def lasting_redis() -> Iterator[RedisServer]:
    """A Redis of this test's own, persisting every write: it can die and come back."""
    with redis_server(persist=True) as server:
        yield server


def _app(settings: Settings, server: RedisServer, **overrides: Any) -> TestClient:
    update = {"redis_url": server.url, "redis_timeout_seconds": 0.5, **overrides}
    return TestClient(create_app(settings.model_copy(update=update)))


def _assert_unavailable(response: Any, server: RedisServer) -> None:
    assert response.status_code == 503, response.text
    detail = response.json()["detail"]
    assert f"Redis at 127.0.0.1:{server.port} does not answer" in detail
    assert "try again" in detail
    assert response.headers["Retry-After"] == "2"


def test_redis_down_gives_503_then_recovers_with_sessions(
    settings: Settings, lasting_redis: RedisServer
) -> None:
    with _app(settings, lasting_redis) as client:
        sid = client.post(f"{API}/sessions", json=SINE).json()["id"]
        client.post(f"{API}/sessions/{sid}/forward", json={"steps": 2})
        lasting_redis.stop()
        _assert_unavailable(client.post(f"{API}/sessions/{sid}/forward"), lasting_redis)
        _assert_unavailable(client.get(f"{API}/sessions/{sid}"), lasting_redis)
        _assert_unavailable(client.post(f"{API}/sessions", json=SINE), lasting_redis)
        with client.websocket_connect(f"{API}/sessions/{sid}/stream") as ws:
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
            assert closed.value.code == 1013  # try again later: the page reconnects
        lasting_redis.start()  # same port, same data
        again = client.post(f"{API}/sessions/{sid}/forward")
        assert again.status_code == 200, again.text
        assert again.json()["frames"][0]["t"] == 2  # the failed step changed nothing
        assert client.post(f"{API}/sessions", json=SINE).status_code == 201


def test_redis_hung_gives_503_not_a_hang(settings: Settings, lasting_redis: RedisServer) -> None:
    with _app(settings, lasting_redis) as client:
        sid = client.post(f"{API}/sessions", json=SINE).json()["id"]
        lasting_redis.pause()  # accepts connections, never answers
        try:
            _assert_unavailable(client.post(f"{API}/sessions/{sid}/forward"), lasting_redis)
            _assert_unavailable(client.post(f"{API}/sessions", json=SINE), lasting_redis)
        finally:
            lasting_redis.resume()
        assert client.post(f"{API}/sessions/{sid}/forward").status_code == 200


def test_stream_when_redis_goes_down_closes_try_again_later(
    settings: Settings, lasting_redis: RedisServer
) -> None:
    with _app(settings, lasting_redis) as client:
        sid = client.post(f"{API}/sessions", json=SINE).json()["id"]
        with client.websocket_connect(f"{API}/sessions/{sid}/stream") as ws:
            assert ws.receive_json()["type"] == "state"
            lasting_redis.stop()
            ws.send_text(json.dumps({"cmd": "step_forward"}))
            with pytest.raises(WebSocketDisconnect) as closed:
                while True:
                    ws.receive_json()
            assert closed.value.code == 1013
            assert "Redis" in (closed.value.reason or "")


def test_bad_redis_url_fails_at_start_naming_it(settings: Settings) -> None:
    with pytest.raises(ValueError, match="redis"):
        create_app(settings.model_copy(update={"redis_url": "http://127.0.0.1:6379/0"}))
