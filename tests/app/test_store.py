"""The in-memory store: bounded, least recently used evicted first, idle ones dropped, at most
max_sessions_per_client per client (its own least recently used goes), and a memory budget
per worker."""

import asyncio
from typing import Any

import numpy as np
import pytest
from lstm_explorer.app.errors import NotFoundError
from lstm_explorer.app.memory_limit import session_bytes
from lstm_explorer.app.sessions import MemoryStore, Session
from lstm_explorer.app.sessions.budget import (
    machine_memory_bytes,
    session_cost,
    total_session_budget,
)
from lstm_explorer.app.sessions.store import StoreLimits
from lstm_explorer.app.settings import Settings
from lstm_explorer.engine.spec import ModelSpec
from lstm_explorer.engine.tasks import make_task

from tests.app.conftest import API, SINE, create_session


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _session(name: str, length: int = 3) -> Session:
    task = make_task("sine", 0, length=length)
    spec = ModelSpec("rnn", 1, 2, 1)
    params = {
        "U": np.ones((2, 1)),
        "W": np.eye(2),
        "b": np.zeros(2),
        "V": np.ones((1, 2)),
        "c": np.zeros(1),
    }
    return Session(id=name, spec=spec, params=params, task=task, seed=0, init={})


def _limits(**changes: Any) -> StoreLimits:
    base = {"max_sessions": 10, "idle_seconds": 100, "max_per_client": 10, "max_total_bytes": 2**40}
    return StoreLimits(**{**base, **changes})


def test_add_session_evicts_least_recently_used() -> None:
    clock = Clock()
    store = MemoryStore(_limits(max_sessions=2), clock=clock)
    a, b, c = _session("a"), _session("b"), _session("c")

    async def scenario() -> None:
        await store.add(a, "x")
        clock.now += 1
        await store.add(b, "y")
        clock.now += 1
        await store.get("a")  # a is now the most recently used
        await store.add(c, "z")

    asyncio.run(scenario())
    assert "b" not in store and "a" in store and "c" in store
    assert b.closed and not a.closed


def test_get_session_after_idle_time_is_gone() -> None:
    clock = Clock()
    store = MemoryStore(_limits(idle_seconds=10), clock=clock)
    s = _session("a")

    async def scenario() -> None:
        await store.add(s)
        clock.now += 9
        await store.get("a")
        clock.now += 9.5
        assert await store.get("a") is s
        clock.now += 10
        with pytest.raises(NotFoundError, match="not found"):
            await store.get("a")

    asyncio.run(scenario())
    assert s.closed and len(store) == 0


def test_delete_session_unknown_raises() -> None:
    store = MemoryStore(_limits())
    with pytest.raises(NotFoundError):
        asyncio.run(store.delete("x"))


def test_add_session_past_per_client_limit_evicts_that_clients_least_recent_only() -> None:
    store = MemoryStore(_limits(max_per_client=2))
    sessions = {name: _session(name) for name in ("a1", "b1", "a2", "a3", "b2")}

    async def scenario() -> None:
        for name, session in sessions.items():
            if "a1" in store:
                await store.get("a1")  # a's first session, still in use: a2 goes instead
            await store.add(session, client=name[0])

    asyncio.run(scenario())
    assert sorted(s for s in sessions if s in store) == ["a1", "a3", "b1", "b2"]
    assert sessions["a2"].closed


def test_add_session_past_memory_budget_evicts_least_recently_used_not_one_in_use() -> None:
    cost = session_cost(_session("probe"))
    store = MemoryStore(_limits(max_total_bytes=int(2.5 * cost)))
    a, b, c = _session("a"), _session("b"), _session("c")

    async def scenario() -> None:
        await store.add(a)
        await store.add(b)
        async with a.lock:  # a request is using a: b goes although a is older
            await store.add(c)

    asyncio.run(scenario())
    assert "a" in store and "b" not in store and "c" in store
    assert store.total_bytes == 2 * cost <= store.limits.max_total_bytes


def test_add_session_larger_than_budget_is_kept_alone() -> None:
    big = _session("big", length=50)
    store = MemoryStore(_limits(max_total_bytes=session_cost(big) // 2))
    small = _session("small")

    async def scenario() -> None:
        await store.add(small)
        await store.add(big)

    asyncio.run(scenario())
    assert "big" in store and "small" not in store


def test_session_cost_is_the_per_session_estimate() -> None:
    s = _session("a", length=7)
    assert session_cost(s) == session_bytes((1, 2, 1, 7))


def test_total_session_budget_defaults_to_a_share_of_machine_memory(settings: Settings) -> None:
    memory = machine_memory_bytes()
    assert 0 < memory <= 2**50
    assert total_session_budget(settings) == memory // 2
    assert total_session_budget(settings.model_copy(update={"workers": 4})) == memory // 8
    fixed = settings.model_copy(update={"max_total_session_bytes": 12345})
    assert total_session_budget(fixed) == 12345


def test_create_session_over_max_sessions_evicts_oldest(make_client: Any) -> None:
    client = make_client(max_sessions=2)
    first = create_session(client)["id"]
    second = create_session(client)["id"]
    client.get(f"{API}/sessions/{first}")  # used: second is now the longest idle
    third = create_session(client)["id"]
    assert client.get(f"{API}/sessions/{second}").status_code == 404
    assert client.get(f"{API}/sessions/{first}").status_code == 200
    assert client.get(f"{API}/sessions/{third}").status_code == 200


def test_read_session_after_idle_seconds_is_404(make_client: Any) -> None:
    client = make_client(session_idle_seconds=1)
    sid = create_session(client)["id"]
    store = client.app.state.sessions  # type: ignore[attr-defined]
    store.clock = lambda: store._sessions[sid].last_used + 2  # two idle seconds later
    assert client.get(f"{API}/sessions/{sid}").status_code == 404


def _create_from(client: Any, address: str) -> str:
    response = client.post(f"{API}/sessions", json=SINE, headers={"X-Forwarded-For": address})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_create_session_one_client_cannot_evict_another(make_client: Any) -> None:
    # Behind a trusted proxy (TestClient's peer is "testclient"), X-Forwarded-For names the client.
    client = make_client(max_sessions_per_client=2, trusted_proxies=["testclient"])
    theirs = _create_from(client, "192.0.2.7")
    mine = [_create_from(client, "192.0.2.8") for _ in range(5)]
    assert client.get(f"{API}/sessions/{theirs}").status_code == 200
    alive = [sid for sid in mine if client.get(f"{API}/sessions/{sid}").status_code == 200]
    assert alive == mine[-2:]


def test_create_session_forwarded_for_from_untrusted_peer_is_ignored(make_client: Any) -> None:
    client = make_client(max_sessions_per_client=2)  # no trusted proxy
    first = _create_from(client, "192.0.2.7")
    _create_from(client, "192.0.2.8")
    _create_from(client, "192.0.2.9")  # the same client, whatever it claims
    assert client.get(f"{API}/sessions/{first}").status_code == 404


def test_create_session_past_budget_drops_least_recent_keeps_new(make_client: Any) -> None:
    probe = make_client()
    sid = create_session(probe)["id"]
    cost = session_cost(probe.app.state.sessions._sessions[sid])  # type: ignore[attr-defined]
    client = make_client(max_total_session_bytes=int(2.5 * cost))
    ids = [create_session(client)["id"] for _ in range(4)]
    codes = [client.get(f"{API}/sessions/{i}").status_code for i in ids]
    assert codes == [404, 404, 200, 200]
