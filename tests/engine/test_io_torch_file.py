"""torch.save'd state_dicts read without torch: real files reproduce torch, hostile ones refused."""

from __future__ import annotations

import io
import pickle
import zipfile

import numpy as np
import pytest
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.io_archive import sniff_format
from lstm_explorer.engine.io_checks import Limits
from lstm_explorer.engine.io_frameworks import TORCH_ORDER, from_pytorch
from lstm_explorer.engine.io_torch_file import read_torch_file, read_torch_state_dict

from tests.engine.model_files import (
    FILES,
    INDEX,
    hidden_key,
    models,
    rezip,
    run_layer,
    sidecar,
    tensor_pickle,
    tolerance,
    torch_archive,
)

TORCH_MODELS = [n for n in models("torch-") if not INDEX[n].get("weights_only")]
SMALL = Limits(max_input_size=8, max_hidden_size=8, max_output_size=8, max_bytes=1 << 20)


def fixture_bytes(name: str) -> bytes:
    return (FILES / INDEX[name]["files"][0]).read_bytes()


# ----------------------------------------------------------------------------- real files
@pytest.mark.parametrize("name", TORCH_MODELS)
def test_a_torch_file_reproduces_torchs_outputs_through_the_engine(name: str) -> None:
    meta, want = INDEX[name], sidecar(name)
    model = read_torch_file(fixture_bytes(name))
    assert (model.cell, model.num_layers, model.source) == (
        meta["cell"],
        meta["num_layers"],
        "pytorch",
    )
    assert model.hidden_sizes == tuple(meta["hidden_sizes"])
    assert model.input_size == want["inputs"].shape[1]
    tol = tolerance(meta)
    below = want["inputs"]
    for layer in range(model.num_layers):  # layer l reads the engine's own layer l − 1
        forward = run_layer(model, layer, below)
        got = forward[hidden_key(model)]
        np.testing.assert_allclose(
            got, want[f"layer{layer}.y"], rtol=0, atol=tol, err_msg=f"layer {layer}"
        )
        below = got
    if meta["head"]:
        top = (
            model.readout["V"] @ below.T
            + model.readout["b_V" if model.cell == "lstm" else "c"][:, None]
        )
        np.testing.assert_allclose(top.T, want["output"], rtol=0, atol=tol)
        if model.num_layers == 1:  # the engine's own readout: y_hat = v under MSE
            np.testing.assert_allclose(forward["y_hat"], want["output"], rtol=0, atol=tol)
    else:
        assert model.readout == {}
        np.testing.assert_allclose(below, want["output"], rtol=0, atol=tol)


@pytest.mark.parametrize("name", models("torch-"))
def test_every_layer_holds_torchs_own_weights_in_the_notation(name: str) -> None:
    """DESIGN.md's mapping, written out here: rows i, f, g (our z), o; the two biases added."""
    meta, want = INDEX[name], sidecar(name)
    model = read_torch_file(fixture_bytes(name))
    torch_keys = [k.removeprefix("torch.") for k in want if k.startswith("torch.")]
    prefix = next(k for k in torch_keys if "weight_ih_l0" in k).removesuffix("weight_ih_l0")
    for layer, params in enumerate(model.layers):
        w_ih, w_hh = (
            want[f"torch.{prefix}weight_ih_l{layer}"],
            want[f"torch.{prefix}weight_hh_l{layer}"],
        )
        bias = want[f"torch.{prefix}bias_ih_l{layer}"] + want[f"torch.{prefix}bias_hh_l{layer}"]
        if meta["cell"] == "rnn":
            expected = {"U": w_ih, "W": w_hh, "b": bias}
        else:
            H = w_hh.shape[1]
            expected = {}
            for k, g in enumerate(TORCH_ORDER):
                rows = slice(k * H, (k + 1) * H)
                expected.update({f"W_{g}": w_ih[rows], f"R_{g}": w_hh[rows], f"b_{g}": bias[rows]})
        assert set(params) == set(expected)
        for key, value in expected.items():
            np.testing.assert_array_equal(params[key], value, err_msg=f"layer {layer} {key}")


@pytest.mark.parametrize("name", models("torch-"))
def test_layer_0_maps_as_todays_one_layer_import_does(name: str) -> None:
    """single_layer() and from_pytorch (the .safetensors/.npz path) agree on layer 0."""
    state = read_torch_state_dict(fixture_bytes(name))
    model = read_torch_file(fixture_bytes(name))
    one_layer = {k: v for k, v in state.items() if "_l" not in k or k.endswith("_l0")}
    today = from_pytorch(one_layer, model.cell, output_size=2)
    mine = model.single_layer(output_size=2)
    assert (mine.input_size, mine.hidden_size, mine.output_size) == (
        today.input_size,
        today.hidden_size,
        2,
    )
    shared = set(mine.params) & set(today.params)
    assert set(model.layers[0]) <= shared
    for key in shared:
        np.testing.assert_array_equal(mine.params[key], today.params[key], err_msg=key)
    if model.num_layers > 1:  # the head reads the top layer, not layer 0
        assert set(mine.missing) == {"V", "b_V"} if model.cell == "lstm" else {"V", "c"}


