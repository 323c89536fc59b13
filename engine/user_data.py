"""User sequences: arrays wrapped as a TaskData, and CSV text parsed into one."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence

import numpy as np
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.task_data import TASK_LOSSES, TaskData

MAX_ROWS = 10_000
MAX_COLUMNS = 256


def user_sequence(
    inputs: object,
    targets: object = None,
    labels: object = None,
    loss: str = "mse",
    *,
    n_classes: int | None = None,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    task_type: str | None = None,
    name: str = "user",
    description: str = "A sequence you provided.",
) -> TaskData:
    """Wrap (T, D) inputs with (T, O) targets (NaN row: no target) or (T,) labels (−1: none)."""
    if loss not in TASK_LOSSES:
        raise FieldError("loss", f"expected one of {TASK_LOSSES}, got {loss!r}")
    x = _real_array("inputs", inputs)
    if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] < 1:
        raise FieldError("inputs", f"expected a non-empty 2-D array (T, D), got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        t, d = np.argwhere(~np.isfinite(x))[0]
        raise FieldError(
            ("inputs", int(t), int(d)), "NaN or Inf; every input must be a finite number"
        )
    T = x.shape[0]
    y: np.ndarray | None = None
    lab: np.ndarray | None = None
    if loss == "mse":
        if targets is None or labels is not None:
            raise FieldError("targets", "loss mse needs targets (T, O) and no labels")
        y = _real_array("targets", targets)
        if y.ndim != 2 or y.shape[0] != T or y.shape[1] < 1:
            raise FieldError(
                "targets", f"expected shape ({T}, O) like the inputs' T, got {y.shape}"
            )
        mask = ~np.all(np.isnan(y), axis=1)
        O = y.shape[1]
    else:
        if labels is None or targets is not None:
            raise FieldError("labels", "loss cross_entropy needs labels (T,) and no targets")
        lab = _labels(labels, T)
        mask = lab >= 0
        O = _classes(lab, n_classes, output_names)
    names_in = _names("input_names", input_names, [f"x{k + 1}" for k in range(x.shape[1])])
    default_out = (
        [f"target{k + 1}" for k in range(O)] if loss == "mse" else [str(k) for k in range(O)]
    )
    names_out = _names("output_names", output_names, default_out)
    if task_type is None:
        only_last = T > 1 and mask[-1] and mask.sum() == 1
        task_type = "many_to_one" if only_last else "many_to_many"
    return TaskData(name, task_type, x, y, lab, loss, names_in, names_out, description, {})


def parse_csv(
    text: str,
    n_inputs: int | None = None,
    *,
    loss: str = "mse",
    max_rows: int = MAX_ROWS,
    max_columns: int = MAX_COLUMNS,
) -> TaskData:
    """A TaskData from CSV with a header; rows are counted as in the file (the header is row 1).

    Inputs are the columns named x… and targets those named target…, or, with n_inputs, the first
    n_inputs columns and the rest. Empty target cells mean no target at that step.
    """
    if not isinstance(text, str):
        raise FieldError("csv", "expected text")
    if n_inputs is not None and (isinstance(n_inputs, bool) or not isinstance(n_inputs, int)):
        raise FieldError("n_inputs", f"expected an integer or null, got {n_inputs!r}")
    reader = csv.reader(
        io.StringIO(text.removeprefix("\ufeff")), strict=True, skipinitialspace=True
    )
    try:
        header = next((r for r in reader if r), None)
        if header is None:
            raise FieldError("csv", "the file is empty; expected a header row and data rows")
        names = [h.strip() for h in header]
        inputs, outputs = _split_columns(names, n_inputs, max_columns)
        rows: list[tuple[int, list[str]]] = []
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            if len(rows) == max_rows:
                raise FieldError("csv", f"more than {max_rows} data rows (the limit)")
            if len(row) != len(names):
                raise FieldError(
                    "csv",
                    f"row {reader.line_num}: expected {len(names)} cells as in the header, "
                    f"got {len(row)}",
                )
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise FieldError("csv", f"row {reader.line_num}: {exc}") from None
    if not rows:
        raise FieldError("csv", "no data rows after the header")
    x = np.array([[_cell(n, names, c, r[c]) for c in inputs] for n, r in rows])
    y = np.array([_target_row(n, names, outputs, r) for n, r in rows])
    in_names = [names[c] for c in inputs]
    out_names = [names[c] for c in outputs]
    if loss == "cross_entropy":
        if len(outputs) != 1:
            raise FieldError(
                "csv",
                "cross_entropy needs exactly one target column of class labels, "
                f"got {len(outputs)}",
            )
        return _csv_labels(x, y[:, 0], rows, names[outputs[0]], in_names)
    return user_sequence(
        x,
        y,
        loss=loss,
        input_names=in_names,
        output_names=out_names,
        name="csv",
        description="A sequence read from your CSV file.",
    )


def _split_columns(
    names: list[str], n_inputs: int | None, max_columns: int
) -> tuple[list[int], list[int]]:
    if len(names) > max_columns:
        raise FieldError(
            "csv", f"the header has {len(names)} columns, more than the limit of {max_columns}"
        )
    for c, n in enumerate(names):
        if not n:
            raise FieldError("csv", f"header column {c + 1} has no name")
        if n in names[:c]:
            raise FieldError("csv", f"header column {c + 1} repeats the name {n!r}")
    if n_inputs is not None:
        if not 1 <= n_inputs < len(names):
            raise FieldError(
                "n_inputs",
                f"expected 1..{len(names) - 1} (at least one target column remains), "
                f"got {n_inputs}",
            )
        return list(range(n_inputs)), list(range(n_inputs, len(names)))
    inputs, outputs = [], []
    for c, n in enumerate(names):
        if n.lower().startswith("target"):
            outputs.append(c)
        elif n.lower().startswith("x"):
            inputs.append(c)
        else:
            raise FieldError(
                "csv",
                f"header column {c + 1} ({n!r}) is neither x… (input) nor target…; "
                "rename it or pass n_inputs",
            )
    if not inputs or not outputs:
        raise FieldError("csv", "the header needs at least one x… column and one target… column")
    return inputs, outputs


def _cell(row: int, names: list[str], col: int, raw: str) -> float:
    where = f"row {row}, column {col + 1} ({names[col]!r})"
    cell = raw.strip()
    if not cell:
        raise FieldError("csv", f"{where}: empty; every input needs a number")
    try:
        value = float(cell)
    except ValueError:
        raise FieldError("csv", f"{where}: {cell[:20]!r} is not a number") from None
    if not math.isfinite(value):
        raise FieldError("csv", f"{where}: {cell[:20]!r} is not a finite number")
    return value


def _target_row(row: int, names: list[str], cols: list[int], cells: list[str]) -> list[float]:
    empty = [not cells[c].strip() for c in cols]
    if all(empty):
        return [math.nan] * len(cols)  # no target at this step
    if any(empty):
        col = cols[empty.index(True)]
        raise FieldError(
            "csv",
            f"row {row}, column {col + 1} ({names[col]!r}): empty while other targets of this "
            "row are not; leave all target cells empty for a step without a target",
        )
    return [_cell(row, names, c, cells[c]) for c in cols]


def _csv_labels(
    x: np.ndarray,
    raw: np.ndarray,
    rows: list[tuple[int, list[str]]],
    name: str,
    in_names: list[str],
) -> TaskData:
    for (line, _), value in zip(rows, raw, strict=True):
        if not math.isnan(value) and (value < 0 or value != int(value) or value >= MAX_COLUMNS):
            raise FieldError(
                "csv",
                f"row {line}, column {name!r}: {value:g} is not a class label 0..{MAX_COLUMNS - 1}",
            )
    labels = np.where(np.isnan(raw), -1, np.nan_to_num(raw)).astype(np.int64)
    return user_sequence(
        x,
        labels=labels,
        loss="cross_entropy",
        input_names=in_names,
        name="csv",
        description="A sequence read from your CSV file.",
    )


def _real_array(field: str, value: object) -> np.ndarray:
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise FieldError(field, f"not a rectangular array of numbers ({exc})") from None
    if arr.dtype.kind not in "fiu" or arr.dtype == bool:
        raise FieldError(field, f"expected real numbers, got dtype {arr.dtype}")
    return np.array(arr, dtype=np.float64)


def _labels(value: object, T: int) -> np.ndarray:
    arr = _real_array("labels", value)
    if arr.shape != (T,):
        raise FieldError("labels", f"expected shape ({T},) like the inputs' T, got {arr.shape}")
    bad = np.nonzero(~np.isfinite(arr) | (arr != np.round(arr)) | (arr < -1))[0]
    if bad.size:
        t = int(bad[0])
        raise FieldError(
            ("labels", int(t)), f"expected a class index ≥ 0 or −1 (no target), got {arr[t]}"
        )
    return arr.astype(np.int64)


def _classes(labels: np.ndarray, n_classes: int | None, names: Sequence[str] | None) -> int:
    top = int(labels.max()) + 1 if labels.size else 0
    if names is not None:
        n_classes = n_classes if n_classes is not None else len(names)
    if n_classes is None:
        return max(top, 2)  # a label set seen as {0} still means a choice between classes
    if isinstance(n_classes, bool) or not isinstance(n_classes, int) or n_classes < max(top, 1):
        raise FieldError(
            "n_classes", f"expected an integer ≥ {max(top, 1)} (the labels), got {n_classes!r}"
        )
    return n_classes


def _names(field: str, given: Sequence[str] | None, default: list[str]) -> list[str]:
    if given is None:
        return default
    names = list(given)
    if len(names) != len(default) or not all(isinstance(n, str) for n in names):
        raise FieldError(field, f"expected {len(default)} strings, got {given!r}")
    return names
