"""Bounded fuzzing of every parser: each input is either accepted as valid or refused with
ValueError, never another exception. Derandomised, so a failure reproduces on every run."""

from __future__ import annotations

import json
import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lstm_explorer.engine.init import init_params
from lstm_explorer.engine.io_checks import LSTM_DIMS, RNN_DIMS
from lstm_explorer.engine.io_params import (
    FORMATS,
    Limits,
    dump_params,
    from_keras,
    from_pytorch,
    load_params,
)
from lstm_explorer.engine.spec import ModelSpec, check_params
from lstm_explorer.engine.tasks import parse_csv, user_sequence
from lstm_explorer.engine.variants import Variant

FUZZ = settings(
    max_examples=200,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
LIMITS = Limits(max_input_size=6, max_hidden_size=6, max_output_size=6, max_bytes=2**16)
VALID = {
    fmt: dump_params(init_params(ModelSpec("lstm", 2, 3, 1, Variant.parse("NP")), 0), fmt)
    for fmt in FORMATS
}


def assert_valid_notation(params: dict[str, np.ndarray]) -> None:
    table = RNN_DIMS if any(k in ("U", "W", "b", "c") for k in params) else LSTM_DIMS
    sizes: dict[str, int] = {}
    for key, arr in params.items():
        assert arr.dtype == np.float64 and np.all(np.isfinite(arr))
        for axis, n in zip(table[key], arr.shape, strict=True):
            assert sizes.setdefault(axis, n) == n


def try_load(data: bytes | str, fmt: str) -> None:
    try:
        params = load_params(data, fmt, LIMITS)
    except ValueError:
        return
    assert_valid_notation(params)


@FUZZ
@given(fmt=st.sampled_from(FORMATS), data=st.binary(max_size=300))
def test_random_bytes_are_parsed_or_refused_with_value_error(fmt: str, data: bytes) -> None:
    try_load(data, fmt)


@FUZZ
@given(
    fmt=st.sampled_from(FORMATS),
    edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8),
    cut=st.integers(0, 10**6),
)
def test_corrupted_files_are_parsed_or_refused_with_value_error(
    fmt: str, edits: list[tuple[int, int]], cut: int
) -> None:
    data = bytearray(VALID[fmt])
    for where, byte in edits:
        data[where % len(data)] = byte
    try_load(bytes(data[: len(data) - cut % 16]), fmt)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**400), 10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=3),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=30,
)
notation_names = st.sampled_from([*LSTM_DIMS, *RNN_DIMS, "x", ""])


@FUZZ
@given(obj=st.dictionaries(notation_names, json_values, max_size=5) | json_values)
def test_arbitrary_json_is_parsed_or_refused_with_value_error(obj: object) -> None:
    try_load(json.dumps(obj), "json")


def arrays(draw: st.DrawFn) -> np.ndarray | list:
    dtype = draw(
        st.sampled_from(
            ["float64", "float32", "float16", "int64", "bool", "complex128", "object", "list"]
        )
    )
    shape = tuple(draw(st.lists(st.sampled_from([0, 1, 2, 3, 4, 8, 12, 16, 24, 100]), max_size=3)))
    if dtype == "list":
        return [1.0] * (shape[0] if shape else 1)
    fill = draw(st.sampled_from([0.5, math.nan, math.inf, 1e300]))
    if dtype == "object":
        return np.full(shape, None, dtype=object)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.full(shape, fill).astype(dtype)


torch_keys = st.sampled_from(
    [
        "weight_ih_l0",
        "weight_hh_l0",
        "bias_ih_l0",
        "bias_hh_l0",
        "lstm.weight_ih_l0",
        "weight_ih_l1",
        "weight_ih_l0_reverse",
        "weight_hr_l0",
        "linear.weight",
        "linear.bias",
        "fc.weight",
        "weight",
        "bias",
        "running_mean",
        "",
    ]
)


@FUZZ
@given(
    data=st.data(),
    cell=st.sampled_from(["lstm", "rnn"]),
    output_size=st.none() | st.integers(-1, 8),
)
def test_pytorch_state_dicts_are_imported_or_refused_with_value_error(
    data: st.DataObject, cell: str, output_size: int | None
) -> None:
    keys = data.draw(st.lists(torch_keys, max_size=6, unique=True))
    state_dict = {k: data.draw(st.composite(arrays)()) for k in keys}
    try:
        imported = from_pytorch(state_dict, cell, output_size=output_size, limits=LIMITS)
    except ValueError:
        return
    if not imported.missing:
        check_params(imported.spec(cell), imported.params)


@FUZZ
@given(data=st.data(), use_bias=st.booleans(), use_dense=st.booleans())
def test_keras_weights_are_imported_or_refused_with_value_error(
    data: st.DataObject, use_bias: bool, use_dense: bool
) -> None:
    draw = st.composite(arrays)()
    args = {
        "kernel": data.draw(draw),
        "recurrent_kernel": data.draw(draw),
        "bias": data.draw(draw) if use_bias else None,
        "dense_kernel": data.draw(draw) if use_dense else None,
        "output_size": 2,
    }
    try:
        imported = from_keras(**args, limits=LIMITS)  # type: ignore[arg-type]
    except ValueError:
        return
    if not imported.missing:
        check_params(imported.spec("lstm"), imported.params)


csv_text = st.text(alphabet=[*'xtarge01234.5-+eEnaif ,"\n\r\t;\x00', "\ufeff", "é"], max_size=120)


@FUZZ
@given(
    header=st.sampled_from(["x,target\n", "x1,x2,target\n", "a,b\n", ""]),
    body=csv_text,
    n_inputs=st.none() | st.integers(-1, 3),
    loss=st.sampled_from(["mse", "cross_entropy"]),
)
def test_csv_text_is_parsed_or_refused_with_value_error(
    header: str, body: str, n_inputs: int | None, loss: str
) -> None:
    try:
        task = parse_csv(header + body, n_inputs=n_inputs, loss=loss, max_rows=50)
    except ValueError:
        return
    assert np.all(np.isfinite(task.inputs)) and task.length >= 1


@FUZZ
@given(data=st.data(), loss=st.sampled_from(["mse", "cross_entropy"]))
def test_user_arrays_are_wrapped_or_refused_with_value_error(
    data: st.DataObject, loss: str
) -> None:
    draw = st.composite(arrays)()
    inputs, second = data.draw(draw), data.draw(draw)
    try:
        if loss == "mse":
            task = user_sequence(inputs, targets=second)
        else:
            task = user_sequence(inputs, labels=second, loss=loss)
    except ValueError:
        return
    assert np.all(np.isfinite(task.inputs))
