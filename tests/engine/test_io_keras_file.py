"""Keras .keras and legacy .h5 files: real ones reproduce Keras, the config is honoured or refused."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.io_archive import sniff_format
from lstm_explorer.engine.io_checks import Limits
from lstm_explorer.engine.io_frameworks import from_keras
from lstm_explorer.engine.io_keras_file import read_h5_file, read_keras_file

from tests.engine.model_files import (
    FILES,
    INDEX,
    hidden_key,
    models,
    rezip,
    run_layer,
    sidecar,
    tolerance,
)

READERS = {".keras": read_keras_file, ".h5": read_h5_file}
KERAS_FILES = [(n, f) for n in models("keras-") for f in INDEX[n]["files"]]
SMALL = Limits(max_input_size=8, max_hidden_size=8, max_output_size=8, max_bytes=1 << 20)


def read(file: str, limits: Limits | None = None) -> Any:
    reader = READERS[Path(file).suffix]
    return reader((FILES / file).read_bytes(), *([limits] if limits else []))


def softmax(v: np.ndarray) -> np.ndarray:
    e = np.exp(v - v.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# ----------------------------------------------------------------------------- real files
@pytest.mark.parametrize(("name", "file"), KERAS_FILES, ids=[f for _, f in KERAS_FILES])
def test_a_keras_file_reproduces_keras_outputs_through_the_engine(name: str, file: str) -> None:
    meta, want = INDEX[name], sidecar(name)
    model = read(file)
    assert (model.cell, model.num_layers, model.source) == (
        meta["cell"],
        meta["num_layers"],
        "keras",
    )
    assert model.hidden_sizes == tuple(meta["hidden_sizes"])
    assert model.loss == meta["loss"]
    tol = tolerance(meta)
    below = want["inputs"]
    for layer in range(model.num_layers):  # layer l reads the engine's own layer l − 1
        forward = run_layer(model, layer, below, loss=model.loss)
        got = forward[hidden_key(model)]
        np.testing.assert_allclose(
            got, want[f"layer{layer}.y"], rtol=0, atol=tol, err_msg=f"layer {layer}"
        )
        below = got
    readout = list(model.readout.values())
    v = below @ readout[0].T + readout[1]
    out = softmax(v) if model.loss == "cross_entropy" else v
    steps = slice(None) if meta["return_sequences"] else -1  # many-to-one: the last step only
    # Keras 3.15's torch backend multiplies in float32 even in a float64 Dense (measured: its
    # ops.matmul of two float64 tensors returns float32): its head agrees to float32 precision
    head_tol = max(tol, 1e-6)
    np.testing.assert_allclose(out[steps], want["output"], rtol=0, atol=head_tol)
    if model.num_layers == 1:  # the engine's own readout
        np.testing.assert_allclose(forward["y_hat"][steps], want["output"], rtol=0, atol=head_tol)


@pytest.mark.parametrize(("name", "file"), KERAS_FILES, ids=[f for _, f in KERAS_FILES])
def test_every_layer_holds_keras_own_weights_in_the_notation(name: str, file: str) -> None:
    """DESIGN.md's mapping, written out here: kernel columns i, f, c (our z), o, transposed."""
    want = sidecar(name)
    model = read(file)
    for layer, params in enumerate(model.layers):
        kernel, recurrent = want[f"keras.l{layer}.kernel"], want[f"keras.l{layer}.recurrent_kernel"]
        H = recurrent.shape[0]
        bias = want.get(f"keras.l{layer}.bias", np.zeros(kernel.shape[1]))
        if model.cell == "rnn":
            expected = {"U": kernel.T, "W": recurrent.T, "b": bias}
        else:
            expected = {}
            for n, g in enumerate("ifzo"):
                cols = slice(n * H, (n + 1) * H)
                expected.update(
                    {
                        f"W_{g}": kernel[:, cols].T,
                        f"R_{g}": recurrent[:, cols].T,
                        f"b_{g}": bias[cols],
                    }
                )
        assert set(params) == set(expected)
        for key, value in expected.items():
            np.testing.assert_array_equal(params[key], value, err_msg=f"layer {layer} {key}")
    np.testing.assert_array_equal(model.readout["V"], want["keras.head.kernel"].T)


@pytest.mark.parametrize("name", [n for n in models("keras-lstm") if INDEX[n]["num_layers"] == 1])
def test_layer_0_maps_as_todays_keras_import_does(name: str) -> None:
    want = sidecar(name)
    model = read(INDEX[name]["files"][0])
    today = from_keras(
        want["keras.l0.kernel"],
        want["keras.l0.recurrent_kernel"],
        want["keras.l0.bias"],
        want["keras.head.kernel"],
        want["keras.head.bias"],
    )
    mine = model.single_layer()
    assert mine.missing == today.missing == ()
    assert set(mine.params) == set(today.params)
    for key, value in today.params.items():
        np.testing.assert_array_equal(mine.params[key], value, err_msg=key)


def test_the_config_is_honoured() -> None:
    """Linear activation → NIAF+NOAF; use_bias=False → zero biases; softmax → cross-entropy."""
    assert read("keras-lstm-linear.keras").variant == "NIAF+NOAF+NP"
    assert read("keras-lstm-1.keras").variant == "NP"
    rnn = read("keras-rnn-1.keras")
    assert not rnn.layers[0]["b"].any()
    lstm2 = read("keras-lstm-2.keras")
    assert lstm2.loss == "cross_entropy"
    assert any("return_sequences=False" in note for note in lstm2.notes)
    assert any("Dropout" in note for note in read("keras-rnn-2.h5").notes)


