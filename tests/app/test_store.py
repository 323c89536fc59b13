"""The session store: bounded, the longest-idle session evicted first, idle ones dropped."""

from typing import Any

import numpy as np
import pytest

from app.errors import NotFoundError
from app.sessions import Session, SessionStore
from engine.spec import ModelSpec
from engine.tasks import make_task
from tests.app.conftest import API, create_session


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _session(name: str) -> Session:
    task = make_task("sine", 0, length=3)
    spec = ModelSpec("rnn", 1, 2, 1)
    params = {
        "U": np.ones((2, 1)),
        "W": np.eye(2),
        "b": np.zeros(2),
        "V": np.ones((1, 2)),
        "c": np.zeros(1),
    }
    return Session(id=name, spec=spec, params=params, task=task, seed=0, init={})


def test_add_session_evicts_least_recently_used() -> None:
    clock = Clock()
    store = SessionStore(max_sessions=2, idle_seconds=100, clock=clock)
    a, b, c = _session("a"), _session("b"), _session("c")
    store.add(a)
    clock.now += 1
    store.add(b)
    clock.now += 1
    store.get("a")  # a is now the most recently used
    store.add(c)
    assert "b" not in store and "a" in store and "c" in store
    assert b.closed and not a.closed


def test_get_session_after_idle_time_is_gone() -> None:
    clock = Clock()
    store = SessionStore(max_sessions=5, idle_seconds=10, clock=clock)
    s = store.add(_session("a"))
    clock.now += 9
    store.get("a")
    clock.now += 9.5
    assert store.get("a") is s
    clock.now += 10
    with pytest.raises(NotFoundError, match="not found"):
        store.get("a")
    assert s.closed and len(store) == 0


def test_delete_session_unknown_raises() -> None:
    store = SessionStore(max_sessions=1, idle_seconds=10)
    with pytest.raises(NotFoundError):
        store.delete("x")


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
