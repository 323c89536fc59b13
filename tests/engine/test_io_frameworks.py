"""PyTorch and Keras weights ↔ the notation: runs against torch fixtures, round trips, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from lstm_explorer.engine.activations import sigmoid
from lstm_explorer.engine.init import init_params
from lstm_explorer.engine.io_params import Limits, from_keras, from_pytorch, to_keras, to_pytorch
from lstm_explorer.engine.problem import Problem
from lstm_explorer.engine.sequence import run_trace
from lstm_explorer.engine.spec import ModelSpec
from lstm_explorer.engine.variants import Variant

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
NP_SPEC = ModelSpec("lstm", 3, 4, 2, Variant.parse("NP"))
RNN_SPEC = ModelSpec("rnn", 3, 4, 2)
SMALL = Limits(max_input_size=8, max_hidden_size=8, max_output_size=8)


def fixture(name: str) -> tuple[dict, dict[str, np.ndarray]]:
    meta = json.loads((FIXTURES / "index.json").read_text())["fixtures"][name]
    with np.load(FIXTURES / f"{name}.npz", allow_pickle=False) as data:
        return meta, {k: data[k] for k in data.files}


def group(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    return {k.split(".", 1)[1]: a for k, a in arrays.items() if k.startswith(prefix + ".")}


@pytest.mark.parametrize(
    "name",
    ["torch_lstm-mse", "torch_lstm-cross_entropy", "torch_rnn-mse", "torch_rnn-cross_entropy"],
)
def test_a_pytorch_state_dict_imports_to_a_model_that_reproduces_torchs_run(name: str) -> None:
    meta, arrays = fixture(name)
    readout = group(arrays, "params")
    state_dict = {f"lstm.{k}": a for k, a in group(arrays, "torch").items()}
    state_dict["fc.weight"] = readout["V"]
    state_dict["fc.bias"] = readout["b_V" if meta["cell"] == "lstm" else "c"]
    imported = from_pytorch(state_dict, meta["cell"])
    assert imported.missing == ()
    for key, want in group(arrays, "params").items():
        np.testing.assert_allclose(imported.params[key], want, rtol=0, atol=1e-15, err_msg=key)
    spec = imported.spec(meta["cell"], loss=meta["loss"])
    result = run_trace(
        Problem.build(
            spec, imported.params, arrays["inputs"], meta["targets"], group(arrays, "initial_state")
        )
    )
    hidden = "y" if meta["cell"] == "lstm" else "h"
    np.testing.assert_allclose(result.forward[hidden], arrays[f"forward.{hidden}"], atol=1e-12)


@pytest.mark.parametrize("spec", [NP_SPEC, RNN_SPEC], ids=["lstm NP", "rnn"])
@pytest.mark.parametrize("prefix", ["", "lstm.", "model.rnn."])
def test_from_pytorch_inverts_to_pytorch_exactly(spec: ModelSpec, prefix: str) -> None:
    params = init_params(spec, seed=2)
    params["b_z" if spec.cell == "lstm" else "b"] += 0.5  # non-zero biases travel too
    state_dict = to_pytorch(params, spec, prefix=prefix)
    imported = from_pytorch(state_dict, spec.cell)
    assert imported.params.keys() == params.keys()
    for key in params:
        np.testing.assert_array_equal(imported.params[key], params[key], err_msg=key)
    assert set(imported.from_file) == set(params) and imported.missing == ()
    assert imported.spec(spec.cell) == spec


@pytest.mark.parametrize("cell", ["lstm", "rnn"])
def test_to_pytorch_inverts_from_pytorch_with_the_bias_moved_into_bias_ih(cell: str) -> None:
    rng = np.random.default_rng(0)
    g = 4 if cell == "lstm" else 1
    sd = {
        "weight_ih_l0": rng.normal(size=(g * 4, 3)),
        "weight_hh_l0": rng.normal(size=(g * 4, 4)),
        "bias_ih_l0": rng.normal(size=g * 4),
        "bias_hh_l0": rng.normal(size=g * 4),
        "linear.weight": rng.normal(size=(2, 4)),
        "linear.bias": rng.normal(size=2),
    }
    imported = from_pytorch(sd, cell)
    back = to_pytorch(imported.params, imported.spec(cell))
    assert back.keys() == sd.keys()
    for key in ("weight_ih_l0", "weight_hh_l0", "linear.weight", "linear.bias"):
        np.testing.assert_array_equal(back[key], sd[key])
    np.testing.assert_allclose(back["bias_ih_l0"], sd["bias_ih_l0"] + sd["bias_hh_l0"])
    assert np.all(back["bias_hh_l0"] == 0)


def test_pytorch_gate_rows_i_f_g_o_become_w_i_w_f_w_z_w_o() -> None:
    w = np.repeat(np.arange(4.0), 2)[:, None] * np.ones((8, 3))  # rows: block k holds k
    sd = {"weight_ih_l0": w, "weight_hh_l0": np.zeros((8, 2))}
    params = from_pytorch(sd, "lstm", output_size=1).params
    assert [params[f"W_{g}"][0, 0] for g in "ifzo"] == [0.0, 1.0, 2.0, 3.0]


def test_without_a_readout_the_caller_gets_sizes_and_must_initialise_v() -> None:
    sd = {
        k: v
        for k, v in to_pytorch(init_params(NP_SPEC, 0), NP_SPEC).items()
        if not k.startswith("linear")
    }
    imported = from_pytorch(sd, "lstm", output_size=5)
    assert (imported.input_size, imported.hidden_size, imported.output_size) == (3, 4, 5)
    assert imported.missing == ("V", "b_V")
    assert "V" not in imported.params and "W_z" in imported.from_file


def test_a_bias_free_pytorch_layer_imports_with_zero_biases_not_from_the_file() -> None:
    sd = {"weight_ih_l0": np.ones((4, 3)), "weight_hh_l0": np.eye(4), "out.weight": np.ones((1, 4))}
    imported = from_pytorch(sd, "rnn")
    assert np.all(imported.params["b"] == 0) and np.all(imported.params["c"] == 0)
    assert set(imported.from_file) == {"U", "W", "V"}


def test_float32_pytorch_weights_are_accepted() -> None:
    sd = {k: v.astype(np.float32) for k, v in to_pytorch(init_params(NP_SPEC, 0), NP_SPEC).items()}
    assert from_pytorch(sd, "lstm").params["W_z"].dtype == np.float64


def lstm_sd(**changes: object) -> dict:
    sd: dict = {
        "weight_ih_l0": np.zeros((16, 3)),
        "weight_hh_l0": np.zeros((16, 4)),
        "bias_ih_l0": np.zeros(16),
        "bias_hh_l0": np.zeros(16),
        "linear.weight": np.zeros((2, 4)),
        "linear.bias": np.zeros(2),
    }
    sd.update(changes)
    return {k: v for k, v in sd.items() if v is not None}


@pytest.mark.parametrize(
    ("sd", "message"),
    [
        pytest.param(lstm_sd(weight_ih_l1=np.zeros((16, 4))), "only one layer", id="second layer"),
        pytest.param(
            lstm_sd(weight_ih_l0_reverse=np.zeros((16, 3))), "bidirectional", id="bidirectional"
        ),
        pytest.param(lstm_sd(weight_hr_l0=np.zeros((2, 4))), "proj_size", id="projection"),
        pytest.param(
            lstm_sd(running_mean=np.zeros(4)), "running_mean: not an nn.LSTM", id="unknown key"
        ),
        pytest.param(
            lstm_sd(**{"head.weight": np.zeros((2, 4))}), "more than one Linear", id="two readouts"
        ),
        pytest.param(
            {**lstm_sd(), "enc.weight_hh_l0": np.zeros((16, 4))},
            "more than one recurrent",
            id="two recurrent modules",
        ),
        pytest.param(
            lstm_sd(weight_hh_l0=None),
            r"needs weight_ih_l0 \(4H, D\) and weight_hh_l0",
            id="no recurrent weights",
        ),
        pytest.param(
            lstm_sd(weight_ih_l0=np.zeros((15, 3))),
            r"weight_ih_l0: expected shape \(4H, D\) = \(16, 3\), got \(15, 3\)",
            id="rows not 4H",
        ),
        pytest.param(
            lstm_sd(weight_hh_l0=np.zeros(16)),
            r"weight_hh_l0: expected shape \(4H, H\), got \(16,\)",
            id="1-D weight_hh",
        ),
        pytest.param(
            lstm_sd(bias_hh_l0=np.zeros(12)),
            r"bias_hh_l0: expected shape \(4H,\) = \(16,\)",
            id="short bias",
        ),
        pytest.param(
            lstm_sd(**{"linear.weight": np.zeros((2, 5))}),
            r"linear\.weight: expected shape \(O, H\) = \(2, 4\)",
            id="readout of wrong H",
        ),
        pytest.param(
            lstm_sd(**{"linear.weight": None}),
            r"linear\.weight: the Linear readout",
            id="readout bias only",
        ),
        pytest.param(
            lstm_sd(weight_ih_l0=np.zeros((16, 3), dtype=np.int32)),
            r"weight_ih_l0: dtype int32 .* expected floats of shape \(4H, D\)",
            id="integer weights",
        ),
        pytest.param(
            lstm_sd(weight_ih_l0=np.zeros((16, 3), dtype=np.complex64)),
            "weight_ih_l0: dtype complex64",
            id="complex weights",
        ),
        pytest.param(
            lstm_sd(weight_ih_l0=np.zeros((16, 3), dtype=object)),
            "weight_ih_l0: dtype object",
            id="object weights",
        ),
        pytest.param(
            lstm_sd(weight_ih_l0=[[0.0] * 3] * 16),
            "weight_ih_l0: expected an array",
            id="a list, not an array",
        ),
        pytest.param(
            lstm_sd(bias_ih_l0=np.full(16, np.nan)), "bias_ih_l0: contains NaN", id="NaN bias"
        ),
        pytest.param(
            lstm_sd(weight_ih_l0=np.zeros((16, 9))),
            r"input size D .* expected 1..8, got 9",
            id="D over the limit",
        ),
        pytest.param(
            lstm_sd(weight_hh_l0=np.zeros((36, 9))),
            r"hidden size H .* expected 1..8, got 9",
            id="H over the limit",
        ),
        pytest.param({}, "non-empty dict", id="empty"),
    ],
)
def test_bad_pytorch_state_dicts_are_refused_naming_the_key(sd: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        from_pytorch(sd, "lstm", limits=SMALL)


def test_pytorch_output_size_must_agree_with_the_readout_or_be_given_without_one() -> None:
    with pytest.raises(ValueError, match="output_size: 3 given but the readout has O = 2"):
        from_pytorch(lstm_sd(), "lstm", output_size=3)
    no_readout = lstm_sd(**{"linear.weight": None, "linear.bias": None})
    with pytest.raises(ValueError, match="output_size: no Linear readout"):
        from_pytorch(no_readout, "lstm")
    with pytest.raises(ValueError, match=r"output_size: expected 1\.\.8, got 9"):
        from_pytorch(no_readout, "lstm", output_size=9, limits=SMALL)


def test_an_unknown_cell_is_refused() -> None:
    with pytest.raises(ValueError, match="cell"):
        from_pytorch(lstm_sd(), "gru")


@pytest.mark.parametrize("variant", ["vanilla", "NIG", "CIFG", "FGR", "NP+NIAF"])
def test_exporting_a_variant_other_than_np_to_pytorch_is_refused(variant: str) -> None:
    spec = ModelSpec("lstm", 3, 4, 2, Variant.parse(variant))
    with pytest.raises(ValueError, match="PyTorch's LSTM has no peepholes and no variants"):
        to_pytorch(init_params(spec, 0), spec)


# ----------------------------------------------------------------------------- Keras
def keras_lstm(
    x: np.ndarray, kernel: np.ndarray, recurrent: np.ndarray, bias: np.ndarray
) -> np.ndarray:
    """Keras's LSTM as its documentation writes it: columns i, f, c, o; returns h of every step."""
    H = recurrent.shape[0]
    h, c, out = np.zeros(H), np.zeros(H), []
    for x_t in x:
        z = x_t @ kernel + h @ recurrent + bias
        i, f = sigmoid(z[:H]), sigmoid(z[H : 2 * H])
        c = f * c + i * np.tanh(z[2 * H : 3 * H])
        h = sigmoid(z[3 * H :]) * np.tanh(c)
        out.append(h)
    return np.array(out)


