"""POST /api/v1/trace against the engine itself, and the exact shape of its contract."""

import json
import math
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from lstm_explorer.engine.init import init_params
from lstm_explorer.engine.problem import Problem
from lstm_explorer.engine.sequence import run_trace
from lstm_explorer.engine.spec import ModelSpec, param_shapes
from lstm_explorer.engine.variants import Variant

from tests.app.conftest import API, detail_text

CASES = [("lstm", v) for v in ("vanilla", "NP", "NIG", "NFG", "NOG", "CIFG", "FGR", "NP+NOAF")]
CASES += [("rnn", "vanilla")]


def _request(
    cell: str,
    variant: str,
    loss: str = "mse",
    T: int = 5,
    D: int = 2,
    H: int = 3,
    O: int = 2,
    seed: int = 0,
) -> tuple[ModelSpec, dict[str, Any]]:
    spec = ModelSpec(cell, D, H, O, Variant.parse(variant), loss)
    rng = np.random.default_rng(seed)
    params = init_params(spec, seed)
    inputs = rng.standard_normal((T, D))
    if loss == "mse":
        targets: list[Any] = [rng.standard_normal(O).tolist() for _ in range(T)]
        targets[1] = None
    else:
        targets = [int(k) for k in rng.integers(0, O, size=T)]
        targets[0] = None
    body = {
        "cell": cell,
        "variant": variant,
        "params": {k: v.tolist() for k, v in params.items()},
        "inputs": inputs.tolist(),
        "targets": targets,
        "loss": loss,
    }
    return spec, body


@pytest.mark.parametrize(("cell", "variant"), CASES, ids=[f"{c}-{v}" for c, v in CASES])
def test_create_trace_matches_engine(client: TestClient, cell: str, variant: str) -> None:
    spec, body = _request(cell, variant)
    response = client.post(f"{API}/trace", json=body)
    assert response.status_code == 200, response.text
    got = response.json()
    params = {k: np.array(v) for k, v in body["params"].items()}
    want = run_trace(Problem.build(spec, params, np.array(body["inputs"]), body["targets"]))
    assert set(got) == {"forward", "backward", "grads", "initial_state_grads", "loss"}
    assert got["loss"] == pytest.approx(want.loss, rel=1e-12)
    for part in ("forward", "backward", "grads", "initial_state_grads"):
        want_part = getattr(want, part)
        assert set(got[part]) == set(want_part)
        for key, arr in want_part.items():
            np.testing.assert_allclose(np.array(got[part][key]), arr, rtol=1e-12, atol=1e-15)


def test_create_trace_contract_shapes(client: TestClient) -> None:
    T, D, H, O = 4, 2, 3, 2
    spec, body = _request("lstm", "vanilla", T=T, D=D, H=H, O=O)
    got = client.post(f"{API}/trace", json=body).json()
    for key, rows in got["forward"].items():
        assert len(rows) == T, key
        width = {"x": D, "v": O, "y_hat": O}.get(key, H)
        assert all(len(r) == width for r in rows), key
    assert set(got["backward"]) == {"dv", "dy", "do_bar", "dc", "df_bar", "di_bar", "dz_bar", "dx"}
    assert np.array(got["backward"]["dx"]).shape == (T, D)
    assert set(got["grads"]) == {f"d{k}" for k in param_shapes(spec)}
    for key, shape in param_shapes(spec).items():
        assert np.array(got["grads"][f"d{key}"]).shape == shape
    assert isinstance(got["loss"], float)


def test_create_trace_cross_entropy_labels_and_initial_state(client: TestClient) -> None:
    spec, body = _request("lstm", "NP", loss="cross_entropy", O=3)
    body["initial_state"] = {"y": [0.1, 0.0, -0.1], "c": [0.5, 0.5, 0.5]}
    body["truncate"] = 2
    response = client.post(f"{API}/trace", json=body)
    assert response.status_code == 200, response.text
    params = {k: np.array(v) for k, v in body["params"].items()}
    want = run_trace(
        Problem.build(
            spec, params, np.array(body["inputs"]), body["targets"], body["initial_state"], 2
        )
    )
    assert response.json()["loss"] == pytest.approx(want.loss)
    np.testing.assert_allclose(
        response.json()["initial_state_grads"]["c"], want.initial_state_grads["c"]
    )


