"""Built-in tasks, generated on the fly and deterministic for a seed; user sequences and CSV.

TASKS is the one registry of built-in tasks; the tasks made from data (the series, the text, the
Reber grammar) are in engine/dataset_tasks.py, what a task offers the picker in engine/task_info.py.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from lstm_explorer.engine.dataset_tasks import DATASET_GENERATORS, DATASET_TASKS
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.task_data import TaskData, one_hot, only_last
from lstm_explorer.engine.task_info import (
    MAX_LENGTH,
    TaskGenerator,
    TaskInfo,
    TaskOption,
    task_info,
    time_steps_option,
)
from lstm_explorer.engine.user_data import parse_csv, user_sequence

__all__ = [
    "TASKS",
    "TaskData",
    "TaskInfo",
    "TaskOption",
    "generate",
    "make_task",
    "parse_csv",
    "resolve_options",
    "user_sequence",
]

STEPS_PER_DAY = 144  # one sample every 10 minutes
# Long-run mean and standard deviation of the weather generator (measured over 5 × 10^5 steps),
# so every window is standardised the same way and the page can turn values back into units.
WEATHER_NAMES = ["temperature", "pressure", "wind", "humidity"]
WEATHER_UNITS = ["°C", "hPa", "m/s", "%"]
WEATHER_MEAN = np.array([10.0, 1013.0, 3.0, 72.0])
WEATHER_STD = np.array([5.5, 7.0, 1.2, 12.0])


# ----------------------------------------------------------------------------- generators
def _sine(rng: np.random.Generator, o: dict[str, Any]) -> TaskData:
    T, period = o["length"], o["period"]
    phase = rng.uniform(0.0, period)
    s = np.sin(2 * np.pi * (np.arange(T + 1) + phase) / period)
    s = s + o["noise"] * rng.standard_normal(T + 1)
    # next-value prediction: the target at t is the input at t + 1
    return TaskData(
        "sine",
        "many_to_many",
        s[:T, None],
        s[1:, None],
        None,
        "mse",
        ["x"],
        ["next x"],
        TASKS["sine"].description,
        {"phase": phase},
    )


def _adding(rng: np.random.Generator, o: dict[str, Any]) -> TaskData:
    T = o["length"]
    values = rng.uniform(0.0, 1.0, size=T)
    # one marker in each half (Hochreiter & Schmidhuber 1997, experiment 4)
    first = int(rng.integers(0, T // 2))
    second = int(rng.integers(T // 2, T))
    markers = np.zeros(T)
    markers[[first, second]] = 1.0
    total = values[first] + values[second]
    return TaskData(
        "adding",
        "many_to_one",
        np.stack([values, markers], axis=1),
        only_last(T, np.array([total])),
        None,
        "mse",
        ["value", "marker"],
        ["sum"],
        TASKS["adding"].description,
        {"marked": [first, second]},
    )


def _copy(rng: np.random.Generator, o: dict[str, Any]) -> TaskData:
    n, delay = o["n_symbols"], o["delay"]
    T = delay + 2
    symbol = int(rng.integers(0, n))
    blank, cue = n, n + 1
    stream = np.array([symbol] + [blank] * delay + [cue])
    labels = np.full(T, -1, dtype=np.int64)
    labels[-1] = symbol
    letters = [chr(ord("A") + k) for k in range(n)]
    return TaskData(
        "copy",
        "many_to_one",
        one_hot(stream, n + 2),
        None,
        labels,
        "cross_entropy",
        [*letters, "blank", "cue"],
        letters,
        TASKS["copy"].description,
        {"symbol": symbol},
    )


def _ou(rng: np.random.Generator, n: int, tau_steps: float) -> np.ndarray:
    """A slow drift: stationary AR(1) with unit variance and time constant tau_steps."""
    a = math.exp(-1.0 / tau_steps)
    eps = rng.standard_normal(n) * math.sqrt(1 - a * a)
    out = np.empty(n)
    out[0] = rng.standard_normal()
    for k in range(1, n):
        out[k] = a * out[k - 1] + eps[k]
    return out


def weather_series(rng: np.random.Generator, n: int, start: int) -> np.ndarray:
    """(n, 4) raw temperature, pressure, wind, humidity every 10 minutes from step `start` of a day."""
    day = 2 * np.pi * (np.arange(n) + start) / STEPS_PER_DAY
    diurnal = np.sin(day - 0.75 * np.pi)  # warmest at 15:00, coldest at 03:00
    air_mass = _ou(rng, n, 2 * STEPS_PER_DAY)
    front = _ou(rng, n, 3 * STEPS_PER_DAY)  # high pressure: clear skies, a wider daily swing
    gust = _ou(rng, n, 6)
    moist = _ou(rng, n, 1.5 * STEPS_PER_DAY)
    pressure = 1013 + 7 * front + 0.6 * np.sin(2 * day) + 0.1 * rng.standard_normal(n)
    swing = np.clip(5 + 2 * front, 1.0, None)
    temperature = 10 + 4 * air_mass + swing * diurnal + 0.3 * _ou(rng, n, 12)
    wind = np.clip(3 + 0.8 * diurnal - 0.6 * front + 0.9 * gust, 0.0, None)
    humidity = np.clip(72 - 2.2 * swing * diurnal + 8 * moist - 2 * front, 5.0, 100.0)
    return np.stack([temperature, pressure, wind, humidity], axis=1)


def _weather(rng: np.random.Generator, o: dict[str, Any]) -> TaskData:
    T, horizon = o["length"], o["horizon"]
    start = int(rng.integers(0, STEPS_PER_DAY))  # time of day of the first step
    raw = weather_series(rng, T + horizon, start)
    z = (raw - WEATHER_MEAN) / WEATHER_STD
    # forecast: the temperature `horizon` steps after the last input, given at the last step only
    target = z[T - 1 + horizon, :1]
    extra = {
        "mean": WEATHER_MEAN.tolist(),
        "std": WEATHER_STD.tolist(),
        "units": WEATHER_UNITS,
        "step_minutes": 10,
        "start_minute": 10 * start,
        "horizon": horizon,
        "target_raw": float(raw[T - 1 + horizon, 0]),
        # The target is the temperature channel: it is scaled as input 0 is.
        "output_mean": WEATHER_MEAN[:1].tolist(),
        "output_std": WEATHER_STD[:1].tolist(),
        "output_units": WEATHER_UNITS[:1],
    }
    return TaskData(
        "weather",
        "many_to_one",
        z[:T],
        only_last(T, target),
        None,
        "mse",
        list(WEATHER_NAMES),
        [f"temperature +{horizon * 10} min"],
        TASKS["weather"].description,
        extra,
    )


def _echo(rng: np.random.Generator, o: dict[str, Any]) -> TaskData:
    T, decay = o["length"], o["decay"]
    value = rng.uniform(0.5, 1.0) * rng.choice([-1.0, 1.0])
    inputs = np.zeros((T, 1))
    inputs[0, 0] = value
    targets = (value * decay ** np.arange(T))[:, None]
    return TaskData(
        "echo",
        "one_to_many",
        inputs,
        targets,
        None,
        "mse",
        ["x"],
        ["echo"],
        TASKS["echo"].description,
        {"value": float(value)},
    )


# ----------------------------------------------------------------------------- registry
TASKS: dict[str, TaskInfo] = {
    "sine": task_info(
        "sine",
        "Predict the next value of a sine wave at every step.",
        "many_to_many",
        "mse",
        (1, 1, 8),
        (
            time_steps_option(50),
            TaskOption("period", 20.0, 2.0, 1000.0, False, "steps per cycle"),
            TaskOption("noise", 0.0, 0.0, 1.0, False, "std of added Gaussian noise"),
        ),
    ),
    "adding": task_info(
        "adding",
        "Add the two marked values of a sequence; answer at the last step.",
        "many_to_one",
        "mse",
        (2, 1, 16),
        (time_steps_option(50),),
    ),
    "copy": task_info(
        "copy",
        "Recall the symbol seen first after a blank delay, when the cue comes.",
        "many_to_one",
        "cross_entropy",
        (6, 4, 8),
        (
            TaskOption("delay", 10, 0, MAX_LENGTH - 2, True, "blank steps between symbol and cue"),
            TaskOption("n_symbols", 4, 2, 26, True, "symbols to choose from"),
        ),
        length_option="delay",
        offset=2,
    ),
    **DATASET_TASKS,  # chars, airline, nile, sunspots, reber
    "weather": task_info(
        "weather",
        "Forecast the temperature 24 hours ahead from a window of 10-minute weather.",
        "many_to_one",
        "mse",
        (4, 1, 16),
        (
            time_steps_option(72, low=1),
            TaskOption("horizon", 144, 1, 1000, True, "steps ahead (10 min)"),
        ),
    ),
    "echo": task_info(
        "echo",
        "Repeat the first input as a decaying sequence (one input, many outputs).",
        "one_to_many",
        "mse",
        (1, 1, 4),
        (
            time_steps_option(20, low=1),
            TaskOption("decay", 0.8, 0.0, 1.0, False, "factor per step"),
        ),
    ),
}

_GENERATORS: dict[str, TaskGenerator] = {
    "sine": _sine,
    "adding": _adding,
    "copy": _copy,
    "weather": _weather,
    "echo": _echo,
    **DATASET_GENERATORS,
}


def make_task(name: str, seed: int, length: int | None = None, **options: Any) -> TaskData:
    """Generate a built-in task; `length` is the number of time steps T where the task has one.

    A bad option raises FieldError located at (name, option), or (name, "length") for the
    `length` given: callers relocate (name,) to where the options sit in their request.
    """
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool) or seed < 0:
        raise FieldError("seed", f"expected a non-negative integer, got {seed!r}")
    return generate(name, np.random.default_rng(seed), resolve_options(name, length, **options))


def generate(name: str, rng: np.random.Generator, values: dict[str, Any]) -> TaskData:
    """A sequence of a task from any random stream; `values` as resolve_options returns them."""
    return _GENERATORS[name](rng, values)


def resolve_options(name: str, length: int | None = None, **options: Any) -> dict[str, Any]:
    """Every option of the task, checked, defaults filled in (make_task's checks, no sequence)."""
    if name not in TASKS:
        raise FieldError("task", f"unknown {name!r}; known tasks: {', '.join(TASKS)}")
    info = TASKS[name]
    known = {o.name: o for o in info.options}
    unknown = [k for k in options if k not in known]
    if unknown:
        raise FieldError(name, f"unknown option {unknown[0]!r}; options: {', '.join(known)}")
    if length is not None:
        if info.length_option in options:
            raise FieldError(name, f"pass either length or {info.length_option}, not both")
        if isinstance(length, bool) or not isinstance(length, int | np.integer):
            raise FieldError((name, "length"), f"expected an integer, got {length!r}")
        options[info.length_option] = int(length) - info.length_offset
    return {
        k: _option(name, spec, options.get(k, spec.default), length is not None)
        for k, spec in known.items()
    }


def _option(task: str, spec: TaskOption, value: Any, length_given: bool) -> float:
    info = TASKS[task]
    if length_given and spec.name == info.length_option:
        # the value came from `length`: name that, with its bounds, as the user gave it
        shift = info.length_offset
        loc: tuple[str, ...] = (task, "length")
        how = f" ({spec.name} = length − {shift})" if shift else ""
    else:
        shift, loc, how = 0, (task, spec.name), ""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise FieldError(loc, f"expected a number, got {value!r}")
    if not (math.isfinite(float(value)) and spec.low <= value <= spec.high):
        low, high = spec.low + shift, spec.high + shift
        raise FieldError(
            loc, f"expected a value in [{low:g}, {high:g}]{how}, got {value + shift!r}"
        )
    if spec.integer and float(value) != int(value):
        raise FieldError(loc, f"expected an integer, got {value!r}")
    return int(value) if spec.integer else float(value)
