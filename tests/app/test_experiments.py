"""The variants experiment API: start in the background, poll, cancel, bounds, non-finite losses."""

import math
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lstm_explorer.app.experiment_jobs import ExperimentJob, ExperimentJobs
from lstm_explorer.app.main import create_app
from lstm_explorer.app.settings import Settings
from lstm_explorer.engine.experiment import GREFF_FINDING, ExperimentConfig, RunResult

URL = "/api/v1/experiments"
TINY: dict[str, Any] = {
    "task": "sine",
    "task_options": {"length": 5},
    "hidden_size": 2,
    "seeds": [0, 1],
    "updates": 5,
    "variants": ["vanilla", "NFG"],
}
# Long enough to still be running when the test looks (cancelled at the end of each test).
SLOW: dict[str, Any] = {
    **TINY,
    "updates": 200,
    "seeds": list(range(10)),
    "task_options": {"length": 20},
}


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings)
    with TestClient(app) as test_client:
        yield test_client
    jobs = getattr(app.state, "experiments", None)
    if jobs is not None:
        jobs.cancel_all()  # no experiment thread outlives its test


def wait_until_finished(client: TestClient, experiment_id: str, seconds: float = 30) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        body = client.get(f"{URL}/{experiment_id}").json()
        if body["status"] != "running":
            return body
        time.sleep(0.05)
    raise AssertionError(f"experiment {experiment_id} still running after {seconds} s")


def test_create_experiment_runs_to_completion(client: TestClient) -> None:
    response = client.post(URL, json=TINY)
    assert response.status_code == 202
    created = response.json()
    assert created["total"] == 4
    assert response.headers["location"] == f"{URL}/{created['id']}"

    body = wait_until_finished(client, created["id"])
    assert body["status"] == "complete"
    assert body["complete"] is True
    assert (body["done"], body["total"]) == (4, 4)
    assert [(r["variant"], r["seed"]) for r in body["runs"]] == [
        ("vanilla", 0),
        ("NFG", 0),
        ("vanilla", 1),
        ("NFG", 1),
    ]
    run = body["runs"][0]
    assert run["final_loss"] > 0 and run["initial_loss"] > 0
    assert len(run["curve"]) == len(run["curve_updates"]) == 5
    assert set(body["medians"]) == {"vanilla", "NFG"}
    assert body["summary"].startswith("Median held-out loss, best first:")
    assert body["finding"] == GREFF_FINDING
    assert body["config"]["sequence_length"] == 5
    assert body["error"] is None


def test_an_experiment_on_reber_with_matched_parameters_reports_sizes_and_accuracy(
    client: TestClient,
) -> None:
    request = {
        **TINY,
        "task": "reber",
        "task_options": {"length": 8},
        "hidden_size": 4,
        "seeds": [0],
        "variants": ["vanilla", "FGR"],
        "match_parameters": True,
        "batch_size": 2,
    }
    body = wait_until_finished(client, client.post(URL, json=request).json()["id"])
    assert body["status"] == "complete"
    assert body["config"]["match_parameters"] is True and body["config"]["batch_size"] == 2
    runs = {r["variant"]: r for r in body["runs"]}
    assert runs["vanilla"]["hidden_size"] == 4 and runs["FGR"]["hidden_size"] < 4
    assert (
        abs(runs["FGR"]["parameters"] - runs["vanilla"]["parameters"])
        < 0.2 * runs["vanilla"]["parameters"]
    )
    assert all(0 <= r["final_accuracy"] <= 1 for r in runs.values())


def test_read_experiment_decimates_long_curves(client: TestClient) -> None:
    experiment_id = client.post(URL, json={**TINY, "updates": 120, "seeds": [0]}).json()["id"]
    run = wait_until_finished(client, experiment_id)["runs"][0]
    assert len(run["curve"]) == 50
    assert run["curve_updates"][0] == 1 and run["curve_updates"][-1] == 120


def test_read_experiment_defaults_lists_limits_and_finding(client: TestClient) -> None:
    response = client.get(f"{URL}/defaults")
    assert response.status_code == 200
    body = response.json()
    assert body["defaults"]["task"] == ExperimentConfig().task
    assert len(body["defaults"]["variants"]) == 9
    assert body["limits"]["seeds"] == 10
    assert body["max_running"] == 2
    assert body["finding"] == GREFF_FINDING


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"task": "nope"}, "task", "unknown task 'nope'"),
        ({"seeds": list(range(11))}, "seeds", "at most 10"),
        ({"seeds": []}, "seeds", "at least 1"),
        ({"seeds": [1, 1]}, "seeds", "distinct"),
        ({"updates": 5000}, "updates", "less than or equal to 1000"),
        ({"hidden_size": 65}, "hidden_size", "less than or equal to 64"),
        ({"learning_rate": 0}, "learning_rate", "greater than 0"),
        ({"time_budget_seconds": 1000}, "time_budget_seconds", "less than or equal to 120"),
        ({"variants": ["vanilla", "XYZ"]}, "variants", "unknown key 'XYZ'"),
        ({"variants": ["NP", "NP"]}, "variants", "distinct"),
        ({"task_options": {"length": 500}}, "task_options", "at most 200"),
        ({"task_options": {"colour": 1}}, "task_options", "unknown option 'colour'"),
        ({"task_options": {"length": 0}}, "task_options", "expected a value in"),
        (
            {"seeds": list(range(10)), "updates": 1000, "task_options": {"length": 200}},
            "updates",
            "= 4,000,000 time steps to train; an experiment allows at most 2,000,000",
        ),
        ({"optimizer": "adam"}, "optimizer", "Extra inputs are not permitted"),
        ({"batch_size": 17}, "batch_size", "less than or equal to 16"),
    ],
    ids=lambda v: str(v) if isinstance(v, str) else None,
)
def test_create_experiment_out_of_bounds_is_422(
    client: TestClient, change: dict, field: str, message: str
) -> None:
    response = client.post(URL, json={**TINY, **change})
    assert response.status_code == 422
    item = response.json()["detail"][0]
    assert item["loc"][:2] == ["body", field]
    assert message in item["msg"]


