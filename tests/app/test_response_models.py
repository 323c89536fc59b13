"""Each response kind is built in one place and validated by its model: metrics (REST and the
stream alike), experiments, session snapshots (written and read back through SnapshotMeta)."""

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lstm_explorer.app.experiment_jobs import ExperimentJob
from lstm_explorer.app.main import create_app
from lstm_explorer.app.schemas.snapshot import SnapshotMeta
from lstm_explorer.app.schemas.training import MetricsFramePublic, UpdateMetricsPublic
from lstm_explorer.app.settings import Settings

from tests.app.conftest import API, create_session

TRAIN = {"updates": 4, "heldout_every": 2, "batch_size": 2, "learning_rate": 0.05}


@pytest.fixture
def api(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def _stream_metrics(client: TestClient, sid: str) -> list[dict[str, Any]]:
    with client.websocket_connect(f"{API}/sessions/{sid}/stream") as ws:
        ws.receive_json()
        ws.send_text(json.dumps({"cmd": "train", "frame_every": 100, **TRAIN}))
        frames = []
        while not frames or frames[-1]["type"] != "done":
            frames.append(ws.receive_json())
    return [f for f in frames if f["type"] == "metrics"]


def test_train_metrics_are_the_same_over_rest_and_the_stream(client: TestClient) -> None:
    rest = client.post(f"{API}/sessions/{create_session(client)['id']}/train", json=TRAIN).json()
    frames = _stream_metrics(client, create_session(client)["id"])
    assert [MetricsFramePublic.model_validate(f) for f in frames]  # the frame's own model
    assert [{k: v for k, v in f.items() if k != "type"} for f in frames] == rest["metrics"]
    assert set(rest["metrics"][0]) == set(UpdateMetricsPublic.model_fields)


def test_read_experiment_that_breaks_its_model_is_500_not_junk(
    api: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    body = {"seeds": [0], "updates": 1, "variants": ["vanilla"], "task_options": {"length": 5}}
    job_id = api.post(f"{API}/experiments", json=body).json()["id"]
    good = ExperimentJob.snapshot

    def broken(self: ExperimentJob) -> dict[str, Any]:
        out = good(self)
        out["done"] = "many"  # a bug in the builder
        return out

    monkeypatch.setattr(ExperimentJob, "snapshot", broken)
    with caplog.at_level(logging.ERROR):
        response = api.get(f"{API}/experiments/{job_id}")
    assert response.status_code == 500 and "many" not in response.text
    assert any(r.exc_info for r in caplog.records)


def test_experiment_that_crashes_fails_without_its_message(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> Iterator[Any]:
        raise ZeroDivisionError("secret internal detail")
        yield  # a generator, as iter_experiment is

    monkeypatch.setattr("lstm_explorer.app.experiment_jobs.iter_experiment", broken)
    body = {"seeds": [0], "updates": 1, "variants": ["vanilla"], "task_options": {"length": 5}}
    job_id = client.post(f"{API}/experiments", json=body).json()["id"]
    thread = client.app.state.experiments.get(job_id).thread  # type: ignore[attr-defined]
    thread.join()
    result = client.get(f"{API}/experiments/{job_id}").json()
    assert result["status"] == "failed"
    assert "secret" not in result["error"] and "ZeroDivisionError" not in result["error"]
    assert any(r.exc_info and r.exc_info[0] is ZeroDivisionError for r in caplog.records)


# ----------------------------------------------------------------------------- snapshots
def _snapshot(client: TestClient) -> dict[str, Any]:
    sid = create_session(client)["id"]
    client.post(f"{API}/sessions/{sid}/train", json={"updates": 1})
    return client.get(f"{API}/sessions/{sid}/snapshot").json()


def _restore(client: TestClient, snapshot: dict[str, Any]) -> Any:
    data = json.dumps(snapshot).encode()
    return client.post(f"{API}/sessions/restore", files={"file": ("s.json", data)})


def test_snapshot_meta_is_a_valid_snapshot_meta(client: TestClient) -> None:
    snapshot = _snapshot(client)
    arrays = snapshot.pop("arrays")
    meta = SnapshotMeta.model_validate(snapshot)
    assert meta.training.config is not None and meta.training.updates == 1
    assert "sequence.inputs" in arrays


@pytest.mark.parametrize(
    ("edit", "loc"),
    [
        pytest.param(
            lambda s: s["config"].update(hidden_size="3"), ["config", "hidden_size"], id="text"
        ),
        pytest.param(lambda s: s["config"].update(clip="always"), ["config", "clip"], id="clip"),
        pytest.param(
            lambda s: s["config"]["init"].update(colour=1), ["config", "init", "colour"], id="init"
        ),
        pytest.param(lambda s: s["config"].update(variant="XYZ"), ["config", "variant"], id="v"),
        pytest.param(
            lambda s: s["training"]["optimizer"].update(t=-1),
            ["training", "optimizer", "t"],
            id="optimizer",
        ),
        pytest.param(
            lambda s: s["arrays"].update({"sequence.inputs": [[1.0], [1.0, 2.0]]}),
            ["arrays", "sequence.inputs"],
            id="ragged",
        ),
        pytest.param(lambda s: s.update(version=2), ["version"], id="version"),
    ],
)
def test_restore_bad_snapshot_field_is_422_located_in_the_file(
    client: TestClient, edit: Any, loc: list[str]
) -> None:
    snapshot = _snapshot(client)
    edit(snapshot)
    response = _restore(client, snapshot)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", "file", *loc]


def test_restored_session_reinitialises_with_its_init(client: TestClient) -> None:
    snapshot = _snapshot(client)
    snapshot["config"]["init"] = {"forget_bias": 2.0}
    restored = _restore(client, snapshot)
    assert restored.status_code == 201, restored.text
    sid = restored.json()["id"]
    assert client.post(f"{API}/sessions/{sid}/reset", json={"reinit": True}).status_code == 200
    params = client.get(f"{API}/sessions/{sid}/params").json()["params"]
    assert all(b == 2.0 for b in params["b_f"])
