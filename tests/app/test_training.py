"""Training over REST: metrics per update, params afterwards, divergence as data, reset."""

from typing import Any

import numpy as np
from fastapi.testclient import TestClient

from tests.app.conftest import API, detail_text


def _train(client: TestClient, sid: str, **body: Any) -> Any:
    response = client.post(f"{API}/sessions/{sid}/train", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_train_session_returns_metrics_and_lowers_loss(client: TestClient, sid: str) -> None:
    body = _train(client, sid, updates=30, learning_rate=0.05)
    assert [m["update"] for m in body["metrics"]] == list(range(1, 31))
    first = body["metrics"][0]
    assert set(first) == {
        "update",
        "loss",
        "grad_norm",
        "grad_norm_after_clip",
        "clipped",
        "diverged",
    }
    assert body["loss"] < first["loss"] and body["diverged"] is False
    assert body["updates_total"] == 30
    again = _train(client, sid, updates=2)
    assert [m["update"] for m in again["metrics"]] == [31, 32]
    info = client.get(f"{API}/sessions/{sid}").json()["training"]
    assert info["updates"] == 32 and info["optimizer"] == "adam"


def test_train_session_changes_params_and_rebuilds_runner(client: TestClient, sid: str) -> None:
    client.post(f"{API}/sessions/{sid}/forward", json={"steps": 3})
    before = client.get(f"{API}/sessions/{sid}/params").json()
    frame_before = client.post(f"{API}/sessions/{sid}/seek", json={"t": 2}).json()
    _train(client, sid, updates=5, optimizer="sgd", learning_rate=0.1, momentum=0.9)
    after = client.get(f"{API}/sessions/{sid}/params").json()
    assert after["shapes"] == before["shapes"]
    assert not np.allclose(after["params"]["W_z"], before["params"]["W_z"])
    cursors = client.get(f"{API}/sessions/{sid}").json()["cursors"]
    assert cursors["forward_t"] == 3 and cursors["backward_t"] == 6
    frame_after = client.post(f"{API}/sessions/{sid}/seek", json={"t": 2}).json()
    assert frame_after["values"]["c"] != frame_before["values"]["c"]


def test_train_session_clipping_reported(client: TestClient, sid: str) -> None:
    body = _train(client, sid, updates=1, clip="norm", clip_threshold=1e-6)
    m = body["metrics"][0]
    assert m["clipped"] is True and m["grad_norm_after_clip"] < m["grad_norm"]
    body = _train(client, sid, updates=1, clip=None)
    assert body["metrics"][0]["clipped"] is False


def test_train_session_divergence_is_reported_not_500(client: TestClient, sid: str) -> None:
    body = _train(client, sid, updates=20, optimizer="sgd", learning_rate=1e300, clip=None)
    assert body["diverged"] is True and body["metrics"][-1]["diverged"] is True
    assert len(body["metrics"]) < 20
    assert client.get(f"{API}/sessions/{sid}").json()["training"]["diverged"] is True
    # still usable: step, and reset with fresh parameters
    assert client.post(f"{API}/sessions/{sid}/forward").status_code == 200
    reset = client.post(f"{API}/sessions/{sid}/reset", json={"reinit": True}).json()
    assert reset["training"] == {
        "updates": 0,
        "optimizer": None,
        "learning_rate": None,
        "diverged": False,
        "last_loss": None,
    }
    assert _train(client, sid, updates=2)["diverged"] is False


def test_train_session_over_update_limit_is_422(make_client: Any) -> None:
    client = make_client(max_train_updates_per_call=5)
    sid = client.post(f"{API}/sessions", json={"hidden_size": 2}).json()["id"]
    response = client.post(f"{API}/sessions/{sid}/train", json={"updates": 6})
    assert response.status_code == 422
    assert "updates" in detail_text(response) and "max_train_updates_per_call=5" in detail_text(
        response
    )


def test_train_session_bad_learning_rate_is_422(client: TestClient, sid: str) -> None:
    for lr in (0, -1, "fast"):
        response = client.post(f"{API}/sessions/{sid}/train", json={"learning_rate": lr})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "learning_rate"]


def test_read_params_unknown_session_is_404(client: TestClient) -> None:
    assert client.get(f"{API}/sessions/nope/params").status_code == 404