def test_create_experiment_with_nan_is_422(client: TestClient) -> None:
    response = client.post(
        URL, content=b'{"learning_rate": NaN}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


def test_create_experiment_hidden_size_over_setting_is_422(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"max_hidden_size": 4}))
    with TestClient(app) as small:
        response = small.post(URL, json={**TINY, "hidden_size": 8})
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == (
        "hidden_size: 8 exceeds the limit max_hidden_size=4"
    )


def test_create_experiment_beyond_running_limit_is_429(client: TestClient) -> None:
    first = client.post(URL, json=SLOW).json()["id"]
    second = client.post(URL, json=SLOW).json()["id"]
    response = client.post(URL, json=TINY)
    assert response.status_code == 429
    assert "2 experiments are running already" in response.json()["detail"]
    assert response.headers["retry-after"] == "10"
    for experiment_id in (first, second):
        assert client.delete(f"{URL}/{experiment_id}").status_code == 200
    # Deleted experiments count until the run in progress ends (a fraction of a second).
    deadline = time.monotonic() + 10
    while (response := client.post(URL, json=TINY)).status_code == 429:
        assert time.monotonic() < deadline, "deleted experiments never stopped"
        time.sleep(0.05)
    assert response.status_code == 202


def test_delete_experiment_cancels_and_returns_finished_runs(client: TestClient) -> None:
    experiment_id = client.post(URL, json=SLOW).json()["id"]
    response = client.delete(f"{URL}/{experiment_id}")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "cancelled"
    assert body["complete"] is False
    assert body["done"] < body["total"] == 20
    assert len(body["runs"]) == body["done"]
    assert client.get(f"{URL}/{experiment_id}").status_code == 404


def test_delete_finished_experiment_keeps_its_status(client: TestClient) -> None:
    experiment_id = client.post(URL, json=TINY).json()["id"]
    wait_until_finished(client, experiment_id)
    assert client.delete(f"{URL}/{experiment_id}").json()["status"] == "complete"


def test_experiment_nobody_reads_is_abandoned(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("lstm_explorer.app.experiment_jobs.ABANDON_SECONDS", 0.0)
    experiment_id = client.post(URL, json=SLOW).json()["id"]
    jobs: ExperimentJobs = client.app.state.experiments  # type: ignore[attr-defined]
    job = jobs.get(experiment_id)
    assert job.thread is not None
    job.thread.join(timeout=10)
    assert job.status == "abandoned"
    assert len(job.runs) < job.total


def test_time_budget_stops_before_every_run_finished(client: TestClient) -> None:
    experiment_id = client.post(URL, json={**SLOW, "time_budget_seconds": 0.01}).json()["id"]
    body = wait_until_finished(client, experiment_id)
    assert body["status"] == "stopped"
    # The budget is checked before each run starts (the clock starts before the data is made).
    assert body["done"] <= 1
    assert body["summary"] in (
        "No run finished within the time budget.",
        f"{body['summary'].split(' (')[0]} (only 1 of {body['total']} runs finished).",
    )


@pytest.mark.parametrize("method", ["get", "delete"])
def test_unknown_experiment_is_404(client: TestClient, method: str) -> None:
    response = getattr(client, method)(f"{URL}/no-such-id")
    assert response.status_code == 404
    assert response.json() == {
        "detail": "experiment 'no-such-id' not found (unknown, deleted or forgotten)"
    }


def test_read_experiment_sends_nonfinite_losses_as_null(client: TestClient) -> None:
    config = ExperimentConfig(seeds=(0,), variants=("vanilla",))
    job = ExperimentJob("diverged", config, sequence_length=20, status="complete")
    inf = math.inf
    job.runs.append(RunResult("vanilla", 0, inf, 3.0, [2.0, inf], True, 0.1))
    jobs = ExperimentJobs()
    client.app.state.experiments = jobs  # type: ignore[attr-defined]
    jobs.add(job)
    body = client.get(f"{URL}/diverged").json()
    assert body["nonfinite"] is True
    assert body["runs"][0]["final_loss"] is None
    assert body["runs"][0]["curve"] == [2.0, None]
    assert body["medians"] == {"vanilla": None}
    assert body["runs"][0]["diverged"] is True