def test_bfloat16_weights_widen_to_float32_exactly() -> None:
    state = read_torch_state_dict(fixture_bytes("torch-lstm-1-bf16"))
    want = sidecar("torch-lstm-1-bf16")
    assert {k: v.dtype for k, v in state.items()} == {k[6:]: np.float32 for k in want}
    for key, value in state.items():
        np.testing.assert_array_equal(value, want[f"torch.{key}"], err_msg=key)


def test_a_training_checkpoint_yields_the_state_dict_inside_it() -> None:
    """{"epoch", "model_state_dict", "optimizer_state_dict"}: Adam's state is read, not used."""
    state = read_torch_state_dict(fixture_bytes("torch-lstm-2-checkpoint"))
    want = sidecar("torch-lstm-2-checkpoint")
    assert set(state) == {k[6:] for k in want}
    for key, value in state.items():
        np.testing.assert_array_equal(value, want[f"torch.{key}"], err_msg=key)


@pytest.mark.parametrize("name", [*TORCH_MODELS, "torch-whole-model"])
def test_a_torch_file_is_known_by_its_content(name: str) -> None:
    assert sniff_format(fixture_bytes(name)) == "pt"


@pytest.mark.parametrize(
    ("name", "words"),
    [
        (
            "torch-whole-model",
            ["refused pickle global __main__.Net", "torch.save(model.state_dict()"],
        ),
        ("torch-gru", ["weight_hh_l0", "GRU weights (3H rows"]),
        ("torch-bidirectional", ["_reverse", "bidirectional"]),
        ("torch-proj-size", ["weight_hr_l0", "proj_size"]),
    ],
)
def test_models_the_engine_does_not_compute_are_refused_by_name(
    name: str, words: list[str]
) -> None:
    with pytest.raises(FieldError) as err:
        read_torch_file(fixture_bytes(name))
    for word in words:
        assert word in str(err.value)


# ----------------------------------------------------------------------------- crafted files
def test_a_crafted_archive_reads_strided_views_as_torch_lays_them_out() -> None:
    """The positive control of the crafted files below: a transposed view with an offset."""
    elements = np.arange(8, dtype="<f4")
    pkl = tensor_pickle(
        {
            "t": ("FloatStorage", "0", 8, 1, (3, 2), (1, 3)),
            "v": ("FloatStorage", "0", 8, 0, (8,), (1,)),
        }
    )
    state = read_torch_state_dict(torch_archive(pkl, {"0": elements.tobytes()}))
    np.testing.assert_array_equal(state["t"], elements[1:7].reshape(2, 3).T)
    np.testing.assert_array_equal(state["v"], elements)
    assert (
        state["t"].base is None and state["t"].flags.writeable
    )  # a copy, not a view of the upload


def test_a_big_endian_file_reads_as_the_same_numbers() -> None:
    data = fixture_bytes("torch-lstm-1-f64")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        prefix = zf.namelist()[0].split("/")[0]
        swapped = {
            n: np.frombuffer(zf.read(n), "<f8").astype(">f8").tobytes()
            for n in zf.namelist()
            if "/data/" in n and not n.endswith("serialization_id")
        }
    big = rezip(data, {**swapped, f"{prefix}/byteorder": b"big"})
    mine, want = read_torch_state_dict(big), read_torch_state_dict(data)
    for key in want:
        np.testing.assert_array_equal(mine[key], want[key])
        assert mine[key].dtype.isnative


def _safetensors_with_header_length(n: int) -> bytes:
    header = b'{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'
    header += b" " * (n - len(header))
    return n.to_bytes(8, "little") + header + bytes(4)


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        (_safetensors_with_header_length(0x0380), "safetensors"),  # starts 0x80 0x03, as a pickle
        (_safetensors_with_header_length(64), "safetensors"),
        (b'  {"W_z": [[1.0]]}', "json"),
        (pickle.dumps({"w": 1.0}, protocol=2), "pickle"),
        (b"\x89HDF\r\n\x1a\n" + bytes(100), "h5"),
        (b"plain text", None),
    ],
    ids=["safetensors 0x380", "safetensors", "json", "pickle", "hdf5", "unknown"],
)
def test_a_parameter_file_is_known_by_its_first_bytes(data: bytes, fmt: str | None) -> None:
    assert sniff_format(data) == fmt


def test_an_npz_is_known_by_its_members() -> None:
    buf = io.BytesIO()
    np.savez(buf, W_z=np.ones((2, 1)))
    assert sniff_format(buf.getvalue()) == "npz"
