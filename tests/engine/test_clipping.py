"""Clipping: global norm, by norm and by value, and what happens with non-finite gradients."""

from __future__ import annotations

import math

import numpy as np
import pytest
from lstm_explorer.engine.clipping import (
    ClipResult,
    clip_by_global_norm,
    clip_by_value,
    global_norm,
)


def grads(scale: float = 1.0, dtype: type = np.float64) -> dict[str, np.ndarray]:
    # ‖(3, 4)‖ = 5 and ‖(12,)‖ = 12: together 13
    return {
        "dW_z": np.array([[3.0, 4.0]], dtype=dtype) * scale,
        "db_z": np.array([12.0], dtype=dtype) * scale,
    }


@pytest.mark.parametrize(
    ("g", "expected"),
    [
        pytest.param({}, 0.0, id="no gradients"),
        pytest.param({"a": np.zeros((2, 2))}, 0.0, id="all zero"),
        pytest.param(grads(), 13.0, id="3-4-12 triangle"),
        pytest.param(grads(1e200), 13e200, id="huge but finite, no overflow"),
        pytest.param(grads(1e-200), 13e-200, id="tiny, no underflow"),
        pytest.param({"a": np.array([1, 2, 2])}, 3.0, id="integer arrays"),
    ],
)
def test_global_norm_is_the_norm_of_all_gradients_as_one_vector(g: dict, expected: float) -> None:
    assert global_norm(g) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("bad", "expected"),
    [pytest.param(math.inf, math.inf, id="inf"), pytest.param(-math.inf, math.inf, id="-inf")],
)
def test_global_norm_reports_inf_for_infinite_entries(bad: float, expected: float) -> None:
    assert global_norm({"a": np.array([1.0, bad])}) == expected


def test_global_norm_reports_nan_for_nan_entries_even_next_to_inf() -> None:
    assert math.isnan(global_norm({"a": np.array([math.inf]), "b": np.array([math.nan])}))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_clip_by_global_norm_scales_down_to_max_norm_keeping_direction(dtype: type) -> None:
    g = grads(dtype=dtype)
    result = clip_by_global_norm(g, 6.5)
    assert isinstance(result, ClipResult)
    assert result.clipped
    assert result.norm_before == pytest.approx(13.0)
    assert result.norm_after == pytest.approx(6.5, rel=1e-6)
    for key in g:
        np.testing.assert_allclose(result.grads[key], g[key] / 2, rtol=1e-6)
        assert result.grads[key].dtype == dtype


@pytest.mark.parametrize("max_norm", [13.0, 100.0])
def test_clip_by_global_norm_leaves_small_gradients_alone(max_norm: float) -> None:
    g = grads()
    result = clip_by_global_norm(g, max_norm)
    assert not result.clipped
    assert result.norm_before == result.norm_after == pytest.approx(13.0)
    assert all(result.grads[k] is g[k] for k in g)


def test_clipping_does_not_modify_the_callers_gradients() -> None:
    g = grads()
    clip_by_global_norm(g, 1.0)
    clip_by_value(g, 1.0)
    np.testing.assert_array_equal(g["db_z"], [12.0])


def test_clip_by_value_clamps_each_entry_and_reports_both_norms() -> None:
    result = clip_by_value(grads(), 4.0)
    assert result.clipped
    np.testing.assert_array_equal(result.grads["dW_z"], [[3.0, 4.0]])
    np.testing.assert_array_equal(result.grads["db_z"], [4.0])
    assert result.norm_before == pytest.approx(13.0)
    assert result.norm_after == pytest.approx(math.sqrt(9 + 16 + 16))


def test_clip_by_value_reports_no_clipping_when_every_entry_is_within_the_limit() -> None:
    result = clip_by_value(grads(), 12.0)
    assert not result.clipped and result.norm_after == result.norm_before


@pytest.mark.parametrize("clip", [clip_by_global_norm, clip_by_value], ids=["by norm", "by value"])
@pytest.mark.parametrize("bad", [math.inf, math.nan], ids=["inf", "nan"])
def test_non_finite_gradients_are_reported_not_clipped(clip, bad: float) -> None:
    g = {"a": np.array([1.0, bad]), "b": np.array([2.0])}
    result = clip(g, 1.0)
    assert not result.clipped
    assert not math.isfinite(result.norm_before)
    assert math.isnan(result.norm_after) if math.isnan(bad) else result.norm_after == math.inf
    assert all(result.grads[k] is g[k] for k in g)


@pytest.mark.parametrize("clip", [clip_by_global_norm, clip_by_value], ids=["by norm", "by value"])
@pytest.mark.parametrize("threshold", [0, -1.0, math.nan, math.inf, True, "5"])
def test_a_threshold_that_is_not_positive_and_finite_is_refused(clip, threshold: object) -> None:
    name = "max_norm" if clip is clip_by_global_norm else "limit"
    with pytest.raises(ValueError, match=name):
        clip(grads(), threshold)


def test_gradients_that_are_not_numbers_are_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"grads\.dW_z"):
        global_norm({"dW_z": np.array(["a"])})
