"""The shipped data sets: loaders, licences, splits, scaling, and the tasks made from them."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest
from lstm_explorer.engine import datasets
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.tasks import TASKS, make_task

ROOT = Path(__file__).resolve().parents[2]
# name: (values, first label, first value, last label, last value) — read off the source files
SERIES = {
    "airline": (144, "1949-01", 112.0, "1960-12", 432.0),
    "nile": (100, "1871", 1120.0, "1970", 740.0),
    "sunspots": (309, "1700", 5.0, "2008", 2.9),
}


@pytest.mark.parametrize("name", SERIES)
def test_a_series_loads_with_its_length_and_its_first_and_last_values(name: str) -> None:
    n, first_label, first, last_label, last = SERIES[name]
    s = datasets.load_series(name)
    assert s.n == len(s.labels) == n
    assert (s.labels[0], s.values[0]) == (first_label, first)
    assert (s.labels[-1], s.values[-1]) == (last_label, pytest.approx(last))
    assert np.all(np.isfinite(s.values)) and np.all(s.values >= 0)


@pytest.mark.parametrize("folder", ["airline", "nile", "sunspots", "chars"])
def test_every_data_folder_ships_a_readme_naming_source_and_licence(folder: str) -> None:
    here = datasets.DATA_DIR / folder
    readme = (here / "README.md").read_text(encoding="utf-8")
    assert "Source" in readme and "Licence" in readme
    notices = [p for p in here.iterdir() if "licen" in p.name.lower() or "copyright" in p.name]
    assert notices, f"{folder}: no licence or copyright file"
    assert all(p.stat().st_size > 200 for p in notices)


def test_the_text_is_a_few_kilobytes_of_bierce_with_quotes_and_lines() -> None:
    text = datasets.load_text()
    assert 8_000 <= len(text) <= 20_000
    assert text.startswith("PREFACE\n\n_The Devil's Dictionary_ was begun in a weekly paper")
    assert text.endswith("proof against bad-egging and dead-catting.")
    assert text.count('"') % 2 == 0 and text.count('"') >= 10
    lines = text.split("\n")
    assert max(len(line) for line in lines) <= 80
    assert set(text) <= {chr(c) for c in range(32, 127)} | {"\n"}


@pytest.mark.parametrize("name", SERIES)
def test_series_windows_are_z_scored_with_the_training_parts_statistics(name: str) -> None:
    s = datasets.load_series(name)
    train = s.values[: s.n_train]
    task = make_task(name, seed=0, length=10, offset=5)
    np.testing.assert_allclose(task.inputs[:, 0], (s.values[5:15] - train.mean()) / train.std())
    np.testing.assert_array_equal(task.targets[:-1], task.inputs[1:])  # next value
    raw = np.array(task.extra["targets_raw"])
    back = task.targets[:, 0] * task.extra["std"][0] + task.extra["mean"][0]
    np.testing.assert_allclose(back, raw, atol=1e-9 * np.abs(s.values).max())
    assert task.extra["labels"][0] == s.labels[5] and len(task.extra["labels"]) == 11


@pytest.mark.parametrize("name", SERIES)
def test_the_default_window_is_held_out(name: str) -> None:
    s, task = datasets.load_series(name), make_task(name, seed=0)
    assert task.extra["offset"] == s.n_train and task.extra["heldout_window"]
    assert task.length == TASKS[name].defaults["length"]
    assert task.extra["split"] == {"train": [0, s.n_train], "heldout": [s.n_train, s.n]}


@pytest.mark.parametrize("name", [*SERIES, "chars"])
def test_training_windows_end_before_the_held_out_part(name: str) -> None:
    split = datasets.windows(name)
    T = 12
    train, held = split.train_offsets(T), split.heldout_offsets(T)
    assert len(train) and len(held)
    assert train.max() + T < split.n_train  # the last target of a training window
    assert held.min() >= split.n_train and held.max() + T < split.n


def test_a_window_past_the_end_of_a_series_is_refused_naming_offset() -> None:
    with pytest.raises(FieldError) as err:
        make_task("nile", seed=0, length=20, offset=90)
    assert err.value.loc == ("nile", "offset")


def test_the_chars_vocabulary_is_in_one_hot_order_with_visible_blanks() -> None:
    task = make_task("chars", seed=0, length=30, offset=0)
    vocab = task.extra["vocabulary"]
    assert vocab == sorted(set(datasets.load_text()))
    assert "".join(vocab[k] for k in task.inputs.argmax(axis=1)) == task.extra["text"][:30]
    assert task.input_names[vocab.index(" ")] == "␣"
    assert task.input_names[vocab.index("\n")] == "⏎"


def test_every_data_file_is_listed_in_the_package_data() -> None:
    """setuptools globs package data as glob does: "data/*" would miss data/nile/nile.csv."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["lstm_explorer.engine"]
    engine = ROOT / "engine"
    shipped = {p for pattern in patterns for p in engine.glob(pattern) if p.is_file()}
    files = {p for p in datasets.DATA_DIR.rglob("*") if p.is_file()}
    assert files and files <= shipped, sorted(str(p) for p in files - shipped)