def test_create_trace_rnn_forward_keys(client: TestClient) -> None:
    _, body = _request("rnn", "vanilla")
    got = client.post(f"{API}/trace", json=body).json()
    assert set(got["forward"]) == {"x", "a", "h", "o", "y_hat"}
    assert set(got["backward"]) == {"do", "dh", "da", "dx"}
    assert set(got["grads"]) == {"dU", "dW", "db", "dV", "dc"}


def test_create_trace_nan_literal_is_422(client: TestClient) -> None:
    _, body = _request("rnn", "vanilla")
    raw = json.dumps(body).replace('"inputs": [[', '"inputs": [[NaN, ', 1)
    for bad in (raw, raw.replace("NaN", "Infinity"), raw.replace("NaN", "-Infinity")):
        response = client.post(
            f"{API}/trace", content=bad, headers={"content-type": "application/json"}
        )
        assert response.status_code == 422, bad[:80]
        assert "not a number JSON allows" in detail_text(response)


def test_create_trace_missing_param_names_it(client: TestClient) -> None:
    _, body = _request("lstm", "vanilla")
    del body["params"]["R_f"]
    response = client.post(f"{API}/trace", json=body)
    assert response.status_code == 422
    assert "R_f" in detail_text(response)
    assert response.json()["detail"][0]["loc"][:2] == ["body", "params"]


def test_create_trace_wrong_shape_names_param(client: TestClient) -> None:
    _, body = _request("lstm", "NP")
    body["params"]["b_o"] = [0.0]
    response = client.post(f"{API}/trace", json=body)
    assert response.status_code == 422
    assert "params.b_o" in detail_text(response)


def test_create_trace_ragged_inputs_is_422(client: TestClient) -> None:
    _, body = _request("rnn", "vanilla")
    body["inputs"][2] = [1.0]
    response = client.post(f"{API}/trace", json=body)
    assert response.status_code == 422
    assert "inputs" in detail_text(response)


def test_create_trace_over_hidden_limit_names_limit(make_client: Any) -> None:
    client = make_client(max_hidden_size=2)
    _, body = _request("rnn", "vanilla", H=3)
    response = client.post(f"{API}/trace", json=body)
    assert response.status_code == 422
    assert "max_hidden_size=2" in detail_text(response)


def test_create_trace_over_length_limit_names_limit(make_client: Any) -> None:
    client = make_client(max_sequence_length=4)
    _, body = _request("rnn", "vanilla", T=5)
    response = client.post(f"{API}/trace", json=body)
    assert response.status_code == 422
    assert "max_sequence_length=4" in detail_text(response)


def test_create_trace_rnn_variant_is_422(client: TestClient) -> None:
    _, body = _request("rnn", "vanilla")
    body["variant"] = "NP"
    response = client.post(f"{API}/trace", json=body)
    assert response.status_code == 422
    assert "variant" in detail_text(response)


def test_create_trace_overflow_is_flagged_not_500(client: TestClient) -> None:
    _, body = _request("rnn", "vanilla", T=3, D=1, H=2, O=1)
    body["params"]["V"] = [[1e308, 1e308]]
    body["params"]["U"] = [[10.0], [10.0]]
    body["inputs"] = [[1.0], [1.0], [1.0]]
    body["targets"] = [[1e308], [-1e308], [0.0]]
    response = client.post(f"{API}/trace", json=body)
    assert response.status_code == 200, response.text
    got = response.json()
    assert got["nonfinite"] is True
    assert "NaN" not in response.text and "Infinity" not in response.text
    assert got["loss"] is None or not math.isfinite(got["loss"]) or got["loss"] > 0


def test_create_trace_unknown_field_is_422(client: TestClient) -> None:
    _, body = _request("rnn", "vanilla")
    body["learning_rate"] = 0.1
    response = client.post(f"{API}/trace", json=body)
    assert response.status_code == 422
    assert "learning_rate" in detail_text(response)
