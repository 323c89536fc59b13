"""Bad input is refused up front with a FieldError located at the field and naming it in its
message: inputs, params, targets, initial state, truncation, variants, the model spec."""

from __future__ import annotations

import re

import numpy as np
import pytest
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.problem import Problem
from lstm_explorer.engine.spec import ModelSpec, param_shapes
from lstm_explorer.engine.variants import FGR_KEYS, Variant

from tests.engine.gradcheck import make_spec, random_inputs, random_params

GOOD = make_spec()  # D=2, H=3, O=2, vanilla, MSE


def problem_with(**changes: object) -> Problem:
    """A vanilla model on 4 steps, with one argument replaced."""
    args: dict[str, object] = {
        "spec": GOOD,
        "params": random_params(GOOD, 0),
        "inputs": random_inputs(GOOD, 4, 0),
        "targets": None,
        "initial_state": None,
        "truncate": None,
    }
    args.update(changes)
    return Problem.build(**args)  # type: ignore[arg-type]


def with_param(key: str, value: object) -> dict[str, object]:
    return {**random_params(GOOD, 0), key: value}


def without_param(key: str) -> dict[str, object]:
    return {k: v for k, v in random_params(GOOD, 0).items() if k != key}


BAD_INPUT = {
    "empty_sequence": ({"inputs": np.zeros((0, 2))}, "inputs: the sequence is empty"),
    "one_dimensional_inputs": ({"inputs": np.zeros(4)}, "inputs: expected a T×D array, got 1"),
    "wrong_input_size": ({"inputs": np.zeros((4, 3))}, "inputs: expected 2 values per step, got 3"),
    "ragged_inputs": ({"inputs": [[1.0, 2.0], [3.0]]}, "inputs: expected a T×D array of numbers"),
    "text_inputs": ({"inputs": [["a", "b"]]}, "inputs: expected a T×D array of numbers"),
    "nan_input": ({"inputs": [[0.0, np.nan]] * 4}, "inputs: contains NaN or Inf"),
    "inf_input": ({"inputs": [[np.inf, 0.0]] * 4}, "inputs: contains NaN or Inf"),
    "missing_param": ({"params": without_param("R_f")}, "params: missing R_f"),
    "param_of_another_variant": (
        {"params": with_param("R_ii", np.zeros((3, 3)))},
        "params: unexpected R_ii",
    ),
    "param_shape_mismatch": (
        {"params": with_param("W_z", np.zeros((2, 3)))},
        "params.W_z: expected shape (3, 2), got (2, 3)",
    ),
    "nan_param": ({"params": with_param("p_o", [0.0, np.nan, 0.0])}, "params.p_o: contains NaN"),
    "non_numeric_param": ({"params": with_param("b_V", ["x", "y"])}, "params.b_V: not an array"),
    "targets_of_wrong_length": ({"targets": [None] * 5}, "targets: expected 4 entries"),
    "target_of_wrong_size": (
        {"targets": [[1.0], None, None, None]},
        "targets[0]: expected 2 numbers",
    ),
    "inf_target": (
        {"targets": [[np.inf, 0.0], None, None, None]},
        "targets[0]: contains NaN or Inf",
    ),
    "initial_state_shape": (
        {"initial_state": {"y": np.zeros(2)}},
        "initial_state.y: expected shape",
    ),
    "initial_state_nan": ({"initial_state": {"c": [np.nan] * 3}}, "initial_state.c: contains NaN"),
    "initial_state_unknown": ({"initial_state": {"h": np.zeros(3)}}, "initial_state: unexpected h"),
    "truncate_negative": ({"truncate": -1}, "truncate: expected a positive number of steps"),
    "truncate_float": ({"truncate": 2.0}, "truncate: expected a positive number of steps"),
    "truncate_bool": ({"truncate": True}, "truncate: expected a positive number of steps"),
}


def loc_of(message: str) -> tuple[str | int, ...]:
    """The loc a message's field names: "params.W_z" → ("params", "W_z"), "targets[0]" → (…, 0)."""
    head = message.split(":")[0]
    return tuple(int(p) if p.isdigit() else p for p in re.findall(r"\w+", head))


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_is_refused_with_a_field_error_at_the_field(case: str) -> None:
    changes, message = BAD_INPUT[case]
    with pytest.raises(FieldError, match=re.escape(message)) as caught:
        problem_with(**changes)
    assert caught.value.loc == loc_of(message)


