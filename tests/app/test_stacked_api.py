"""Stacked layers over the API: num_layers in sessions and /trace, frames of a chosen layer, the
limit and the memory estimate counting every layer."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from lstm_explorer.app.memory_limit import session_bytes
from lstm_explorer.engine.problem import Problem
from lstm_explorer.engine.sequence import run_trace
from lstm_explorer.engine.spec import ModelSpec, param_shapes
from lstm_explorer.engine.variants import Variant

from tests.app.conftest import API, create_session, detail_text


def stacked_trace_body(cell: str, L: int) -> tuple[dict[str, Any], ModelSpec, dict]:
    variant = Variant.parse("NP") if cell == "lstm" else Variant()
    spec = ModelSpec(cell, 2, 3, 2, variant, "mse", num_layers=L)
    rng = np.random.default_rng(3)
    params = {k: rng.uniform(-0.5, 0.5, size=s) for k, s in param_shapes(spec).items()}
    inputs = rng.standard_normal((4, 2))
    targets = [None, [0.1, 0.2], None, [0.3, -0.1]]
    body = {
        "cell": cell,
        "variant": variant.key,
        "num_layers": L,
        "params": {k: v.tolist() for k, v in params.items()},
        "inputs": inputs.tolist(),
        "targets": targets,
    }
    return body, spec, {"params": params, "inputs": inputs, "targets": targets}


@pytest.mark.parametrize(("cell", "L"), [("lstm", 2), ("lstm", 3), ("rnn", 2)])
def test_trace_of_a_stack_is_the_engines_under_layer_keys(
    client: TestClient, cell: str, L: int
) -> None:
    body, spec, raw = stacked_trace_body(cell, L)
    response = client.post(f"{API}/trace", json=body)
    assert response.status_code == 200, response.text
    got = response.json()
    want = run_trace(Problem.build(spec, raw["params"], raw["inputs"], raw["targets"]))
    hidden = "y" if cell == "lstm" else "h"
    assert f"{hidden}@{L - 1}" in got["forward"] and f"{hidden}@{L}" not in got["forward"]
    for part in ("forward", "backward", "grads", "initial_state_grads"):
        mine = getattr(want, part)
        assert set(got[part]) == set(mine)
        for key, arr in mine.items():
            np.testing.assert_allclose(got[part][key], arr, rtol=0, atol=1e-12, err_msg=key)
    assert got["loss"] == pytest.approx(want.loss, abs=1e-12)


def test_trace_params_of_the_wrong_layer_count_are_refused_naming_them(client: TestClient) -> None:
    body, _, _ = stacked_trace_body("rnn", 2)
    body["num_layers"] = 1
    response = client.post(f"{API}/trace", json=body)
    assert response.status_code == 422
    assert "unexpected U@1, W@1, b@1" in detail_text(response)


def test_num_layers_over_the_setting_is_refused_naming_field_and_limit(make_client: Any) -> None:
    client = make_client(max_num_layers=2)
    response = client.post(
        f"{API}/sessions", json={"task": {"name": "sine"}, "hidden_size": 3, "num_layers": 3}
    )
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"][-1] == "num_layers"
    assert "3 exceeds the limit max_num_layers=2" in detail["msg"]
    body, _, _ = stacked_trace_body("lstm", 3)
    response = client.post(f"{API}/trace", json=body)
    assert response.status_code == 422
    assert "max_num_layers=2" in detail_text(response)


def test_the_memory_estimate_counts_every_layer(make_client: Any) -> None:
    sizes = (1, 64, 1, 200)
    one, four = session_bytes(sizes), session_bytes(sizes, 4)
    assert four > 3 * one
    client = make_client(max_session_bytes=(one + four) // 2)
    config = {"task": {"name": "sine", "options": {"length": 200}}, "hidden_size": 64}
    assert client.post(f"{API}/sessions", json=config).status_code == 201
    response = client.post(f"{API}/sessions", json={**config, "num_layers": 4})
    assert response.status_code == 422
    assert "in 4 layers" in detail_text(response) and "max_session_bytes" in detail_text(response)


def test_a_stacked_session_shows_the_top_layer_and_any_layer_it_is_told(
    client: TestClient,
) -> None:
    body = create_session(client, num_layers=3)
    sid = body["id"]
    assert body["num_layers"] == 3 and body["layer"] == 2
    assert "W_z@2" in body["param_shapes"] and "W_z@3" not in body["param_shapes"]
    assert "y@2" in body["forward_keys"]
    top = client.post(f"{API}/sessions/{sid}/forward", json={"to_end": True}).json()["frames"][-1]
    assert top["layer"] == 2 and "y_hat" in top["values"]
    response = client.patch(f"{API}/sessions/{sid}", json={"layer": 0})
    assert response.status_code == 200 and response.json()["layer"] == 0
    t = body["T"] - 1
    low = client.post(f"{API}/sessions/{sid}/seek", json={"t": t}).json()
    assert low["layer"] == 0 and "y_hat" not in low["values"] and "v" not in low["values"]
    trace = client.get(f"{API}/sessions/{sid}/trace").json()["forward"]
    np.testing.assert_allclose(low["values"]["y"], trace["y"][t], rtol=0, atol=0)
    np.testing.assert_allclose(top["values"]["y"], trace["y@2"][t], rtol=0, atol=0)
    back = client.post(f"{API}/sessions/{sid}/backward", json={"to_end": True}).json()
    frame = back["frames"][-1]
    assert frame["layer"] == 0 and "dy_from_above" in frame["deltas"]
    assert "dy_readout" not in frame["deltas"]
    response = client.patch(f"{API}/sessions/{sid}", json={"layer": 3})
    assert response.status_code == 422
    assert "layer: expected a layer in 0..2" in detail_text(response)


def test_a_one_layer_session_reads_as_before(client: TestClient) -> None:
    body = create_session(client)
    assert body["num_layers"] == 1 and body["layer"] is None
    assert not any("@" in k for k in body["param_shapes"])
    frame = client.post(f"{API}/sessions/{body['id']}/forward").json()["frames"][0]
    assert "layer" not in frame


@pytest.mark.parametrize(("cell", "fmt"), [("lstm", "npz"), ("rnn", "json")])
def test_a_stacks_exported_params_upload_as_the_same_stack(
    client: TestClient, cell: str, fmt: str
) -> None:
    body = create_session(client, cell=cell, num_layers=3)
    sid = body["id"]
    exported = client.get(f"{API}/sessions/{sid}/export/params?format={fmt}")
    assert exported.status_code == 200, exported.text
    files = {"params_file": (f"p.{fmt}", exported.content)}
    form = {"cell": cell, "task": "sine", "task_options": '{"length": 6}', "seed": "1"}
    response = client.post(f"{API}/sessions/upload", data=form, files=files)
    assert response.status_code == 201, response.text
    again = response.json()
    assert again["num_layers"] == 3 and again["param_shapes"] == body["param_shapes"]
    mine = client.get(f"{API}/sessions/{sid}/params").json()["params"]
    theirs = client.get(f"{API}/sessions/{again['id']}/params").json()["params"]
    assert mine == theirs


def test_a_stacks_snapshot_restores_every_layer(client: TestClient) -> None:
    sid = create_session(client, num_layers=2)["id"]
    client.post(f"{API}/sessions/{sid}/train", json={"updates": 2})
    snap = client.get(f"{API}/sessions/{sid}/snapshot").content
    response = client.post(f"{API}/sessions/restore", files={"file": ("s.npz", snap)})
    assert response.status_code == 201, response.text
    rid = response.json()["id"]
    assert response.json()["num_layers"] == 2
    mine = client.get(f"{API}/sessions/{sid}/params").json()["params"]
    assert client.get(f"{API}/sessions/{rid}/params").json()["params"] == mine


def test_presets_name_the_layer_limit(make_client: Any) -> None:
    limits = make_client(max_num_layers=3).get(f"{API}/presets").json()["limits"]
    assert limits["max_num_layers"] == 3


def test_frames_of_a_stack_carry_every_layer_at_their_step(client: TestClient) -> None:
    sid = create_session(client, num_layers=2)["id"]
    frames = client.post(f"{API}/sessions/{sid}/forward", json={"steps": 3}).json()["frames"]
    trace = client.get(f"{API}/sessions/{sid}/trace").json()["forward"]
    for frame in frames:
        for l, key in enumerate(("c", "c@1")):
            assert frame["stack"]["c"][l] == trace[key][frame["t"]]
    back = client.post(f"{API}/sessions/{sid}/backward").json()["frames"][0]
    assert len(back["stack"]["dy"]) == 2
    one = create_session(client)["id"]
    frame = client.post(f"{API}/sessions/{one}/forward").json()["frames"][0]
    assert "stack" not in frame
