"""Downloads (params, trace, snapshot), uploads (params in any layout, CSV) and restore."""

import io
import json
import zipfile
from typing import Any

import numpy as np
import pytest
import safetensors.numpy
from fastapi.testclient import TestClient

from tests.app.conftest import API, create_session, detail_text


def _npz(arrays: dict[str, np.ndarray]) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)  # type: ignore[arg-type]
    return buf.getvalue()


def _load_npz(data: bytes) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


def _params(client: TestClient, sid: str) -> dict[str, Any]:
    return client.get(f"{API}/sessions/{sid}/params").json()["params"]


def test_export_params_npz_and_json_match(client: TestClient, sid: str) -> None:
    params = _params(client, sid)
    response = client.get(f"{API}/sessions/{sid}/export/params")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    arrays = _load_npz(response.content)
    assert set(arrays) == set(params)
    np.testing.assert_array_equal(arrays["R_o"], params["R_o"])
    as_json = client.get(f"{API}/sessions/{sid}/export/params", params={"format": "json"}).json()
    assert as_json == params


def test_export_params_pytorch_for_np_lstm(client: TestClient) -> None:
    sid = create_session(client, variant="NP")["id"]
    params = _params(client, sid)
    response = client.get(f"{API}/sessions/{sid}/export/params", params={"format": "pytorch"})
    assert response.status_code == 200
    torch = _load_npz(response.content)
    assert set(torch) == {
        "weight_ih_l0",
        "weight_hh_l0",
        "bias_ih_l0",
        "bias_hh_l0",
        "linear.weight",
        "linear.bias",
    }
    H = 3
    np.testing.assert_array_equal(torch["weight_ih_l0"][2 * H : 3 * H], params["W_z"])
    np.testing.assert_array_equal(torch["weight_hh_l0"][:H], params["R_i"])


def test_export_params_pytorch_vanilla_is_422(client: TestClient, sid: str) -> None:
    response = client.get(f"{API}/sessions/{sid}/export/params", params={"format": "pytorch"})
    assert response.status_code == 422
    assert "only 'NP' can be exported" in detail_text(response)


def test_export_trace_formats(client: TestClient, sid: str) -> None:
    client.post(f"{API}/sessions/{sid}/backward", json={"to_end": True})
    arrays = _load_npz(client.get(f"{API}/sessions/{sid}/export/trace").content)
    assert arrays["c"].shape == (6, 3) and arrays["dc"].shape == (6, 3)
    assert arrays["delta_norms.dy"].shape == (6,) and arrays["loss_t"].shape == (6,)
    body = client.get(f"{API}/sessions/{sid}/export/trace", params={"format": "json"}).json()
    np.testing.assert_allclose(body["arrays"]["c"], arrays["c"])
    zipped = client.get(f"{API}/sessions/{sid}/export/trace", params={"format": "csv"})
    assert zipped.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as zf:
        assert "c.csv" in zf.namelist() and "dx.csv" in zf.namelist()
    one = client.get(f"{API}/sessions/{sid}/export/trace", params={"format": "csv", "key": "c"})
    assert one.headers["content-type"].startswith("text/csv")
    lines = one.text.splitlines()
    assert lines[0] == "t,c_1,c_2,c_3" and len(lines) == 7
    assert float(lines[1].split(",")[1]) == pytest.approx(arrays["c"][0, 0], rel=1e-15)


