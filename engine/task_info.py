"""What a built-in task offers the task picker: its type, default loss and sizes, and its options;
and the shape of the function that makes one of its sequences."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from lstm_explorer.engine.task_data import TaskData

MAX_LENGTH = 2000
# A task's sequence from a random stream and the task's options (as tasks.resolve_options gives them).
TaskGenerator = Callable[[np.random.Generator, dict[str, Any]], TaskData]


@dataclass(frozen=True)
class TaskOption:
    """One option of a task: its default and inclusive bounds; integer or real."""

    name: str
    default: float
    low: float
    high: float
    integer: bool
    help: str


@dataclass(frozen=True)
class TaskInfo:
    """What the task picker shows: type, default loss and sizes, and the options with bounds."""

    name: str
    description: str
    task_type: str
    loss: str
    input_size: int
    output_size: int
    hidden_size: int  # a size that learns the task at the defaults
    options: tuple[TaskOption, ...]
    length_option: str  # the option make_task's `length` sets
    length_offset: int  # T = length_option's value + length_offset

    @property
    def defaults(self) -> dict[str, float]:
        return {o.name: o.default for o in self.options}


def task_info(
    name: str,
    description: str,
    kind: str,
    loss: str,
    sizes: tuple[int, int, int],
    options: tuple[TaskOption, ...],
    length_option: str = "length",
    offset: int = 0,
) -> TaskInfo:
    """A TaskInfo with its sizes (input, output, hidden) given together."""
    return TaskInfo(name, description, kind, loss, *sizes, options, length_option, offset)


def time_steps_option(default: int, low: int = 2) -> TaskOption:
    """The usual `length` option: T time steps, from `low` to MAX_LENGTH."""
    return TaskOption("length", default, low, MAX_LENGTH, True, "time steps T")
