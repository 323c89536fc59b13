"""Real data shipped in engine/data: three yearly or monthly series and a public-domain text.

Every data set is split once, in time order: the first values are the training part, the last
`heldout` values the held-out part. A sequence is a window of T + 1 consecutive values (inputs
at 0..T−1, next-value targets at 1..T); training draws windows inside the training part,
evaluation uses windows inside the held-out part, so no held-out value is ever a training
input or target. Series are standardised with the mean and standard deviation of the training
part only (a z-score); the task carries both, and the raw values, so predictions can be shown in
the series' own units: raw = z · std + mean.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.task_data import TaskData, one_hot

DATA_DIR = Path(__file__).parent / "data"
TEXT_PATH = DATA_DIR / "chars" / "devils_dictionary.txt"
TEXT_HELDOUT = 1000  # the last 1,000 characters of the text are held out


@dataclass(frozen=True)
class SeriesInfo:
    """One shipped series: where it is, what a value means, how it is split."""

    name: str
    title: str
    path: Path
    column: str
    unit: str
    step: str  # "month" or "year": what one time step is
    heldout: int  # the last `heldout` values are never trained on
    default_length: int
    hidden_size: int
    description: str


SERIES: dict[str, SeriesInfo] = {
    "airline": SeriesInfo(
        "airline",
        "International airline passengers, monthly totals, 1949–1960 (Box & Jenkins series G)",
        DATA_DIR / "airline" / "airline.csv",
        "Passengers",
        "thousand passengers",
        "month",
        36,
        24,
        16,
        "Predict next month's airline passengers (1949–1960); the last 3 years are held out.",
    ),
    "nile": SeriesInfo(
        "nile",
        "Annual flow of the Nile at Aswan, 1871–1970",
        DATA_DIR / "nile" / "nile.csv",
        "volume",
        "10⁸ m³",
        "year",
        30,
        20,
        8,
        "Predict next year's flow of the Nile at Aswan (1871–1970); 1941–1970 are held out.",
    ),
    "sunspots": SeriesInfo(
        "sunspots",
        "Yearly sunspot numbers, 1700–2008",
        DATA_DIR / "sunspots" / "sunspots.csv",
        "SUNACTIVITY",
        "sunspots",
        "year",
        60,
        40,
        16,
        "Predict next year's sunspot number (1700–2008); 1949–2008 are held out.",
    ),
}


@dataclass(frozen=True)
class Series:
    """A loaded series: raw values, a label per value (year or year-month), the split and scale."""

    info: SeriesInfo
    values: np.ndarray  # (n,) raw, in info.unit
    labels: tuple[str, ...]

    @property
    def n(self) -> int:
        return int(self.values.shape[0])

    @property
    def n_train(self) -> int:
        return self.n - self.info.heldout

    @property
    def mean(self) -> float:
        return float(self.values[: self.n_train].mean())

    @property
    def std(self) -> float:
        return float(self.values[: self.n_train].std())

    def standardised(self) -> np.ndarray:
        return (self.values - self.mean) / self.std


@cache
def load_series(name: str) -> Series:
    """Read one shipped series (first column: the time label, `column`: the value)."""
    if name not in SERIES:
        raise FieldError("task", f"unknown series {name!r}; known: {', '.join(SERIES)}")
    info = SERIES[name]
    with info.path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    first = next(iter(rows[0]))  # the time column: Date, year or YEAR
    labels = tuple(str(r[first]).split(".")[0] for r in rows)
    values = np.array([float(r[info.column]) for r in rows])
    return Series(info, values, labels)


@cache
def load_text() -> str:
    """The text of the chars task (Bierce, The Devil's Dictionary: preface and A–ADMINISTRATION)."""
    return TEXT_PATH.read_text(encoding="ascii").strip()


@dataclass(frozen=True)
class Windows:
    """Where windows of T + 1 values may start: training windows end inside the training part."""

    n: int
    n_train: int

    def train_offsets(self, T: int) -> np.ndarray:
        return np.arange(0, max(0, self.n_train - T))

    def heldout_offsets(self, T: int) -> np.ndarray:
        return np.arange(self.n_train, max(self.n_train, self.n - T))


def windows(name: str) -> Windows | None:
    """The split of a data-set task (None for tasks generated from a seed)."""
    if name in SERIES:
        s = load_series(name)
        return Windows(s.n, s.n_train)
    if name == "chars":
        n = len(load_text())
        return Windows(n, n - TEXT_HELDOUT)
    return None


def series_task(name: str, options: dict[str, Any]) -> TaskData:
    """The window of `length` steps starting at value `offset`, next-value targets, z-scored."""
    s = load_series(name)
    info = s.info
    T, offset = int(options["length"]), int(options["offset"])
    if offset + T + 1 > s.n:
        raise FieldError(
            (name, "offset"),
            f"offset + length + 1 must be at most {s.n} (the series' length); got {offset} + {T} + 1",
        )
    z = s.standardised()[offset : offset + T + 1]
    raw = s.values[offset : offset + T + 1]
    extra = {
        "title": info.title,
        "mean": [s.mean],
        "std": [s.std],
        "units": [info.unit],
        "normalisation": (
            f"z-score: (value − {s.mean:.6g}) / {s.std:.6g}, the mean and standard deviation "
            f"of the training part (the first {s.n_train} values)"
        ),
        "step": info.step,
        "labels": list(
            s.labels[offset : offset + T + 1]
        ),  # input t is labels[t], target t labels[t+1]
        "inputs_raw": raw[:T].tolist(),
        "targets_raw": raw[1:].tolist(),
        "offset": offset,
        "split": {"train": [0, s.n_train], "heldout": [s.n_train, s.n]},
        "heldout_window": bool(offset >= s.n_train),
    }
    return TaskData(
        name,
        "many_to_many",
        z[:T, None],
        z[1:, None],
        None,
        "mse",
        [info.column.lower()],
        [f"next {info.column.lower()}"],
        info.description,
        extra,
    )


def text_alphabet() -> list[str]:
    """The characters of the text in one-hot order (sorted by code point)."""
    return sorted(set(load_text()))


def symbol_name(ch: str) -> str:
    """How a character is named on the page: space and newline made visible."""
    return {" ": "␣", "\n": "⏎"}.get(ch, ch)


def text_task(options: dict[str, Any], description: str) -> TaskData:
    """`length` characters from `offset` as one-hot inputs; the label is the next character."""
    text, alphabet = load_text(), text_alphabet()
    T, offset = int(options["length"]), int(options["offset"])
    if offset + T + 1 > len(text):
        raise FieldError(
            ("chars", "offset"),
            f"offset + length + 1 must be at most {len(text)} (the text's length); "
            f"got {offset} + {T} + 1",
        )
    index = {ch: k for k, ch in enumerate(alphabet)}
    codes = np.array([index[ch] for ch in text[offset : offset + T + 1]], dtype=np.int64)
    names = [symbol_name(ch) for ch in alphabet]
    split = windows("chars")
    assert split is not None
    extra = {
        "text": text[offset : offset + T + 1],
        "vocabulary": alphabet,
        "offset": offset,
        "split": {"train": [0, split.n_train], "heldout": [split.n_train, split.n]},
        "heldout_window": bool(offset >= split.n_train),
        "source": "Ambrose Bierce, The Devil's Dictionary (1911), public domain",
    }
    return TaskData(
        "chars",
        "many_to_many",
        one_hot(codes[:T], len(alphabet)),
        None,
        codes[1:],
        "cross_entropy",
        names,
        list(names),
        description,
        extra,
    )
