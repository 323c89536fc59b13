"""Optimisers: SGD with momentum and Adam, each keeping its state per parameter name."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from lstm_explorer.engine.errors import FieldError


class SGD:
    """p ← p − lr·u with u ← momentum·u + g (PyTorch's convention); plain SGD at momentum 0."""

    kind = "sgd"

    def __init__(self, lr: float, momentum: float = 0.0) -> None:
        self.lr = _positive("lr", lr)
        self.momentum = _fraction("momentum", momentum)
        self.velocity: dict[str, np.ndarray] = {}

    def step(self, params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray]) -> dict:
        """New parameters after one update; the inputs are not modified."""
        g = _matched(params, grads, self.velocity)
        out = {}
        for key, p in params.items():
            u = g[key]
            if self.momentum:
                u = self.momentum * self.velocity.get(key, 0.0) + u
                self.velocity[key] = u
            out[key] = _update(p, self.lr * u)
        return out

    def state_dict(self) -> dict[str, Any]:
        """Hyperparameters and per-parameter velocity, as plain numbers and arrays."""
        return {
            "kind": self.kind,
            "lr": self.lr,
            "momentum": self.momentum,
            "velocity": {k: v.copy() for k, v in self.velocity.items()},
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what state_dict() returned (arrays may arrive as nested lists)."""
        _check_kind(state, self.kind)
        lr = _positive("lr", state.get("lr"))
        momentum = _fraction("momentum", state.get("momentum"))
        velocity = _arrays("velocity", state.get("velocity", {}))
        self.lr, self.momentum, self.velocity = lr, momentum, velocity


class Adam:
    """Adam (Kingma & Ba 2015) with bias correction; its first step moves each entry by ≈ lr."""

    kind = "adam"

    def __init__(
        self, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8
    ) -> None:
        self.lr = _positive("lr", lr)
        self.beta1 = _fraction("beta1", beta1)
        self.beta2 = _fraction("beta2", beta2)
        self.eps = _positive("eps", eps)
        self.t = 0
        self.m: dict[str, np.ndarray] = {}
        self.v: dict[str, np.ndarray] = {}

    def step(self, params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray]) -> dict:
        """New parameters after one update; the inputs are not modified."""
        g = _matched(params, grads, self.m)
        self.t += 1
        # bias corrections undo the zero start of m and v
        c1 = 1.0 - self.beta1**self.t
        c2 = 1.0 - self.beta2**self.t
        out = {}
        for key, p in params.items():
            gk = g[key]
            m = self.beta1 * self.m.get(key, 0.0) + (1.0 - self.beta1) * gk
            v = self.beta2 * self.v.get(key, 0.0) + (1.0 - self.beta2) * gk * gk
            self.m[key], self.v[key] = m, v
            out[key] = _update(p, self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps))
        return out

    def state_dict(self) -> dict[str, Any]:
        """Hyperparameters, step count and the moment estimates m and v per parameter."""
        return {
            "kind": self.kind,
            "lr": self.lr,
            "beta1": self.beta1,
            "beta2": self.beta2,
            "eps": self.eps,
            "t": self.t,
            "m": {k: a.copy() for k, a in self.m.items()},
            "v": {k: a.copy() for k, a in self.v.items()},
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what state_dict() returned (arrays may arrive as nested lists)."""
        _check_kind(state, self.kind)
        lr = _positive("lr", state.get("lr"))
        beta1 = _fraction("beta1", state.get("beta1"))
        beta2 = _fraction("beta2", state.get("beta2"))
        eps = _positive("eps", state.get("eps"))
        t = state.get("t")
        if not isinstance(t, int | np.integer) or isinstance(t, bool) or t < 0:
            raise FieldError("t", f"expected a non-negative integer, got {t!r}")
        m = _arrays("m", state.get("m", {}))
        v = _arrays("v", state.get("v", {}))
        if set(m) != set(v) or any(m[k].shape != v[k].shape for k in m):
            raise FieldError("v", "m and v must name the same parameters and shapes")
        if any(np.any(a < 0) for a in v.values()):
            raise FieldError("v", "second moments cannot be negative")
        self.lr, self.beta1, self.beta2, self.eps, self.t = lr, beta1, beta2, eps, int(t)
        self.m, self.v = m, v


def optimizer_from_state(state: Mapping[str, Any]) -> SGD | Adam:
    """Rebuild an optimiser from state_dict() output (session restore)."""
    kind = state.get("kind") if isinstance(state, Mapping) else None
    opt: SGD | Adam
    if kind == "sgd":
        opt = SGD(lr=1.0)
    elif kind == "adam":
        opt = Adam(lr=1.0)
    else:
        raise FieldError("kind", f"expected 'sgd' or 'adam', got {kind!r}")
    opt.load_state_dict(state)
    return opt


def _matched(
    params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray], state: Mapping
) -> dict[str, np.ndarray]:
    """Check grads name exactly the parameters, with their shapes, finite; return float arrays."""
    missing = [k for k in params if k not in grads]
    if missing:
        raise FieldError(
            "grads", f"missing {', '.join(missing)} (keyed by parameter name, e.g. W_z)"
        )
    extra = [k for k in grads if k not in params]
    if extra:
        raise FieldError("grads", f"{', '.join(extra)} name no parameter")
    out = {}
    for key, p in params.items():
        g = np.asarray(grads[key], dtype=np.float64)
        shape = np.shape(p)
        if g.shape != shape:
            raise FieldError(("grads", key), f"expected shape {shape}, got {g.shape}")
        if key in state and np.shape(state[key]) != shape:
            raise FieldError(
                ("params", key),
                f"shape {shape} differs from the optimizer state's "
                f"{np.shape(state[key])}; start a new optimizer after changing the model",
            )
        if not np.all(np.isfinite(g)):
            # Checked for every parameter before any state changes: a refused step is a no-op.
            raise FieldError(("grads", key), "contains NaN or Inf")
        out[key] = g
    return out


def _update(p: np.ndarray, delta: np.ndarray) -> np.ndarray:
    arr = np.asarray(p)
    dtype = arr.dtype if arr.dtype.kind == "f" else np.float64
    return np.asarray(arr - delta, dtype=dtype)


def _arrays(name: str, raw: object) -> dict[str, np.ndarray]:
    if not isinstance(raw, Mapping):
        raise FieldError(name, "expected a dict of named arrays")
    out = {}
    for key, value in raw.items():
        try:
            arr = np.array(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise FieldError((name, str(key)), "not an array of numbers") from None
        if not np.all(np.isfinite(arr)):
            raise FieldError((name, str(key)), "contains NaN or Inf")
        out[str(key)] = arr
    return out


def _check_kind(state: Mapping[str, Any], kind: str) -> None:
    if not isinstance(state, Mapping) or state.get("kind") != kind:
        got = state.get("kind") if isinstance(state, Mapping) else state
        raise FieldError("kind", f"expected {kind!r}, got {got!r}")


def _real(name: str, value: object) -> float:
    ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
    if not ok or not math.isfinite(float(value)):  # type: ignore[arg-type]
        raise FieldError(name, f"expected a finite number, got {value!r}")
    return float(value)  # type: ignore[arg-type]


def _positive(name: str, value: object) -> float:
    x = _real(name, value)
    if x <= 0:
        raise FieldError(name, f"expected a number > 0, got {value!r}")
    return x


def _fraction(name: str, value: object) -> float:
    x = _real(name, value)
    if not 0 <= x < 1:
        raise FieldError(name, f"expected a number in [0, 1), got {value!r}")
    return x
