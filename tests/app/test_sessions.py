"""Sessions: create from a task or a sequence, read, update, delete; presets; limits."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from lstm_explorer.engine.tasks import TASKS
from lstm_explorer.engine.variants import VARIANT_DESCRIPTIONS

from tests.app.conftest import API, create_session, detail_text


def test_create_session_from_task_returns_description(client: TestClient) -> None:
    body = create_session(client, variant="NP+CIFG")
    assert body["cell"] == "lstm" and body["variant"] == "NP+CIFG"
    assert body["structure"]["peepholes"] is False and body["structure"]["coupled"] is True
    assert body["sizes"] == {"input_size": 1, "hidden_size": 3, "output_size": 1}
    assert body["T"] == 6 and body["cursors"]["forward_t"] == 0
    assert body["cursors"]["backward_t"] == 6
    assert "W_f" not in body["param_shapes"] and body["param_shapes"]["R_i"] == [3, 3]
    assert "df_bar" not in body["backward_keys"] and "dc" in body["backward_keys"]
    assert body["task"]["name"] == "sine" and body["task"]["options"] == {"length": 6}
    assert body["source"] == "config"


@pytest.mark.parametrize("task", sorted(TASKS))
def test_create_session_every_task(client: TestClient, task: str) -> None:
    body = create_session(client, task={"name": task, "options": {}}, hidden_size=None)
    info = TASKS[task]
    assert body["loss"] == info.loss
    assert body["sizes"]["hidden_size"] == info.hidden_size
    assert body["sizes"]["input_size"] == info.input_size


def test_create_session_from_sequence_mse(client: TestClient) -> None:
    seq = {"inputs": [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]], "targets": [None, [1.0], [0.5]]}
    body = create_session(client, task=None, sequence=seq, cell="rnn")
    assert body["cell"] == "rnn" and body["T"] == 3
    assert body["sizes"] == {"input_size": 2, "hidden_size": 3, "output_size": 1}
    assert body["forward_keys"] == ["x", "a", "h", "o", "y_hat"]


def test_create_session_from_sequence_labels(client: TestClient) -> None:
    seq = {"inputs": [[1.0], [0.0], [1.0]], "targets": [0, None, 2], "n_classes": 4}
    body = create_session(client, task=None, sequence=seq, loss="cross_entropy")
    assert body["loss"] == "cross_entropy" and body["sizes"]["output_size"] == 4


def test_create_session_task_and_sequence_is_422(client: TestClient) -> None:
    seq = {"inputs": [[1.0]], "targets": [[1.0]]}
    response = client.post(f"{API}/sessions", json={"task": {"name": "sine"}, "sequence": seq})
    assert response.status_code == 422
    assert "either a task or a sequence" in detail_text(response)


def test_create_session_unknown_task_is_422(client: TestClient) -> None:
    response = client.post(f"{API}/sessions", json={"task": {"name": "nope"}})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "task", "name"]


def test_create_session_bad_task_option_names_it(client: TestClient) -> None:
    response = client.post(
        f"{API}/sessions", json={"task": {"name": "sine", "options": {"period": 0.5}}}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "task", "options", "period"]


def test_create_session_wrong_loss_for_task_is_422(client: TestClient) -> None:
    response = client.post(f"{API}/sessions", json={**{"task": {"name": "copy"}}, "loss": "mse"})
    assert response.status_code == 422
    assert "cross_entropy" in detail_text(response)


def test_create_session_bad_variant_is_422(client: TestClient) -> None:
    for variant in ("XYZ", "NIG+CIFG"):
        response = client.post(f"{API}/sessions", json={"variant": variant})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "variant"]


@pytest.mark.parametrize(
    ("setting", "config", "field"),
    [
        ("max_hidden_size", {"hidden_size": 9}, "hidden_size"),
        ("max_sequence_length", {"task": {"name": "sine", "options": {"length": 9}}}, "T"),
        ("max_input_size", {"task": {"name": "weather"}}, "input_size"),
    ],
)
def test_create_session_over_limit_names_field_and_limit(
    make_client: Any, setting: str, config: dict[str, Any], field: str
) -> None:
    client = make_client(**{setting: 3 if setting == "max_input_size" else 8})
    response = client.post(f"{API}/sessions", json=config)
    assert response.status_code == 422
    assert field in detail_text(response) and f"{setting}=" in detail_text(response)


def test_create_session_sequence_over_length_limit(make_client: Any) -> None:
    client = make_client(max_sequence_length=2)
    seq = {"inputs": [[0.0]] * 3, "targets": [[0.0]] * 3}
    response = client.post(f"{API}/sessions", json={"sequence": seq})
    assert response.status_code == 422
    assert "sequence.inputs" in detail_text(response)
    assert "max_sequence_length=2" in detail_text(response)


def test_read_session_returns_same_description(client: TestClient, sid: str) -> None:
    response = client.get(f"{API}/sessions/{sid}")
    assert response.status_code == 200
    assert response.json()["id"] == sid


def test_read_session_unknown_is_404(client: TestClient) -> None:
    response = client.get(f"{API}/sessions/does-not-exist")
    assert response.status_code == 404
    assert "not found" in response.json()["detail"]


def test_update_session_truncate_and_clip(client: TestClient, sid: str) -> None:
    response = client.patch(
        f"{API}/sessions/{sid}", json={"truncate": 2, "clip": "value", "clip_threshold": 1.5}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["truncate"], body["clip"], body["clip_threshold"]) == (2, "value", 1.5)
    body = client.patch(f"{API}/sessions/{sid}", json={"truncate": None}).json()
    assert body["truncate"] is None and body["clip"] == "value"


def test_update_session_bad_truncate_is_422(client: TestClient, sid: str) -> None:
    response = client.patch(f"{API}/sessions/{sid}", json={"truncate": 0})
    assert response.status_code == 422


def test_delete_session_then_read_is_404(client: TestClient, sid: str) -> None:
    assert client.delete(f"{API}/sessions/{sid}").status_code == 204
    assert client.get(f"{API}/sessions/{sid}").status_code == 404
    assert client.delete(f"{API}/sessions/{sid}").status_code == 404


def test_read_presets_lists_tasks_variants_limits(client: TestClient) -> None:
    response = client.get(f"{API}/presets")
    assert response.status_code == 200
    body = response.json()
    assert [t["name"] for t in body["tasks"]] == list(TASKS)
    sine = body["tasks"][0]
    assert {"name": "length", "default": 50.0}.items() <= sine["options"][0].items()
    assert [v["key"] for v in body["variants"]] == list(VARIANT_DESCRIPTIONS)
    assert all(v["description"] for v in body["variants"])
    assert body["limits"]["max_hidden_size"] == 512
    assert set(body["cells"]) == {"lstm", "rnn"}
