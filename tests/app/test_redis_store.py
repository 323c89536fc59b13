"""The Redis store against a real redis-server: two apps on one Redis are two workers.

Every test here runs both "workers" in this process (TestClient, or uvicorn in a thread for
concurrent calls and streams); tests/app/test_workers.py runs real worker processes.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import numpy as np
import pytest
import redis
from fastapi.testclient import TestClient
from lstm_explorer.app.main import create_app
from lstm_explorer.app.sessions.budget import session_cost
from lstm_explorer.app.sessions.redis_store import RedisStore
from lstm_explorer.app.settings import Settings
from websockets.asyncio.client import connect

from tests.app.conftest import API, SINE
from tests.app.servers import ThreadServer

LONG = {**SINE, "task": {"name": "sine", "options": {"length": 20}}}
Workers = Callable[..., list[TestClient]]


@pytest.fixture
def workers(settings: Settings, redis_url: str) -> Iterator[Workers]:
    """workers(n, **settings) → n TestClients on apps sharing one Redis."""
    with ExitStack() as stack:

        def make(n: int = 2, **overrides: Any) -> list[TestClient]:
            changed = settings.model_copy(update={"redis_url": redis_url, **overrides})
            return [stack.enter_context(TestClient(create_app(changed))) for _ in range(n)]

        yield make


@pytest.fixture
def servers(settings: Settings, redis_url: str) -> Iterator[Callable[..., list[str]]]:
    """servers(n) → base URLs of n apps sharing one Redis, each served by uvicorn in a thread."""
    with ExitStack() as stack:

        def make(n: int = 2, **overrides: Any) -> list[str]:
            changed = settings.model_copy(update={"redis_url": redis_url, **overrides})
            return [
                stack.enter_context(ThreadServer(create_app(changed))).base_url for _ in range(n)
            ]

        yield make


def _store(client: TestClient) -> RedisStore:
    store = client.app.state.sessions  # type: ignore[attr-defined]
    assert isinstance(store, RedisStore)
    return store


def _create(client: TestClient, body: dict[str, Any] | None = None, **headers: str) -> str:
    response = client.post(f"{API}/sessions", json=body or SINE, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def test_session_created_on_one_worker_is_served_by_another(workers: Workers) -> None:
    a, b = workers()
    sid = _create(a)
    assert _ok(b.get(f"{API}/sessions/{sid}")) == _ok(a.get(f"{API}/sessions/{sid}"))
    stepped = _ok(b.post(f"{API}/sessions/{sid}/forward", json={"steps": 3}))
    assert [f["t"] for f in stepped["frames"]] == [0, 1, 2]
    frame = _ok(a.post(f"{API}/sessions/{sid}/forward"))["frames"][0]
    assert frame["t"] == 3  # a's copy followed b's steps
    assert _ok(b.get(f"{API}/sessions/{sid}"))["cursors"]["forward_t"] == 4


def test_rebuilt_session_answers_exactly_as_the_original(
    workers: Workers, make_client: Any
) -> None:
    a, b = workers()
    alone = make_client()  # one worker in memory, doing the same
    sid, ref = _create(a, LONG), _create(alone, LONG)
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("post", "train", {"updates": 3}),
        ("post", "forward", {"steps": 20}),
        ("post", "backward", {"steps": 6, "grads": True}),
    ]
    for method, path, body in calls:
        _ok(getattr(a, method)(f"{API}/sessions/{sid}/{path}", json=body))
        _ok(getattr(alone, method)(f"{API}/sessions/{ref}/{path}", json=body))
    original = a.get(f"{API}/sessions/{sid}/trace").text
    assert b.get(f"{API}/sessions/{sid}/trace").text == original  # rebuilt, not copied
    assert _store(b).rebuilds == 1
    for t in (0, 7, 19):
        seek = {"t": t, "direction": "forward"}
        assert (
            b.post(f"{API}/sessions/{sid}/seek", json=seek).text
            == alone.post(f"{API}/sessions/{ref}/seek", json=seek).text
        )
    # The optimiser state came along: b's next updates are those of the session that never left.
    b_next = _ok(b.post(f"{API}/sessions/{sid}/train", json={"updates": 2}))
    assert b_next == _ok(alone.post(f"{API}/sessions/{ref}/train", json={"updates": 2}))
    assert b_next["updates_total"] == 5


def test_concurrent_training_through_two_workers_loses_no_update(
    workers: Workers, servers: Callable[..., list[str]], make_client: Any
) -> None:
    (a,) = workers(1)
    sid = _create(a)
    calls = 10

    async def scenario(urls: list[str]) -> None:
        async with httpx.AsyncClient(timeout=60) as http:
            replies = await asyncio.gather(
                *(
                    http.post(f"{urls[k % 2]}{API}/sessions/{sid}/train", json={"updates": 1})
                    for k in range(calls)
                )
            )
        assert all(r.status_code == 200 for r in replies), [r.text for r in replies]
        assert sorted(r.json()["updates_total"] for r in replies) == list(range(1, calls + 1))

    urls = servers()
    asyncio.run(scenario(urls))
    params = _ok(httpx.get(f"{urls[1]}{API}/sessions/{sid}/params"))["params"]
    # One worker in memory, the same calls one after the other: the same parameters, bit for bit.
    alone = make_client()
    ref = _create(alone)
    for _ in range(calls):
        _ok(alone.post(f"{API}/sessions/{ref}/train", json={"updates": 1}))
    expected = _ok(alone.get(f"{API}/sessions/{ref}/params"))["params"]
    assert params.keys() == expected.keys()
    for key in params:
        assert np.array_equal(np.array(params[key]), np.array(expected[key])), key


def test_concurrent_steps_through_two_workers_show_each_step_once(
    workers: Workers, servers: Callable[..., list[str]]
) -> None:
    (a,) = workers(1)
    sid = _create(a, LONG)

    async def scenario(urls: list[str]) -> list[int]:
        async with httpx.AsyncClient(timeout=60) as http:
            replies = await asyncio.gather(
                *(http.post(f"{urls[k % 2]}{API}/sessions/{sid}/forward") for k in range(12))
            )
        return [_ok(r)["frames"][0]["t"] for r in replies]

    shown = asyncio.run(scenario(servers()))
    assert sorted(shown) == list(range(12))
    assert _ok(a.get(f"{API}/sessions/{sid}"))["cursors"]["forward_t"] == 12


async def _recv(ws: Any, kind: str) -> dict[str, Any]:
    """The next frame of type `kind` (others skipped), within 10 s."""
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if frame["type"] == kind:
            return frame  # type: ignore[no-any-return]


def test_stream_on_one_worker_sees_rest_changes_on_another(
    workers: Workers, servers: Callable[..., list[str]]
) -> None:
    (a,) = workers(1)
    sid = _create(a, LONG)

    async def scenario(ws_url: str, other: str) -> None:
        async with connect(ws_url, ping_interval=None) as ws, httpx.AsyncClient() as http:
            await _recv(ws, "state")
            _ok(await http.post(f"{other}{API}/sessions/{sid}/forward", json={"steps": 3}))
            await ws.send(json.dumps({"cmd": "step_forward"}))
            assert (await _recv(ws, "forward"))["t"] == 3
            _ok(await http.post(f"{other}{API}/sessions/{sid}/reset"))
            await ws.send(json.dumps({"cmd": "step_forward"}))
            assert (await _recv(ws, "forward"))["t"] == 0
            _ok(await http.post(f"{other}{API}/sessions/{sid}/train", json={"updates": 4}))
            await ws.send(json.dumps({"cmd": "train", "updates": 1}))
            assert (await _recv(ws, "metrics"))["update"] == 5  # on from the other's training
            await _recv(ws, "done")
            # Its own limits stay its own: a command rate over the limit is refused here only.
            for _ in range(8):
                await ws.send(json.dumps({"cmd": "speed", "rate": 5}))
            assert "rate:" in (await _recv(ws, "error"))["detail"]

    one, other = servers(max_ws_commands_per_second=5)
    asyncio.run(scenario(f"ws{one[4:]}{API}/sessions/{sid}/stream", other))


def test_delete_on_one_worker_closes_stream_on_another(
    workers: Workers, servers: Callable[..., list[str]]
) -> None:
    (a,) = workers(1)
    sid = _create(a)

    async def scenario(ws_url: str, other: str) -> int | None:
        async with connect(ws_url, ping_interval=None) as ws, httpx.AsyncClient() as http:
            await _recv(ws, "state")  # paused: nothing else would wake it
            assert (await http.delete(f"{other}{API}/sessions/{sid}")).status_code == 204
            await asyncio.wait_for(ws.wait_closed(), 10)
            return ws.close_code

    one, other = servers()
    assert asyncio.run(scenario(f"ws{one[4:]}{API}/sessions/{sid}/stream", other)) == 4404
    assert a.get(f"{API}/sessions/{sid}").status_code == 404


def test_per_client_limit_across_workers_evicts_only_that_clients_least_recent(
    workers: Workers,
) -> None:
    a, b = workers(max_sessions_per_client=2, trusted_proxies=["testclient"])
    me = {"X-Forwarded-For": "192.0.2.2"}
    theirs = _create(a, **{"X-Forwarded-For": "192.0.2.1"})
    first, second = _create(a, **me), _create(b, **me)
    _ok(b.post(f"{API}/sessions/{first}/forward"))  # still in use: second is the least recent
    third = _create(a, **me)
    fourth = _create(b, **me)  # now first is
    for w in (a, b):
        assert w.get(f"{API}/sessions/{theirs}").status_code == 200
        codes = [w.get(f"{API}/sessions/{s}").status_code for s in (first, second, third, fourth)]
        assert codes == [404, 404, 200, 200]


def test_max_sessions_across_workers_evicts_least_recently_used(workers: Workers) -> None:
    a, b = workers(max_sessions=2)
    first, second = _create(a), _create(b)
    _ok(b.post(f"{API}/sessions/{first}/forward"))  # first is now the more recently used
    third = _create(a)
    for w in (a, b):
        codes = [w.get(f"{API}/sessions/{s}").status_code for s in (first, second, third)]
        assert codes == [200, 404, 200]


def test_memory_budget_with_redis_sessions_leave_memory_not_redis(workers: Workers) -> None:
    (probe,) = workers(1)
    cost = session_cost(probe.app.state.sessions._cache[_create(probe)])  # type: ignore[attr-defined]
    (a,) = workers(1, max_total_session_bytes=int(2.5 * cost))
    ids = [_create(a) for _ in range(4)]
    for k, sid in enumerate(ids):
        _ok(a.post(f"{API}/sessions/{sid}/forward", json={"steps": k + 1}))
    store = _store(a)
    assert len(store) <= 2 and store.total_bytes <= 2.5 * cost
    rebuilds = store.rebuilds
    cursors = [_ok(a.get(f"{API}/sessions/{sid}"))["cursors"]["forward_t"] for sid in ids]
    assert cursors == [1, 2, 3, 4]  # every one back, where it was
    assert store.rebuilds > rebuilds


def test_idle_session_expires_in_redis(workers: Workers) -> None:
    a, b = workers(session_idle_seconds=1)
    sid = _create(a)
    time.sleep(2.5)
    assert b.get(f"{API}/sessions/{sid}").status_code == 404  # not cached there
    assert a.get(f"{API}/sessions/{sid}").status_code == 404  # cached here, gone in Redis


def _lock_key(sid: str) -> str:
    return f"lstm-explorer:l:{sid}"


def test_lock_of_a_dead_worker_expires_and_the_request_goes_on(
    workers: Workers, redis_url: str
) -> None:
    (a,) = workers(1)
    sid = _create(a)
    with redis.Redis.from_url(redis_url) as r:
        r.set(_lock_key(sid), "a worker that died holding it", px=700)
    assert _ok(a.post(f"{API}/sessions/{sid}/forward"))["frames"][0]["t"] == 0


def test_lock_held_longer_than_the_wait_is_503_naming_the_setting(
    workers: Workers, redis_url: str
) -> None:
    (a,) = workers(1, redis_lock_wait_seconds=0.3)
    sid = _create(a)
    with redis.Redis.from_url(redis_url) as r:
        r.set(_lock_key(sid), "a long training on another worker", px=60_000)
        response = a.post(f"{API}/sessions/{sid}/forward")
        r.delete(_lock_key(sid))
    assert response.status_code == 503
    assert "redis_lock_wait_seconds" in response.json()["detail"]
    assert _ok(a.post(f"{API}/sessions/{sid}/forward"))["frames"][0]["t"] == 0  # nothing lost


def test_lock_is_renewed_while_a_long_request_holds_it(
    workers: Workers, servers: Callable[..., list[str]]
) -> None:
    (a,) = workers(1)
    body = {"hidden_size": 16, "task": {"name": "sine", "options": {"length": 100}}}
    sid = _create(a, body)
    # A lock that lapses after 1.5 s unless renewed, under a training of 200 updates (about
    # 20 s here, several leases and well past the 2 s below on any machine): without renewal
    # the training's save fails and the other worker steps in.
    one, other = servers(redis_lock_seconds=1.5, redis_lock_wait_seconds=300)

    async def scenario() -> tuple[httpx.Response, httpx.Response]:
        async with httpx.AsyncClient(timeout=120) as http:
            train = asyncio.create_task(
                http.post(f"{one}{API}/sessions/{sid}/train", json={"updates": 200})
            )
            await asyncio.sleep(2.0)  # inside the training, past one lease
            step = await http.post(f"{other}{API}/sessions/{sid}/forward")
            return await train, step

    train, step = asyncio.run(scenario())
    assert _ok(train)["updates_total"] == 200
    assert _ok(step)["frames"][0]["t"] == 0
    assert _ok(a.get(f"{API}/sessions/{sid}"))["training"]["updates"] == 200