@pytest.mark.parametrize(
    ("file", "fmt"), [("keras-lstm-1.keras", "keras"), ("keras-lstm-1.h5", "h5")]
)
def test_a_keras_file_is_known_by_its_content(file: str, fmt: str) -> None:
    assert sniff_format((FILES / file).read_bytes()) == fmt


@pytest.mark.parametrize(
    ("file", "loc", "words"),
    [
        ("keras-gru.h5", ("gru",), "GRU layers are not supported"),
        (
            "keras-hard-sigmoid.keras",
            ("lstm", "recurrent_activation"),
            "'hard_sigmoid' (the default of older Keras)",
        ),
    ],
)
def test_real_files_of_models_the_engine_does_not_compute_are_refused(
    file: str, loc: tuple[str, ...], words: str
) -> None:
    with pytest.raises(FieldError) as err:
        read(file)
    assert err.value.loc == loc
    assert words in err.value.message


# ----------------------------------------------------------------------------- the config
def edited_keras(file: str, edit: Callable[[dict], object]) -> bytes:
    data = (FILES / file).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        config = json.loads(zf.read("config.json"))
    edit(config)
    return rezip(data, {"config.json": json.dumps(config).encode()})


def layer(config: dict, n: int) -> dict:
    return config["config"]["layers"][n]["config"]


def set_class(config: dict, n: int, cls: str) -> None:
    config["config"]["layers"][n]["class_name"] = cls


def set_history(config: dict, n: int, source: str) -> None:
    node = config["config"]["layers"][n]["inbound_nodes"][0]["args"][0]
    node["config"]["keras_history"][0] = source


@pytest.mark.parametrize(
    ("file", "edit", "loc", "words"),
    [
        (
            "keras-lstm-1.keras",
            lambda c: layer(c, 1).update(activation="relu"),
            ("lstm", "activation"),
            "'relu': the engine computes tanh",
        ),
        (
            "keras-rnn-1.keras",
            lambda c: layer(c, 1).update(activation="linear"),
            ("rnn", "activation"),
            "'linear': the engine computes tanh",
        ),
        (
            "keras-lstm-1.keras",
            lambda c: layer(c, 1).update(recurrent_activation="tanh"),
            ("lstm", "recurrent_activation"),
            "logistic sigmoid",
        ),
        (
            "keras-lstm-1.keras",
            lambda c: layer(c, 1).update(go_backwards=True),
            ("lstm", "go_backwards"),
            "backwards",
        ),
        (
            "keras-lstm-2.keras",
            lambda c: layer(c, 1).update(return_sequences=False),
            ("encoder", "return_sequences"),
            "below the top layer",
        ),
        (
            "keras-lstm-2.keras",
            lambda c: set_history(c, 2, "x"),
            ("summary",),
            "only a chain of layers",
        ),
        (
            "keras-lstm-1.keras",
            lambda c: set_class(c, 1, "Bidirectional"),
            ("lstm",),
            "bidirectional layers are not supported",
        ),
        (
            "keras-lstm-1.keras",
            lambda c: set_class(c, 1, "Conv1D"),
            ("lstm",),
            "a Conv1D layer is not supported",
        ),
        (
            "keras-lstm-1.keras",
            lambda c: layer(c, 2).update(activation="sigmoid"),
            ("dense", "activation"),
            "linear (mse) or softmax",
        ),
        ("keras-rnn-2.keras", lambda c: set_class(c, 3, "LSTM"), (), "mixes LSTM and SimpleRNN"),
        (
            "keras-lstm-1.keras",
            lambda c: c.update(class_name="Foo"),
            (),
            "expected a Sequential or functional model, got Foo",
        ),
        (
            "keras-lstm-1.keras",
            lambda c: c["config"]["layers"].reverse(),
            ("dense",),
            "a Dense layer below a recurrent one",
        ),
        (
            "keras-lstm-1.keras",
            lambda c: layer(c, 1).update(units=5),
            ("lstm", "units"),
            "5, but the weights have 4",
        ),
        (
            "keras-lstm-1.keras",
            lambda c: layer(c, 1).update(use_bias=False),
            ("lstm", "bias"),
            "use_bias is false but the file has a bias",
        ),
    ],
    ids=[
        "LSTM relu",
        "SimpleRNN linear",
        "gates tanh",
        "go_backwards",
        "return_sequences below the top",
        "a branch",
        "Bidirectional",
        "Conv1D",
        "sigmoid head",
        "mixed cells",
        "not a model",
        "head below",
        "units",
        "use_bias",
    ],
)
def test_each_option_the_engine_does_not_compute_is_refused_with_its_layer(
    file: str, edit: Callable[[dict], object], loc: tuple[str, ...], words: str
) -> None:
    with pytest.raises(FieldError) as err:
        read_keras_file(edited_keras(file, edit))
    assert err.value.loc == loc
    assert words in err.value.message


def test_a_config_that_is_no_json_or_too_big_is_refused() -> None:
    data = (FILES / "keras-lstm-1.keras").read_bytes()
    with pytest.raises(FieldError, match="not valid JSON"):
        read_keras_file(rezip(data, {"config.json": b"[" * 100_000}))
    with pytest.raises(FieldError, match="declares 2000000 bytes"):
        read_keras_file(rezip(data, {"config.json": b" " * 2_000_000}))
    with pytest.raises(FieldError, match=r"no member 'model\.weights\.h5'"):
        read_keras_file(rezip(data, {"model.weights.h5": None}))
