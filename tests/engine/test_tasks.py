"""Built-in tasks: determinism, shapes, task types, which steps carry targets, option checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from lstm_explorer.engine.dataset_tasks import CHARS_PATH
from lstm_explorer.engine.datasets import windows
from lstm_explorer.engine.readout import make_targets
from lstm_explorer.engine.task_data import TaskData
from lstm_explorer.engine.tasks import (
    TASKS,
    WEATHER_MEAN,
    WEATHER_STD,
    make_task,
    weather_series,
)

NAMES = list(TASKS)


def same(a: TaskData, b: TaskData) -> bool:
    arrays = ("inputs", "targets", "labels")
    return all(
        np.array_equal(getattr(a, k), getattr(b, k), equal_nan=k == "targets")
        if getattr(a, k) is not None
        else getattr(b, k) is None
        for k in arrays
    )


@pytest.mark.parametrize("name", NAMES)
def test_a_task_is_the_same_for_the_same_seed(name: str) -> None:
    assert same(make_task(name, seed=5), make_task(name, seed=5))


@pytest.mark.parametrize("name", [n for n in NAMES if windows(n) is None])
def test_a_random_task_differs_between_seeds(name: str) -> None:
    assert not all(same(make_task(name, seed=0), make_task(name, seed=s)) for s in range(1, 4))


@pytest.mark.parametrize("name", NAMES)
def test_a_task_matches_its_registry_entry_at_the_defaults(name: str) -> None:
    info, task = TASKS[name], make_task(name, seed=0)
    assert task.name == name
    assert task.task_type == info.task_type
    assert task.loss == info.loss
    assert task.inputs.shape[1] == info.input_size == len(task.input_names)
    assert task.output_size == info.output_size
    assert task.description == info.description
    assert np.all(np.isfinite(task.inputs))


@pytest.mark.parametrize("name", NAMES)
def test_a_tasks_targets_are_accepted_by_the_readout(name: str) -> None:
    task = make_task(name, seed=1)
    targets = make_targets(task.loss_targets, task.loss, task.length, task.output_size)
    np.testing.assert_array_equal(targets.mask, task.target_mask)


@pytest.mark.parametrize(
    ("name", "length"),
    [
        ("sine", 7),
        ("adding", 2),
        ("adding", 33),
        ("copy", 2),
        ("copy", 9),
        ("chars", 1),
        ("chars", 25),
        ("weather", 1),
        ("weather", 30),
        ("echo", 1),
        ("echo", 12),
        ("reber", 1),
        ("reber", 77),
        ("airline", 2),
        ("airline", 35),
        ("nile", 29),
        ("sunspots", 59),
    ],
)
def test_length_sets_the_number_of_time_steps(name: str, length: int) -> None:
    task = make_task(name, seed=0, length=length)
    assert task.inputs.shape[0] == task.length == length


@pytest.mark.parametrize(
    ("name", "where"),
    [
        ("sine", "every"),
        ("chars", "every"),
        ("echo", "every"),
        ("reber", "every"),
        ("airline", "every"),
        ("nile", "every"),
        ("sunspots", "every"),
        ("adding", "last"),
        ("copy", "last"),
        ("weather", "last"),
    ],
)
def test_targets_sit_at_every_step_or_only_at_the_last(name: str, where: str) -> None:
    mask = make_task(name, seed=2).target_mask
    if where == "every":
        assert mask.all()
    else:
        assert mask[-1] and mask.sum() == 1


@pytest.mark.parametrize("noise", [0.0, 0.3])
def test_sine_targets_are_the_next_input(noise: float) -> None:
    task = make_task("sine", seed=3, length=30, noise=noise, period=12.5)
    np.testing.assert_array_equal(task.targets[:-1], task.inputs[1:])


def test_sine_without_noise_is_a_sine_of_the_given_period() -> None:
    task = make_task("sine", seed=3, length=40, period=10)
    np.testing.assert_allclose(task.inputs[10:], task.inputs[:-10], atol=1e-12)
    assert np.max(np.abs(task.inputs)) <= 1


@pytest.mark.parametrize("seed", range(5))
def test_adding_target_is_the_sum_of_the_two_marked_values(seed: int) -> None:
    task = make_task("adding", seed=seed, length=20)
    values, markers = task.inputs[:, 0], task.inputs[:, 1]
    assert markers.sum() == 2
    first, second = np.nonzero(markers)[0]
    assert first < 10 <= second  # one in each half
    assert task.targets[-1, 0] == pytest.approx(values[markers == 1].sum())
    assert np.all((values >= 0) & (values <= 1))


@pytest.mark.parametrize(("delay", "n_symbols"), [(0, 2), (5, 4), (40, 8)])
def test_copy_shows_a_symbol_then_blanks_then_the_cue_and_asks_for_the_symbol(
    delay: int, n_symbols: int
) -> None:
    task = make_task("copy", seed=4, delay=delay, n_symbols=n_symbols)
    stream = task.inputs.argmax(axis=1)
    assert task.length == delay + 2
    assert np.all(task.inputs.sum(axis=1) == 1)  # one-hot
    assert stream[0] < n_symbols
    assert np.all(stream[1:-1] == n_symbols)  # blank
    assert stream[-1] == n_symbols + 1  # recall cue
    assert task.labels[-1] == stream[0] == task.extra["symbol"]
    assert task.input_names[-2:] == ["blank", "cue"]


def test_copy_length_and_delay_together_are_refused() -> None:
    with pytest.raises(ValueError, match="either length or delay"):
        make_task("copy", seed=0, length=10, delay=8)


def test_the_chars_text_is_the_shipped_file_and_its_default_window_is_held_out() -> None:
    text = CHARS_PATH.read_text(encoding="utf-8").strip()
    task = make_task("chars", seed=0)
    assert task.extra["offset"] == len(text) - 1000 and task.extra["heldout_window"]
    assert task.extra["text"] == text[len(text) - 1000 : len(text) - 1000 + 41]


@pytest.mark.parametrize("offset", [0, 17])
def test_chars_labels_are_the_next_characters_index(offset: int) -> None:
    task = make_task("chars", seed=0, length=20, offset=offset)
    text = CHARS_PATH.read_text(encoding="utf-8").strip()
    alphabet = sorted(set(text))
    assert "".join(alphabet[k] for k in task.inputs.argmax(axis=1)) == text[offset : offset + 20]
    assert "".join(alphabet[k] for k in task.labels) == text[offset + 1 : offset + 21]
    assert task.output_names == task.input_names


def test_chars_window_past_the_end_of_the_text_is_refused() -> None:
    with pytest.raises(ValueError, match="offset"):
        make_task("chars", seed=0, length=100, offset=len(CHARS_PATH.read_text().strip()) - 50)


@pytest.mark.parametrize("horizon", [1, 144])
def test_weather_forecasts_the_temperature_horizon_steps_after_the_window(horizon: int) -> None:
    task = make_task("weather", seed=6, length=72, horizon=horizon)
    rng = np.random.default_rng(6)
    start = int(rng.integers(0, 144))
    assert task.extra["start_minute"] == 10 * start
    raw = weather_series(rng, 72 + horizon, start)
    z = (raw - WEATHER_MEAN) / WEATHER_STD
    np.testing.assert_allclose(task.inputs, z[:72])
    assert task.targets[-1, 0] == pytest.approx(z[71 + horizon, 0])
    assert task.input_names == ["temperature", "pressure", "wind", "humidity"]


def test_weather_is_standardised_and_has_a_daily_cycle() -> None:
    z = (weather_series(np.random.default_rng(0), 144 * 200, start=0) - WEATHER_MEAN) / WEATHER_STD
    assert np.all(np.abs(z.mean(axis=0)) < 0.5)
    assert np.all((z.std(axis=0) > 0.6) & (z.std(axis=0) < 1.5))
    by_hour = z[:, 0].reshape(200, 144).mean(axis=0)
    assert 13 * 6 <= int(np.argmax(by_hour)) <= 17 * 6  # warmest in the afternoon


@pytest.mark.parametrize("decay", [0.0, 0.5, 1.0])
def test_echo_takes_one_input_and_answers_a_decaying_sequence(decay: float) -> None:
    task = make_task("echo", seed=7, length=6, decay=decay)
    value = task.inputs[0, 0]
    assert np.all(task.inputs[1:] == 0) and 0.5 <= abs(value) <= 1
    np.testing.assert_allclose(task.targets[:, 0], value * decay ** np.arange(6))


@pytest.mark.parametrize(
    ("name", "kwargs", "message"),
    [
        pytest.param("lorenz", {}, "unknown 'lorenz'", id="unknown task"),
        pytest.param("sine", {"seed": -1}, "seed", id="negative seed"),
        pytest.param("sine", {"seed": 1.0}, "seed", id="float seed"),
        pytest.param("sine", {"amplitude": 2}, "unknown option 'amplitude'", id="unknown option"),
        pytest.param("sine", {"length": 0}, r"sine\.length.*\[2, 2000\]", id="length zero"),
        pytest.param("sine", {"length": 10**6}, r"sine\.length", id="length over the limit"),
        pytest.param(
            "sine", {"length": 2.5}, "length: expected an integer", id="fractional length"
        ),
        pytest.param("sine", {"period": math.nan}, r"sine\.period", id="NaN period"),
        pytest.param("sine", {"noise": "lots"}, r"sine\.noise: expected a number", id="text noise"),
        pytest.param(
            "copy", {"length": 1}, r"copy\.length: .*\(delay = length − 2\)", id="copy too short"
        ),
        pytest.param("copy", {"n_symbols": 27}, r"copy\.n_symbols", id="too many symbols"),
        pytest.param("copy", {"delay": True}, r"copy\.delay", id="boolean delay"),
        pytest.param("weather", {"horizon": 0}, r"weather\.horizon", id="zero horizon"),
        pytest.param("echo", {"decay": 1.5}, r"echo\.decay", id="growing echo"),
    ],
)
def test_bad_task_options_are_refused_naming_the_option(
    name: str, kwargs: dict, message: str
) -> None:
    options = {"seed": 0, **kwargs}
    with pytest.raises(ValueError, match=message):
        make_task(name, **options)


def test_registry_defaults_lie_within_their_bounds() -> None:
    for info in TASKS.values():
        for option in info.options:
            assert option.low <= option.default <= option.high, (info.name, option.name)
