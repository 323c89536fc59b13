"""The tasks made from data: the shipped series (airline, nile, sunspots), the shipped text
(chars) and the embedded Reber grammar, with what the task picker shows of each.

Loading, splitting and scaling are in engine/datasets.py and engine/reber.py; engine/tasks.py
puts these tasks into the one registry beside the generated ones.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from lstm_explorer.engine import datasets, reber
from lstm_explorer.engine.task_data import TaskData
from lstm_explorer.engine.task_info import (
    TaskGenerator,
    TaskInfo,
    TaskOption,
    task_info,
    time_steps_option,
)

CHARS_PATH = datasets.TEXT_PATH


def chars_text() -> str:
    """The text the chars task reads (engine/data/chars: Bierce, The Devil's Dictionary)."""
    return datasets.load_text()


def chars_alphabet() -> list[str]:
    return datasets.text_alphabet()


def _chars(rng: np.random.Generator, o: dict[str, Any]) -> TaskData:
    return datasets.text_task(o, DATASET_TASKS["chars"].description)


def _series(name: str) -> TaskGenerator:
    """A shipped series' task: the window the options name (the random stream is not used)."""
    return lambda rng, o: datasets.series_task(name, o)


def _series_info(name: str) -> TaskInfo:
    """A shipped series: windows of `length` steps from value `offset` (default: held-out start)."""
    series, info = datasets.load_series(name), datasets.SERIES[name]
    return task_info(
        name,
        info.description,
        "many_to_many",
        "mse",
        (1, 1, info.hidden_size),
        (
            TaskOption("length", info.default_length, 2, info.heldout - 1, True, "time steps T"),
            TaskOption(
                "offset",
                series.n_train,
                0,
                series.n - 3,
                True,
                f"first value (0 = {series.labels[0]}; the held-out part starts at the default)",
            ),
        ),
    )


# In the order the task picker lists them (engine/tasks.py keeps it).
DATASET_TASKS: dict[str, TaskInfo] = {
    "chars": task_info(
        "chars",
        "Predict the next character of Bierce's The Devil's Dictionary (1911); "
        "its last 1,000 characters are held out.",
        "many_to_many",
        "cross_entropy",
        (len(chars_alphabet()), len(chars_alphabet()), 32),
        (
            TaskOption("length", 40, 1, datasets.TEXT_HELDOUT - 1, True, "time steps T"),
            TaskOption(
                "offset",
                len(chars_text()) - datasets.TEXT_HELDOUT,
                0,
                len(chars_text()) - 2,
                True,
                "first character (the held-out part starts at the default)",
            ),
        ),
    ),
    **{name: _series_info(name) for name in datasets.SERIES},
    "reber": task_info(
        "reber",
        reber.DESCRIPTION,
        "many_to_many",
        "cross_entropy",
        (len(reber.SYMBOLS), len(reber.SYMBOLS), 8),
        (time_steps_option(50, low=1),),
    ),
}

DATASET_GENERATORS: dict[str, TaskGenerator] = {
    "chars": _chars,
    **{name: _series(name) for name in datasets.SERIES},
    "reber": reber.reber_task,
}
