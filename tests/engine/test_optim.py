"""Optimisers: convergence on a quadratic, Adam's first step, state save and restore, refusals."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from lstm_explorer.engine.optim import SGD, Adam, optimizer_from_state

TARGET = {"W": np.array([[1.0, -2.0], [0.5, 3.0]]), "b": np.array([-1.0, 0.25])}


def quadratic_grads(params: dict) -> dict:
    """∇ of ½‖p − target‖² summed over parameters."""
    return {k: params[k] - TARGET[k] for k in params}


def start() -> dict:
    return {k: np.zeros_like(v) for k, v in TARGET.items()}


def distance(params: dict) -> float:
    return math.sqrt(sum(float(np.sum((params[k] - TARGET[k]) ** 2)) for k in params))


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: SGD(0.1), id="SGD"),
        pytest.param(lambda: SGD(0.05, momentum=0.9), id="SGD with momentum"),
        pytest.param(lambda: Adam(0.05), id="Adam"),
    ],
)
def test_a_quadratic_converges_to_its_minimum(make) -> None:
    opt, params = make(), start()
    for _ in range(500):
        params = opt.step(params, quadratic_grads(params))
    assert distance(params) < 1e-3


@pytest.mark.parametrize("lr", [0.001, 0.1])
def test_adams_first_step_moves_each_entry_by_lr_against_the_gradients_sign(lr: float) -> None:
    params = {"W": np.array([[0.5, -0.5, 2.0]])}
    grads = {"W": np.array([[3.0, -0.01, 1e-3]])}
    new = Adam(lr).step(params, grads)
    np.testing.assert_allclose(new["W"], params["W"] - lr * np.sign(grads["W"]), rtol=1e-4)


def test_sgd_without_momentum_takes_a_plain_gradient_step() -> None:
    new = SGD(0.5).step({"b": np.array([1.0, 2.0])}, {"b": np.array([2.0, -2.0])})
    np.testing.assert_array_equal(new["b"], [0.0, 3.0])


def test_sgd_momentum_accumulates_velocity() -> None:
    opt, p = SGD(1.0, momentum=0.5), {"b": np.array([0.0])}
    p = opt.step(p, {"b": np.array([1.0])})  # u = 1
    p = opt.step(p, {"b": np.array([1.0])})  # u = 0.5 + 1
    np.testing.assert_allclose(p["b"], [-2.5])


@pytest.mark.parametrize("make", [lambda: SGD(0.1, 0.9), lambda: Adam(0.1)], ids=["SGD", "Adam"])
def test_step_returns_new_arrays_and_keeps_float32_parameters_float32(make) -> None:
    params = {"W": np.ones((2, 2), dtype=np.float32)}
    new = make().step(params, {"W": np.ones((2, 2))})
    assert new["W"].dtype == np.float32
    assert np.all(params["W"] == 1)


@pytest.mark.parametrize(
    "make",
    [lambda: SGD(0.05, momentum=0.8), lambda: Adam(0.05, beta1=0.8, beta2=0.99, eps=1e-6)],
    ids=["SGD", "Adam"],
)
@pytest.mark.parametrize("through_json", [False, True], ids=["arrays", "json lists"])
def test_a_restored_optimizer_continues_exactly_like_the_original(make, through_json: bool) -> None:
    opt, params = make(), start()
    for _ in range(5):
        params = opt.step(params, quadratic_grads(params))
    state = opt.state_dict()
    if through_json:
        state = json.loads(json.dumps(state, default=lambda a: a.tolist()))
    restored = optimizer_from_state(state)
    assert type(restored) is type(opt)
    a, b = dict(params), dict(params)
    for _ in range(5):
        a = opt.step(a, quadratic_grads(a))
        b = restored.step(b, quadratic_grads(b))
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


def test_state_dict_is_a_copy_not_a_view_of_live_state() -> None:
    opt = Adam(0.1)
    params = opt.step(start(), quadratic_grads(start()))
    state = opt.state_dict()
    opt.step(params, quadratic_grads(params))
    assert state["t"] == 1
    assert not np.array_equal(state["m"]["W"], opt.m["W"])


@pytest.mark.parametrize(
    ("make", "field"),
    [
        pytest.param(lambda: SGD(0.0), "lr", id="zero lr"),
        pytest.param(lambda: SGD(-1.0), "lr", id="negative lr"),
        pytest.param(lambda: SGD(math.nan), "lr", id="NaN lr"),
        pytest.param(lambda: SGD("0.1"), "lr", id="text lr"),
        pytest.param(lambda: SGD(0.1, momentum=1.0), "momentum", id="momentum 1"),
        pytest.param(lambda: SGD(0.1, momentum=-0.1), "momentum", id="negative momentum"),
        pytest.param(lambda: Adam(0.1, beta1=1.0), "beta1", id="beta1 1"),
        pytest.param(lambda: Adam(0.1, beta2=1.5), "beta2", id="beta2 over 1"),
        pytest.param(lambda: Adam(0.1, eps=0.0), "eps", id="zero eps"),
        pytest.param(lambda: Adam(True), "lr", id="boolean lr"),
    ],
)
def test_bad_hyperparameters_are_refused_naming_them(make, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        make()


@pytest.mark.parametrize(
    ("grads", "message"),
    [
        pytest.param({"W": np.zeros((2, 2))}, "missing b", id="missing gradient"),
        pytest.param({**TARGET, "dW": np.zeros(1)}, "dW name no parameter", id="extra gradient"),
        pytest.param(
            {"W": np.zeros((2, 3)), "b": np.zeros(2)},
            r"grads\.W: expected shape \(2, 2\)",
            id="wrong shape",
        ),
        pytest.param(
            {"W": np.full((2, 2), np.nan), "b": np.zeros(2)},
            r"grads\.W: contains NaN",
            id="NaN gradient",
        ),
    ],
)
@pytest.mark.parametrize("make", [lambda: SGD(0.1, 0.5), lambda: Adam(0.1)], ids=["SGD", "Adam"])
def test_mismatched_or_non_finite_gradients_are_refused_without_touching_state(
    make, grads: dict, message: str
) -> None:
    opt = make()
    with pytest.raises(ValueError, match=message):
        opt.step(start(), grads)
    assert opt.state_dict() == make().state_dict()


def test_a_parameter_that_changed_shape_is_refused_by_the_optimizer_state() -> None:
    opt = Adam(0.1)
    opt.step({"b": np.zeros(2)}, {"b": np.ones(2)})
    with pytest.raises(ValueError, match=r"params\.b: shape \(3,\)"):
        opt.step({"b": np.zeros(3)}, {"b": np.ones(3)})


@pytest.mark.parametrize(
    ("state", "message"),
    [
        pytest.param({"kind": "rmsprop"}, "kind", id="unknown kind"),
        pytest.param(
            {
                "kind": "adam",
                "lr": 0.1,
                "beta1": 0.9,
                "beta2": 0.999,
                "eps": 1e-8,
                "t": -1,
                "m": {},
                "v": {},
            },
            "t",
            id="negative step count",
        ),
        pytest.param(
            {
                "kind": "adam",
                "lr": 0.1,
                "beta1": 0.9,
                "beta2": 0.999,
                "eps": 1e-8,
                "t": 1,
                "m": {"b": [0.0]},
                "v": {},
            },
            "m and v",
            id="m without v",
        ),
        pytest.param(
            {
                "kind": "adam",
                "lr": 0.1,
                "beta1": 0.9,
                "beta2": 0.999,
                "eps": 1e-8,
                "t": 1,
                "m": {"b": [0.0]},
                "v": {"b": [-1.0]},
            },
            "negative",
            id="negative v",
        ),
        pytest.param(
            {"kind": "sgd", "lr": 0.1, "momentum": 0.0, "velocity": {"b": ["x"]}},
            r"velocity\.b",
            id="velocity not numbers",
        ),
        pytest.param(
            {"kind": "sgd", "lr": 0.1, "momentum": 0.0, "velocity": {"b": [math.inf]}},
            r"velocity\.b",
            id="infinite velocity",
        ),
        pytest.param(
            {"kind": "sgd", "lr": -0.1, "momentum": 0.0, "velocity": {}}, "lr", id="negative lr"
        ),
    ],
)
def test_a_bad_saved_state_is_refused(state: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        optimizer_from_state(state)


def test_loading_another_optimizers_state_is_refused() -> None:
    with pytest.raises(ValueError, match="expected 'adam'"):
        Adam(0.1).load_state_dict(SGD(0.1).state_dict())