def test_cross_entropy_labels_must_be_integers_within_the_outputs() -> None:
    spec = make_spec(loss="cross_entropy")
    params, inputs = random_params(spec, 0), random_inputs(spec, 3, 0)
    with pytest.raises(FieldError, match=re.escape("targets[1]: label 2 outside 0..1")) as caught:
        Problem.build(spec, params, inputs, [0, 2, None])
    assert caught.value.loc == ("targets", 1)
    with pytest.raises(FieldError, match=re.escape("targets[0]: expected an integer label")):
        Problem.build(spec, params, inputs, [0.5, 1, None])


@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
def test_float32_inputs_that_overflow_are_refused_as_inf() -> None:
    spec = make_spec(dtype="float32")
    with pytest.raises(FieldError, match="inputs: contains NaN or Inf"):
        Problem.build(spec, random_params(spec, 0), [[1e39, 0.0]], None)


@pytest.mark.parametrize(
    ("key", "canonical"),
    [
        ("vanilla", "vanilla"),
        ("NP", "NP"),
        ("CIFG+NP", "NP+CIFG"),
        (" NOAF + NOG ", "NOG+NOAF"),
        ("NP+NIAF", "NIAF+NP"),
        ("FGR+NP", "NP+FGR"),
        ("NIG+NFG+NOG", "NIG+NFG+NOG"),
    ],
)
def test_variant_keys_parse_to_their_canonical_form(key: str, canonical: str) -> None:
    variant = Variant.parse(key)
    assert variant.key == canonical
    assert Variant.parse(variant.key) == variant


REFUSED_VARIANTS = {
    "CIFG+NFG": "CIFG couples f = 1 − i and cannot be combined with NIG or NFG",
    "CIFG+NIG": "CIFG couples f = 1 − i and cannot be combined with NIG or NFG",
    "FGR+NOG": "FGR needs all three gates",
    "FGR+CIFG": "FGR needs all three gates",
    "FGR+NIG": "FGR needs all three gates",
    "LSTM": "unknown key 'LSTM'",
    "np": "unknown key 'np'",
    "NP+": "unknown key ''",
    "NP+NP": "'NP+NP' names a switch twice",
    "vanilla+NP": "unknown key 'vanilla'",
    "": "expected a key such as 'vanilla'",
}


@pytest.mark.parametrize("key", REFUSED_VARIANTS)
def test_impossible_or_unknown_variants_are_refused(key: str) -> None:
    with pytest.raises(
        FieldError, match="variant: .*" + re.escape(REFUSED_VARIANTS[key])
    ) as caught:
        Variant.parse(key)
    assert caught.value.loc == ("variant",)


def test_the_simple_rnn_has_no_variants() -> None:
    with pytest.raises(FieldError, match="the simple RNN has no variants") as caught:
        ModelSpec("rnn", 2, 3, 2, variant=Variant.parse("NP"))
    assert caught.value.loc == ("variant",)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("cell", "gru", "cell: expected one of"),
        ("loss", "hinge", "loss: expected one of"),
        ("dtype", "float16", "dtype: expected one of"),
        ("hidden_size", 0, "hidden_size: expected"),
        ("input_size", True, "input_size: expected a positive integer"),
    ],
)
def test_a_model_spec_refuses_unknown_settings(field: str, value: object, message: str) -> None:
    args: dict[str, object] = {"cell": "lstm", "input_size": 2, "hidden_size": 3, "output_size": 2}
    with pytest.raises(FieldError, match=message) as caught:
        ModelSpec(**{**args, field: value})  # type: ignore[arg-type]
    assert caught.value.loc == (field,)


@pytest.mark.parametrize(
    ("key", "absent", "present"),
    [
        ("NP", {"p_i", "p_f", "p_o"}, {"W_i", "W_f", "W_o"}),
        ("CIFG", {"W_f", "R_f", "b_f", "p_f"}, {"p_i", "p_o"}),
        ("NIG", {"W_i", "R_i", "b_i", "p_i"}, {"p_f", "p_o"}),
        ("NOG", {"W_o", "R_o", "b_o", "p_o"}, {"p_i", "p_f"}),
        ("NIAF", set(FGR_KEYS), {"W_z", "p_i"}),
        ("FGR", set(), set(FGR_KEYS)),
    ],
)
def test_each_variant_has_exactly_the_parameters_it_uses(
    key: str, absent: set, present: set
) -> None:
    shapes = param_shapes(make_spec(variant=key))
    assert not absent & set(shapes)
    assert present <= set(shapes)
