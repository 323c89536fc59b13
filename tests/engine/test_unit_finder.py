"""The unit finder (engine/unit_finder.py): units on inside a span and off outside rank first."""

import numpy as np
import pytest
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.problem import Problem
from lstm_explorer.engine.runner import Runner
from lstm_explorer.engine.unit_finder import rank_units
from lstm_explorer.engine.user_text import text_task

from tests.planted_unit import PLANTED, QUOTED_TEXT, planted_params, planted_spec, quoted_spans


def _quote_model_trace() -> tuple[dict[str, np.ndarray], list[tuple[int, int]]]:
    task = text_task(QUOTED_TEXT)
    vocabulary = task.extra["vocabulary"]
    spec = planted_spec(len(vocabulary))
    runner = Runner(Problem.build(spec, planted_params(vocabulary), task.inputs))
    runner.run_forward()
    return runner.forward_arrays(), quoted_spans(QUOTED_TEXT)


def test_planted_quote_unit_is_on_exactly_inside_quotes() -> None:
    arrays, spans = _quote_model_trace()
    c = arrays["c"][:, PLANTED]
    inside = np.zeros(c.shape[0], dtype=bool)
    for a, b in spans:
        inside[a:b] = True
    assert np.all(c[inside] > 0.99)
    assert np.all(c[~inside] < 0.01)


@pytest.mark.parametrize("which", [0, 1, 2], ids=["first", "second", "third"])
def test_planted_quote_unit_ranks_first_for_a_quoted_span(which: int) -> None:
    arrays, spans = _quote_model_trace()
    start, stop = spans[which]
    ranked = rank_units(arrays["c"], start, stop)
    assert ranked[0].unit == PLANTED
    assert ranked[0].score > 0.5
    assert ranked[0].score > ranked[1].score + 0.2  # by a margin, not by luck
    assert ranked[0].inside == pytest.approx(np.mean(arrays["c"][start:stop, PLANTED]))


def test_planted_quote_unit_does_not_rank_first_for_a_span_outside_quotes() -> None:
    arrays, spans = _quote_model_trace()
    start = spans[0][1] + 1  # after the first closing quote
    ranked = rank_units(arrays["c"], start, start + 8)
    assert ranked[-1].unit == PLANTED  # off inside the span, on elsewhere: the opposite
    assert ranked[-1].score < -0.3


def test_score_is_the_mean_difference_over_the_range() -> None:
    values = np.array([[0.0, 5.0, 1.0], [1.0, 5.0, 3.0], [1.0, 5.0, 0.0], [0.0, 5.0, 1.0]])
    ranked = {u.unit: u for u in rank_units(values, 1, 3)}
    assert ranked[0].score == pytest.approx(1.0)  # on exactly inside: the best possible
    assert ranked[1].score == 0.0  # constant: no evidence either way
    assert ranked[2].score == pytest.approx((1.5 - 1.0) / 3.0)
    assert (ranked[2].inside, ranked[2].outside) == (1.5, 1.0)
    assert [u.unit for u in rank_units(values, 1, 3)] == [0, 2, 1]


def test_polarity_low_and_magnitude() -> None:
    values = np.array([[0.1, 0.0], [-2.0, 2.0], [-2.0, -2.0], [0.1, 0.0]])
    low = rank_units(values, 1, 3, "low")
    assert low[0].unit == 0 and low[0].score == pytest.approx(1.0)
    magnitude = {u.unit: u.score for u in rank_units(values, 1, 3, "magnitude")}
    assert magnitude[1] == pytest.approx(1.0)  # far from 0 either way inside, 0 outside
    assert magnitude[0] == pytest.approx(1.0)


def test_steps_restrict_the_comparison_to_computed_steps() -> None:
    values = np.zeros((6, 1))
    values[1:3, 0] = 1.0
    values[4:, 0] = 1.0  # not computed yet: must not count as "on outside"
    (unit,) = rank_units(values, 1, 3, steps=(0, 4))
    assert unit.score == pytest.approx(1.0)
    (unit,) = rank_units(values, 1, 3)
    assert unit.score < 1.0


@pytest.mark.parametrize(
    ("start", "stop", "steps", "loc", "message"),
    [
        (0, 4, None, "stop", "covers every computed step"),
        (4, 5, None, "start", "expected a computed step, 0..3"),
        (2, 2, None, "stop", "expected 3..4"),
        (2, 5, None, "stop", "expected 3..4"),
        (0, 1, (0, 1), "start", "at least 2 computed steps"),
        (0, 1, (2, 4), "start", "expected a computed step, 2..3"),
    ],
)
def test_bad_spans_are_refused_naming_the_field(
    start: int, stop: int, steps: tuple[int, int] | None, loc: str, message: str
) -> None:
    with pytest.raises(FieldError, match=message) as err:
        rank_units(np.zeros((4, 2)), start, stop, steps=steps)
    assert err.value.loc == (loc,)


def test_unknown_polarity_and_non_finite_values_are_refused() -> None:
    with pytest.raises(FieldError, match="expected one of high, low, magnitude") as err:
        rank_units(np.zeros((4, 2)), 0, 2, "sideways")
    assert err.value.loc == ("polarity",)
    values = np.zeros((4, 2))
    values[3, 1] = np.nan
    with pytest.raises(FieldError, match="NaN or Inf") as err:
        rank_units(values, 0, 2)
    assert err.value.loc == ("quantity",)