def test_keras_weights_import_to_a_model_that_reproduces_keras_equations() -> None:
    rng = np.random.default_rng(4)
    kernel, recurrent, bias = (
        rng.normal(size=(3, 16)),
        rng.normal(size=(4, 16)) * 0.5,
        rng.normal(size=16),
    )
    imported = from_keras(kernel, recurrent, bias, dense_kernel=rng.normal(size=(4, 2)))
    x = rng.normal(size=(7, 3))
    result = run_trace(Problem.build(imported.spec("lstm"), imported.params, x))
    np.testing.assert_allclose(
        result.forward["y"], keras_lstm(x, kernel, recurrent, bias), atol=1e-12
    )
    assert set(imported.from_file) == set(imported.params) - {"b_V"}


def test_from_keras_inverts_to_keras_exactly() -> None:
    params = init_params(NP_SPEC, seed=5)
    params["b_f"] += 0.25
    imported = from_keras(**to_keras(params, NP_SPEC))
    for key in params:
        np.testing.assert_array_equal(imported.params[key], params[key], err_msg=key)


def test_keras_without_dense_needs_output_size() -> None:
    imported = from_keras(np.zeros((3, 8)), np.zeros((2, 8)), output_size=1)
    assert imported.missing == ("V", "b_V") and all(
        np.all(imported.params[f"b_{g}"] == 0) for g in "zifo"
    )
    with pytest.raises(ValueError, match="output_size: no Dense kernel"):
        from_keras(np.zeros((3, 8)), np.zeros((2, 8)))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param(
            {"kernel": np.zeros((3, 15))},
            r"kernel: expected shape \(D, 4H\) = \(3, 16\)",
            id="kernel columns not 4H",
        ),
        pytest.param(
            {"recurrent_kernel": np.zeros((4, 12))},
            r"recurrent_kernel: expected shape \(H, 4H\) = \(4, 16\)",
            id="recurrent not 4H",
        ),
        pytest.param(
            {"bias": np.zeros(4)}, r"bias: expected shape \(4H,\) = \(16,\)", id="short bias"
        ),
        pytest.param(
            {"dense_bias": np.zeros(2)},
            "dense_bias: given without dense_kernel",
            id="dense bias alone",
        ),
        pytest.param(
            {"dense_kernel": np.zeros((5, 2))},
            r"dense_kernel: expected shape \(H, O\) = \(4, 2\)",
            id="dense of wrong H",
        ),
        pytest.param(
            {"kernel": np.zeros((3, 16), dtype=np.int8)}, "kernel: dtype int8", id="integer kernel"
        ),
        pytest.param(
            {"recurrent_kernel": np.zeros((9, 36))},
            r"hidden size H .* got 9",
            id="H over the limit",
        ),
    ],
)
def test_bad_keras_weights_are_refused_naming_the_weight(kwargs: dict, message: str) -> None:
    args = {
        "kernel": np.zeros((3, 16)),
        "recurrent_kernel": np.zeros((4, 16)),
        "output_size": 2,
        **kwargs,
    }
    with pytest.raises(ValueError, match=message):
        from_keras(**args, limits=SMALL)


def test_exporting_a_variant_other_than_np_to_keras_is_refused() -> None:
    spec = ModelSpec("lstm", 3, 4, 2)
    with pytest.raises(ValueError, match="Keras's LSTM has no peepholes"):
        to_keras(init_params(spec, 0), spec)
