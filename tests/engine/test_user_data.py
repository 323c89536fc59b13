"""User sequences and CSV: what is accepted, and refusals that name the row and column."""

from __future__ import annotations

import math

import numpy as np
import pytest
from lstm_explorer.engine.readout import make_targets
from lstm_explorer.engine.tasks import parse_csv, user_sequence

NAN = math.nan


def test_user_sequence_wraps_inputs_and_targets_with_nan_rows_as_no_target() -> None:
    task = user_sequence([[0.0], [1.0], [2.0]], [[NAN], [1.5], [2.5]])
    assert task.inputs.shape == (3, 1) and task.targets.shape == (3, 1)
    assert task.target_mask.tolist() == [False, True, True]
    assert task.task_type == "many_to_many"
    assert task.input_names == ["x1"] and task.output_names == ["target1"]


def test_user_sequence_with_a_target_only_at_the_end_is_many_to_one() -> None:
    task = user_sequence(np.zeros((4, 2)), [[NAN], [NAN], [NAN], [1.0]])
    assert task.task_type == "many_to_one"


def test_user_sequence_with_labels_counts_classes_and_feeds_the_readout() -> None:
    task = user_sequence(np.eye(3), labels=[2, -1, 0], loss="cross_entropy")
    assert task.output_size == 3
    targets = make_targets(task.loss_targets, "cross_entropy", 3, task.output_size)
    assert targets.mask.tolist() == [True, False, True]


