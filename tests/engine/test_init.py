"""init_params: shapes and dtypes per variant, determinism, the chosen scale of each parameter."""

from __future__ import annotations

import math

import numpy as np
import pytest
from lstm_explorer.engine.init import init_params
from lstm_explorer.engine.spec import ModelSpec, check_params, param_shapes
from lstm_explorer.engine.variants import FGR_KEYS, Variant

VARIANTS = ["vanilla", "NIG", "NFG", "NOG", "NIAF", "NOAF", "NP", "CIFG", "FGR", "NP+CIFG"]


def lstm(variant: str = "vanilla", dtype: str = "float64", d: int = 3, h: int = 5, o: int = 2):
    return ModelSpec("lstm", d, h, o, Variant.parse(variant), "mse", dtype)


RNN = ModelSpec("rnn", 3, 5, 2)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("variant", VARIANTS)
def test_lstm_params_have_exactly_the_variants_shapes_and_dtype(variant: str, dtype: str) -> None:
    spec = lstm(variant, dtype)
    params = init_params(spec, seed=0)
    assert {k: v.shape for k, v in params.items()} == param_shapes(spec)
    assert all(v.dtype == spec.np_dtype for v in params.values())
    check_params(spec, params)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_rnn_params_have_exactly_the_rnn_shapes_and_dtype(dtype: str) -> None:
    spec = ModelSpec("rnn", 3, 5, 2, dtype=dtype)
    params = init_params(spec, seed=0)
    assert {k: v.shape for k, v in params.items()} == param_shapes(spec)
    assert all(v.dtype == spec.np_dtype for v in params.values())


@pytest.mark.parametrize("spec", [lstm(), lstm("FGR"), RNN], ids=["vanilla", "FGR", "rnn"])
def test_the_same_seed_gives_the_same_parameters(spec: ModelSpec) -> None:
    a, b = init_params(spec, seed=42), init_params(spec, seed=42)
    assert all(np.array_equal(a[k], b[k]) for k in a)


def test_different_seeds_give_different_weights() -> None:
    a, b = init_params(lstm(), seed=1), init_params(lstm(), seed=2)
    assert not np.array_equal(a["W_z"], b["W_z"])


def test_variants_of_one_seed_share_the_weights_they_have_in_common() -> None:
    vanilla, np_ = init_params(lstm("vanilla"), seed=7), init_params(lstm("NP"), seed=7)
    for key in np_:
        assert np.array_equal(vanilla[key], np_[key]), key


@pytest.mark.parametrize("h", [1, 4, 16])
@pytest.mark.parametrize(
    "spec_of", [lstm, lambda h: ModelSpec("rnn", 3, h, 2)], ids=["lstm", "rnn"]
)
def test_orthogonal_recurrent_matrices_are_orthogonal(spec_of, h: int) -> None:
    spec = spec_of(h=h) if spec_of is lstm else spec_of(h)
    params = init_params(spec, seed=3, recurrent="orthogonal")
    keys = ["W"] if spec.cell == "rnn" else [f"R_{g}" for g in spec.variant.gates]
    for key in keys:
        r = params[key]
        np.testing.assert_allclose(r @ r.T, np.eye(h), atol=1e-12, err_msg=key)


@pytest.mark.parametrize("recurrent", ["xavier", "uniform"])
def test_non_orthogonal_recurrent_schemes_are_bounded_uniform(recurrent: str) -> None:
    h = 6
    params = init_params(lstm(h=h), seed=0, recurrent=recurrent)
    bound = math.sqrt(6 / (2 * h)) if recurrent == "xavier" else 1 / math.sqrt(h)
    assert np.max(np.abs(params["R_z"])) <= bound


@pytest.mark.parametrize(
    ("scheme", "bound"), [("xavier", math.sqrt(6 / (3 + 8))), ("uniform", 1 / math.sqrt(8))]
)
def test_input_weights_stay_within_the_schemes_bound(scheme: str, bound: float) -> None:
    params = init_params(lstm(d=3, h=8), seed=0, scheme=scheme)
    for g in "zifo":
        w = params[f"W_{g}"]
        assert np.max(np.abs(w)) <= bound
        assert np.max(np.abs(w)) > bound / 2  # the whole range is used, not a tiny corner


@pytest.mark.parametrize("forget_bias", [0.0, 1.0, 2.5])
def test_forget_bias_sets_b_f_and_leaves_other_biases_zero(forget_bias: float) -> None:
    params = init_params(lstm(), seed=0, forget_bias=forget_bias)
    assert np.all(params["b_f"] == forget_bias)
    for key in ("b_z", "b_i", "b_o", "b_V"):
        assert np.all(params[key] == 0), key


@pytest.mark.parametrize("variant", ["NFG", "CIFG"])
def test_variants_without_forget_parameters_get_no_b_f(variant: str) -> None:
    assert "b_f" not in init_params(lstm(variant), seed=0, forget_bias=1.0)


@pytest.mark.parametrize("scale", [0.0, 0.1, 0.5])
def test_peepholes_are_small_and_bounded_by_peephole_scale(scale: float) -> None:
    params = init_params(lstm(), seed=0, peephole_scale=scale)
    for g in "ifo":
        assert np.max(np.abs(params[f"p_{g}"])) <= scale


def test_fgr_gate_to_gate_matrices_start_small() -> None:
    h = 9
    params = init_params(lstm("FGR", h=h), seed=0)
    for key in FGR_KEYS:
        assert np.max(np.abs(params[key])) <= 0.1 / math.sqrt(h), key


def test_rnn_biases_start_at_zero() -> None:
    params = init_params(RNN, seed=0)
    assert np.all(params["b"] == 0) and np.all(params["c"] == 0)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        pytest.param({"seed": -1}, "seed", id="negative seed"),
        pytest.param({"seed": 1.5}, "seed", id="fractional seed"),
        pytest.param({"seed": True}, "seed", id="boolean seed"),
        pytest.param({"scheme": "he"}, "scheme", id="unknown scheme"),
        pytest.param({"recurrent": "identity"}, "recurrent", id="unknown recurrent scheme"),
        pytest.param({"forget_bias": math.nan}, "forget_bias", id="NaN forget bias"),
        pytest.param({"forget_bias": 1e9}, "forget_bias", id="huge forget bias"),
        pytest.param({"peephole_scale": -0.1}, "peephole_scale", id="negative peephole scale"),
        pytest.param({"peephole_scale": math.inf}, "peephole_scale", id="infinite peephole scale"),
    ],
)
def test_bad_options_are_refused_naming_the_option(kwargs: dict, field: str) -> None:
    options = {"seed": 0, **kwargs}
    with pytest.raises(ValueError, match=field):
        init_params(lstm(), **options)
