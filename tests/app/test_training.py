"""Training over REST: metrics per update, params afterwards, divergence as data, reset."""

from typing import Any

import numpy as np
from fastapi.testclient import TestClient

from tests.app.conftest import API, create_session, detail_text


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
        "heldout_loss",
    }
    assert (body["fit"], body["batch_size"]) == ("task", 8)
    heldout = [m["heldout_loss"] for m in body["metrics"]]
    assert [k + 1 for k, h in enumerate(heldout) if h is not None] == [10, 20, 30]
    assert body["heldout_loss"] == heldout[29] < heldout[9]
    assert body["diverged"] is False and body["loss"] < first["loss"]
    assert body["updates_total"] == 30
    again = _train(client, sid, updates=2)
    assert [m["update"] for m in again["metrics"]] == [31, 32]
    info = client.get(f"{API}/sessions/{sid}").json()["training"]
    assert info["updates"] == 32 and info["optimizer"] == "adam"


def test_training_on_the_task_is_deterministic_and_differs_from_fitting_the_sequence(
    client: TestClient,
) -> None:
    sessions = [create_session(client)["id"] for _ in range(3)]
    task_a = _train(client, sessions[0], updates=12, heldout_every=4)
    task_b = _train(client, sessions[1], updates=12, heldout_every=4)
    fit_one = _train(client, sessions[2], updates=12, heldout_every=4, fit="sequence")
    assert task_a == task_b
    assert (fit_one["fit"], fit_one["batch_size"]) == ("sequence", 1)
    assert [m["loss"] for m in fit_one["metrics"]] != [m["loss"] for m in task_a["metrics"]]
    assert all(fit_one["metrics"][k]["heldout_loss"] is not None for k in (3, 7, 11))


def test_fitting_one_sequence_with_a_batch_is_422(client: TestClient, sid: str) -> None:
    response = client.post(f"{API}/sessions/{sid}/train", json={"fit": "sequence", "batch_size": 4})
    assert response.status_code == 422
    assert "batch_size" in detail_text(response)


def test_a_users_own_sequence_fits_that_sequence_and_has_no_held_out_loss(
    client: TestClient,
) -> None:
    seq = {"inputs": [[0.1], [0.5], [-0.2], [0.3]], "targets": [[0.5], [-0.2], [0.3], None]}
    own = client.post(f"{API}/sessions", json={"sequence": seq, "hidden_size": 3}).json()["id"]
    body = _train(client, own, updates=3)
    assert (body["fit"], body["batch_size"], body["heldout_loss"]) == ("sequence", 1, None)
    response = client.post(f"{API}/sessions/{own}/train", json={"fit": "task"})
    assert response.status_code == 422 and "fit" in detail_text(response)


def test_data_set_and_grammar_sessions_train_on_fresh_draws(client: TestClient) -> None:
    for task in ("nile", "reber", "chars"):
        created = client.post(
            f"{API}/sessions",
            json={"task": {"name": task, "options": {"length": 8}}, "hidden_size": 4},
        )
        assert created.status_code == 201, created.text
        body = _train(client, created.json()["id"], updates=5, batch_size=3, heldout_every=5)
        assert body["batch_size"] == 3 and body["heldout_loss"] is not None
        assert body["metrics"][-1]["heldout_loss"] == body["heldout_loss"]


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