def test_user_sequence_takes_the_class_count_from_output_names() -> None:
    task = user_sequence(
        np.eye(2), labels=[0, 1], loss="cross_entropy", output_names=["no", "yes", "maybe"]
    )
    assert task.output_size == 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"inputs": []}, r"inputs: expected a non-empty 2-D", id="empty inputs"),
        pytest.param({"inputs": [1.0, 2.0]}, r"inputs: expected a non-empty 2-D", id="1-D inputs"),
        pytest.param({"inputs": [[1.0], [2.0, 3.0]]}, "inputs: not a rectangular", id="ragged"),
        pytest.param({"inputs": [["a"], ["b"]]}, "inputs: expected real numbers", id="strings"),
        pytest.param({"inputs": [[1.0], [NAN]]}, r"inputs\[1\]\[0\]: NaN or Inf", id="NaN input"),
        pytest.param({"inputs": [[math.inf], [1.0]]}, r"inputs\[0\]\[0\]", id="Inf input"),
        pytest.param({"targets": [[1.0]]}, r"targets: expected shape \(2, O\)", id="short targets"),
        pytest.param({"targets": [[1.0], [math.inf]]}, "targets: contains Inf", id="Inf target"),
        pytest.param(
            {"targets": [[1.0, NAN], [1.0, 2.0]]},
            r"targets\[0\]: partly NaN",
            id="partly NaN target row",
        ),
        pytest.param({"targets": None}, "needs targets", id="mse without targets"),
        pytest.param({"loss": "hinge"}, "loss", id="unknown loss"),
    ],
)
def test_bad_user_arrays_are_refused_naming_the_field(kwargs: dict, message: str) -> None:
    args = {"inputs": [[0.0], [1.0]], "targets": [[1.0], [2.0]], **kwargs}
    with pytest.raises(ValueError, match=message):
        user_sequence(**args)


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        pytest.param([0.5, 1], r"labels\[0\]", id="fractional label"),
        pytest.param([0, -2], r"labels\[1\]", id="label below -1"),
        pytest.param([0], r"labels: expected shape \(2,\)", id="too few labels"),
    ],
)
def test_bad_labels_are_refused_naming_the_step(labels: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        user_sequence(np.zeros((2, 1)), labels=labels, loss="cross_entropy")


# ----------------------------------------------------------------------------- CSV
def test_csv_columns_named_x_and_target_become_inputs_and_targets() -> None:
    task = parse_csv("x1,x2,target\n0,1,\n2,3,5\n\n4,5,6\n")
    np.testing.assert_array_equal(task.inputs, [[0, 1], [2, 3], [4, 5]])
    assert task.target_mask.tolist() == [False, True, True]
    assert task.targets[1:, 0].tolist() == [5, 6]
    assert task.input_names == ["x1", "x2"] and task.output_names == ["target"]


def test_csv_with_n_inputs_splits_any_column_names_by_position() -> None:
    task = parse_csv("temp,pressure,tomorrow\n1,2,3\n4,5,6\n", n_inputs=2)
    assert task.input_names == ["temp", "pressure"] and task.output_names == ["tomorrow"]


def test_csv_accepts_a_byte_order_mark_quotes_and_spaces() -> None:
    task = parse_csv('\ufeffx, "target"\n "1.5", 2e1 \n')
    assert task.inputs[0, 0] == 1.5 and task.targets[0, 0] == 20


def test_csv_with_a_target_only_in_the_last_row_is_many_to_one() -> None:
    assert parse_csv("x,target\n1,\n2,\n3,7\n").task_type == "many_to_one"


def test_csv_can_carry_class_labels_for_cross_entropy() -> None:
    task = parse_csv("x,target\n1,0\n2,\n3,2\n", loss="cross_entropy")
    assert task.labels.tolist() == [0, -1, 2] and task.output_size == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", "empty", id="empty file"),
        pytest.param("\n\n", "empty", id="only blank lines"),
        pytest.param("x,target\n", "no data rows", id="header only"),
        pytest.param("x,target\n1,2\n3\n", "row 3: expected 2 cells", id="short row"),
        pytest.param("x,target\n1,2,3\n", "row 2: expected 2 cells", id="long row"),
        pytest.param(
            "x,target\n1,2\nabc,3\n",
            r"row 3, column 1 \('x'\): 'abc' is not a number",
            id="not a number",
        ),
        pytest.param(
            "x,target\nnan,1\n", r"row 2, column 1 \('x'\): 'nan' is not a finite", id="NaN input"
        ),
        pytest.param(
            "x,target\n1,inf\n",
            r"row 2, column 2 \('target'\): 'inf' is not a finite",
            id="Inf target",
        ),
        pytest.param("x,target\n,1\n", r"row 2, column 1 \('x'\): empty", id="empty input"),
        pytest.param(
            "x,target1,target2\n1,2,\n",
            r"row 2, column 3 \('target2'\): empty while",
            id="partly empty targets",
        ),
        pytest.param("x,foo\n1,2\n", r"column 2 \('foo'\) is neither", id="unnamed role"),
        pytest.param("x,x\n1,2\n", "repeats the name", id="duplicate column"),
        pytest.param("x,,target\n1,2,3\n", "column 2 has no name", id="nameless column"),
        pytest.param("x1,x2\n1,2\n", "at least one x… column and one target", id="no targets"),
        pytest.param('x,target\n"1,2\n', "row", id="unterminated quote"),
        pytest.param("x,target\n1\x00,2\n", "row 2", id="NUL byte"),
    ],
)
def test_bad_csv_is_refused_naming_the_row_and_column(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_csv(text)


@pytest.mark.parametrize("n_inputs", [0, 3, -1, True, 1.5])
def test_csv_n_inputs_outside_the_columns_is_refused(n_inputs: object) -> None:
    with pytest.raises(ValueError, match="n_inputs"):
        parse_csv("a,b,c\n1,2,3\n", n_inputs=n_inputs)


def test_csv_longer_than_max_rows_is_refused() -> None:
    text = "x,target\n" + "1,2\n" * 11
    assert parse_csv(text, max_rows=11).length == 11
    with pytest.raises(ValueError, match="more than 10 data rows"):
        parse_csv(text, max_rows=10)


def test_csv_wider_than_max_columns_is_refused() -> None:
    header = ",".join(f"x{k}" for k in range(300)) + ",target\n"
    with pytest.raises(ValueError, match="301 columns, more than the limit of 256"):
        parse_csv(header + ",".join(["1"] * 301) + "\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "x,target\n1,0.5\n",
            r"row 2, column 'target': 0.5 is not a class label",
            id="fractional label",
        ),
        pytest.param("x,target\n1,-1\n", r"row 2, column 'target': -1 is not", id="negative label"),
        pytest.param("x,t1,t2\n1,0,1\n", "exactly one target column", id="two label columns"),
    ],
)
def test_bad_csv_labels_are_refused_naming_the_row(text: str, message: str) -> None:
    n_inputs = 1 if "t1" in text else None
    with pytest.raises(ValueError, match=message):
        parse_csv(text, n_inputs=n_inputs, loss="cross_entropy")