def test_export_trace_unknown_key_is_422(client: TestClient, sid: str) -> None:
    response = client.get(f"{API}/sessions/{sid}/export/trace", params={"key": "nope"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "key"]


@pytest.mark.parametrize("fmt", ["json", "npz"])
def test_restore_session_from_snapshot_round_trip(client: TestClient, fmt: str) -> None:
    sid = create_session(client, task={"name": "copy", "options": {"delay": 2}}, hidden_size=3)[
        "id"
    ]
    client.post(
        f"{API}/sessions/{sid}/train",
        json={"updates": 3, "optimizer": "sgd", "momentum": 0.5, "learning_rate": 0.1},
    )
    client.post(f"{API}/sessions/{sid}/forward", json={"steps": 2})
    snap = client.get(f"{API}/sessions/{sid}/snapshot", params={"format": fmt})
    assert snap.status_code == 200
    restored = client.post(f"{API}/sessions/restore", files={"file": (f"s.{fmt}", snap.content)})
    assert restored.status_code == 201, restored.text
    new = restored.json()
    old = client.get(f"{API}/sessions/{sid}").json()
    assert new["id"] != sid and new["source"] == "restore"
    for key in ("variant", "sizes", "T", "cursors", "loss", "task"):
        assert new[key] == old[key], key
    assert new["training"]["updates"] == 3 and new["training"]["optimizer"] == "sgd"
    assert _params(client, new["id"]) == _params(client, sid)
    # the optimiser state came along: the next update is the same in both sessions
    a = client.post(
        f"{API}/sessions/{sid}/train",
        json={"updates": 1, "optimizer": "sgd", "momentum": 0.5, "learning_rate": 0.1},
    )
    b = client.post(
        f"{API}/sessions/{new['id']}/train",
        json={"updates": 1, "optimizer": "sgd", "momentum": 0.5, "learning_rate": 0.1},
    )
    assert a.json()["loss"] == b.json()["loss"]


def test_restore_session_bad_files_are_422(client: TestClient) -> None:
    for content in (
        b"{}",
        b"not json",
        b"PK\x03\x04garbage",
        json.dumps(
            {"format": "lstm-explorer-session", "version": 1, "arrays": {"x": [1]}}
        ).encode(),
        b'{"arrays": {}, "x": NaN}',
    ):
        response = client.post(f"{API}/sessions/restore", files={"file": ("s.json", content)})
        assert response.status_code == 422, content


def test_restore_session_too_large_is_413(make_client: Any) -> None:
    client = make_client(max_upload_bytes=100)
    response = client.post(f"{API}/sessions/restore", files={"file": ("s.json", b" " * 200)})
    assert response.status_code == 413
    assert "max_upload_bytes=100" in response.json()["detail"]


def _torch_state(D: int = 1, H: int = 3, O: int = 1, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "lstm.weight_ih_l0": rng.standard_normal((4 * H, D)),
        "lstm.weight_hh_l0": rng.standard_normal((4 * H, H)),
        "lstm.bias_ih_l0": rng.standard_normal(4 * H),
        "lstm.bias_hh_l0": rng.standard_normal(4 * H),
        "fc.weight": rng.standard_normal((O, H)),
        "fc.bias": rng.standard_normal(O),
    }


def test_create_session_from_upload_pytorch_npz(client: TestClient) -> None:
    state = _torch_state()
    response = client.post(
        f"{API}/sessions/upload", files={"params_file": ("model.npz", _npz(state))}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["variant"] == "NP" and body["source"] == "upload"
    params = _params(client, body["id"])
    np.testing.assert_array_equal(params["W_z"], state["lstm.weight_ih_l0"][6:9])
    np.testing.assert_allclose(
        params["b_f"], state["lstm.bias_ih_l0"][3:6] + state["lstm.bias_hh_l0"][3:6]
    )
    np.testing.assert_array_equal(params["V"], state["fc.weight"])


def test_create_session_from_upload_pytorch_rnn_safetensors(client: TestClient) -> None:
    rng = np.random.default_rng(1)
    state = {
        "weight_ih_l0": rng.standard_normal((4, 1)),
        "weight_hh_l0": rng.standard_normal((4, 4)),
        "bias_ih_l0": np.zeros(4),
        "bias_hh_l0": np.ones(4),
    }
    data = bytes(safetensors.numpy.save(state))
    response = client.post(
        f"{API}/sessions/upload",
        data={"cell": "rnn"},
        files={"params_file": ("rnn.safetensors", data)},
    )
    assert response.status_code == 201, response.text
    params = _params(client, response.json()["id"])
    assert params["b"] == [1.0] * 4 and np.array(params["V"]).shape == (1, 4)


def test_create_session_from_upload_keras(client: TestClient) -> None:
    rng = np.random.default_rng(2)
    weights = {
        "lstm/kernel:0": rng.standard_normal((1, 8)),
        "lstm/recurrent_kernel:0": rng.standard_normal((2, 8)),
        "lstm/bias:0": rng.standard_normal(8),
        "dense/kernel:0": rng.standard_normal((2, 1)),
        "dense/bias:0": np.zeros(1),
    }
    response = client.post(
        f"{API}/sessions/upload", files={"params_file": ("k.npz", _npz(weights))}
    )
    assert response.status_code == 201, response.text
    params = _params(client, response.json()["id"])
    np.testing.assert_array_equal(params["W_z"], weights["lstm/kernel:0"][:, 4:6].T)


def test_create_session_from_upload_notation_guesses_variant(client: TestClient) -> None:
    sid = create_session(client, variant="NP+NOG")["id"]
    data = client.get(f"{API}/sessions/{sid}/export/params", params={"format": "json"}).content
    response = client.post(f"{API}/sessions/upload", files={"params_file": ("p.json", data)})
    assert response.status_code == 201, response.text
    assert response.json()["variant"] == "NOG+NP"
    assert _params(client, response.json()["id"]) == _params(client, sid)


def test_create_session_from_upload_ambiguous_variant_is_422(client: TestClient) -> None:
    sid = create_session(client, variant="CIFG")["id"]
    data = client.get(f"{API}/sessions/{sid}/export/params").content
    response = client.post(f"{API}/sessions/upload", files={"params_file": ("p.npz", data)})
    assert response.status_code == 422
    assert "NFG and CIFG" in detail_text(response)
    response = client.post(
        f"{API}/sessions/upload", data={"variant": "CIFG"}, files={"params_file": ("p.npz", data)}
    )
    assert response.status_code == 201


def test_create_session_from_upload_size_mismatch_is_422(client: TestClient) -> None:
    state = _torch_state(D=2)
    response = client.post(f"{API}/sessions/upload", files={"params_file": ("m.npz", _npz(state))})
    assert response.status_code == 422
    assert "input size D = 2" in detail_text(response)


def test_create_session_from_upload_bad_file_is_422(client: TestClient) -> None:
    for name, data in (("m.npz", b"PK\x03\x04broken"), ("m.txt", b"x"), ("m.json", b"[1, 2]")):
        response = client.post(f"{API}/sessions/upload", files={"params_file": (name, data)})
        assert response.status_code == 422, name
        assert response.json()["detail"][0]["loc"][1] == "params_file"


def test_create_session_from_upload_over_hidden_limit(make_client: Any) -> None:
    client = make_client(max_hidden_size=2)
    response = client.post(
        f"{API}/sessions/upload", files={"params_file": ("m.npz", _npz(_torch_state(H=3)))}
    )
    assert response.status_code == 422
    assert "1..2" in detail_text(response)


def test_create_session_from_upload_csv(client: TestClient) -> None:
    csv = "x1,x2,target\n0,1,0.5\n1,0,\n0.5,0.5,1\n"
    response = client.post(
        f"{API}/sessions/upload",
        data={"hidden_size": "2", "cell": "rnn"},
        files={"sequence_file": ("s.csv", csv.encode())},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["T"] == 3 and body["task"]["input_names"] == ["x1", "x2"]
    assert body["task"]["name"] == "csv"
    trace = client.post(f"{API}/sessions/{body['id']}/forward", json={"to_end": True}).json()
    assert trace["frames"][1]["values"]["target"] is None


def test_create_session_from_upload_csv_errors_name_row(client: TestClient) -> None:
    csv = "x1,target\n0,1\nabc,2\n"
    response = client.post(
        f"{API}/sessions/upload", files={"sequence_file": ("s.csv", csv.encode())}
    )
    assert response.status_code == 422
    assert "csv: row 3" in detail_text(response)
    assert response.json()["detail"][0]["loc"][1] == "sequence_file"


def test_create_session_from_upload_too_large_is_413(make_client: Any) -> None:
    client = make_client(max_upload_bytes=50)
    response = client.post(
        f"{API}/sessions/upload", files={"params_file": ("m.npz", _npz(_torch_state()))}
    )
    assert response.status_code == 413
    assert "params_file" in response.json()["detail"]
