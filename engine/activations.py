"""Activation functions, the derivative of tanh from its output, softmax."""

from __future__ import annotations

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function via tanh: never overflows, unlike 1 / (1 + exp(-x))."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def tanh_grad_from_output(t: np.ndarray) -> np.ndarray:
    """tanh'(x) = 1 − tanh(x)², given t = tanh(x)."""
    return 1.0 - t * t


def softmax(v: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, shifted by the maximum for stability."""
    e = np.exp(v - np.max(v, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)
