"""POST /sessions/upload with model files as PyTorch and Keras save them (tests/fixtures/files)."""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.app.conftest import API, detail_text
from tests.engine.model_files import FILES, INDEX, sidecar, tolerance, torch_archive

ONE_LAYER = [
    (name, file)
    for name, meta in INDEX.items()
    if meta.get("num_layers") == 1 and not meta.get("weights_only")
    for file in meta["files"]
]


def sequence_csv(inputs: np.ndarray, targets: np.ndarray) -> bytes:
    """The fixture's inputs as x columns, the framework's outputs as targets (exact reprs)."""
    D, O = inputs.shape[1], targets.shape[1]
    rows = [",".join([*(f"x{k + 1}" for k in range(D)), *(f"target{k + 1}" for k in range(O))])]
    rows += [
        ",".join(repr(float(v)) for v in (*x, *y)) for x, y in zip(inputs, targets, strict=True)
    ]
    return ("\n".join(rows) + "\n").encode()


def upload(client: TestClient, file: str, data: bytes | None = None, **form: Any) -> Any:
    """The file as params_file; with a fixture's inputs and outputs as the sequence, if it has them."""
    files = {"params_file": (file, data or (FILES / file).read_bytes())}
    stem = file.rsplit(".", 1)[0]
    if (FILES / f"{stem}.npz").exists():
        want = sidecar(stem)
        # a many-to-one model's output is its last step's: every step gets it as a target
        targets = np.broadcast_to(want["output"], (len(want["inputs"]), want["output"].shape[-1]))
        files["sequence_file"] = ("seq.csv", sequence_csv(want["inputs"], targets))
    return client.post(f"{API}/sessions/upload", data={"n_inputs": "3", **form}, files=files)


@pytest.mark.parametrize(("name", "file"), ONE_LAYER, ids=[f for _, f in ONE_LAYER])
def test_upload_one_layer_model_file_computes_what_the_framework_computed(
    client: TestClient, name: str, file: str
) -> None:
    meta, want = INDEX[name], sidecar(name)
    response = upload(client, file)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["cell"] == meta["cell"] and body["source"] == "upload"
    assert body["sizes"] == {
        "input_size": 3,
        "hidden_size": meta["hidden_sizes"][0],
        "output_size": want["output"].shape[-1],
    }
    sid = body["id"]
    assert client.post(f"{API}/sessions/{sid}/forward", json={"to_end": True}).status_code == 200
    forward = client.get(f"{API}/sessions/{sid}/trace").json()["forward"]
    hidden = "y" if meta["cell"] == "lstm" else "h"
    tol = tolerance(meta)
    np.testing.assert_allclose(forward[hidden], want["layer0.y"], rtol=0, atol=tol)
    head_tol = (
        max(tol, 1e-6) if meta["framework"].startswith("keras") else tol
    )  # Keras's float32 matmul
    np.testing.assert_allclose(forward["y_hat"], want["output"], rtol=0, atol=head_tol)


def test_upload_linear_keras_lstm_is_the_niaf_noaf_variant(client: TestClient) -> None:
    response = upload(client, "keras-lstm-linear.keras")
    assert response.status_code == 201, response.text
    assert response.json()["variant"] == "NIAF+NOAF+NP"


@pytest.mark.parametrize(
    "file",
    ["torch-lstm-2-f64.pt", "torch-lstm-3-f64.pt", "torch-rnn-2-f32.pt", "keras-rnn-2.h5"],
)
def test_upload_stacked_model_file_computes_every_layer_the_framework_computed(
    client: TestClient, file: str
) -> None:
    name = file.rsplit(".", 1)[0]
    meta, want = INDEX[name], sidecar(name)
    response = upload(client, file)
    assert response.status_code == 201, response.text
    body = response.json()
    L = meta["num_layers"]
    assert body["num_layers"] == L and body["layer"] == L - 1
    assert f"W@{L - 1}" in body["param_shapes"] or f"W_z@{L - 1}" in body["param_shapes"]
    sid = body["id"]
    frames = client.post(f"{API}/sessions/{sid}/forward", json={"to_end": True}).json()
    assert frames["frames"][-1]["layer"] == L - 1  # frames show the top layer by default
    forward = client.get(f"{API}/sessions/{sid}/trace").json()["forward"]
    hidden = "y" if meta["cell"] == "lstm" else "h"
    tol = tolerance(meta)
    for l in range(L):
        key = hidden if l == 0 else f"{hidden}@{l}"
        np.testing.assert_allclose(forward[key], want[f"layer{l}.y"], rtol=0, atol=tol)
    head_tol = max(tol, 1e-6) if meta["framework"].startswith("keras") else tol
    np.testing.assert_allclose(forward["y_hat"], want["output"], rtol=0, atol=head_tol)


@pytest.mark.parametrize(
    ("file", "name"),
    [
        ("weights.bin", "torch-lstm-1-f64.pt"),
        ("model.zip", "keras-lstm-1.keras"),
        ("model.dat", "keras-lstm-1.h5"),
    ],
)
def test_upload_model_file_is_known_by_its_content_not_its_name(
    client: TestClient, file: str, name: str
) -> None:
    stem = name.rsplit(".", 1)[0]
    want = sidecar(stem)
    files = {
        "params_file": (file, (FILES / name).read_bytes()),
        "sequence_file": ("seq.csv", sequence_csv(want["inputs"], want["output"])),
    }
    response = client.post(f"{API}/sessions/upload", data={"n_inputs": "3"}, files=files)
    assert response.status_code == 201, response.text


def test_upload_model_file_with_another_layout_is_refused(client: TestClient) -> None:
    response = upload(client, "torch-lstm-1-f64.pt", layout="keras")
    assert response.status_code == 422
    assert "layout" in detail_text(response) and "pytorch" in detail_text(response)


def test_upload_model_file_with_another_variant_is_refused(client: TestClient) -> None:
    response = upload(client, "torch-lstm-1-f64.pt", variant="vanilla")
    assert response.status_code == 422
    assert "the file's LSTM is 'NP', not 'vanilla'" in detail_text(response)


@pytest.mark.parametrize(
    ("file", "words"),
    [
        ("torch-whole-model.pt", "torch.save(model.state_dict(), 'm.pt')"),
        ("torch-gru.pt", "GRU weights"),
        ("keras-gru.h5", "GRU layers are not supported"),
        ("keras-hard-sigmoid.keras", "hard_sigmoid"),
    ],
)
def test_upload_model_file_the_engine_does_not_compute_is_refused(
    client: TestClient, file: str, words: str
) -> None:
    response = upload(client, file)
    assert response.status_code == 422
    assert words in detail_text(response)


class _System:
    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple:
        return os.system, (self.command,)


def test_upload_pickle_payload_is_refused_and_never_runs(
    client: TestClient, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    payload = pickle.dumps({"w": _System(f"touch {marker}")}, protocol=2)
    response = upload(client, "evil.pt", torch_archive(payload, {}))
    assert response.status_code == 422
    assert "params_file: refused pickle global posix.system" in detail_text(response)
    assert not marker.exists()


def test_upload_file_that_crashes_libhdf5_leaves_the_server_serving(client: TestClient) -> None:
    response = upload(client, "hostile-h5-segfault.h5")
    assert response.status_code == 422
    assert "the HDF5 library failed on this file" in detail_text(response)
    assert client.get(f"{API}/health").status_code == 200
    assert upload(client, "keras-lstm-1.h5").status_code == 201
