"""Seeded parameter initialisation: Xavier or scaled-uniform inputs, orthogonal recurrence, forget bias."""

from __future__ import annotations

import math
import zlib

import numpy as np
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.spec import ModelSpec, param_shapes, split_layer_key
from lstm_explorer.engine.variants import FGR_KEYS

SCHEMES = ("xavier", "uniform")
RECURRENT_SCHEMES = ("orthogonal", "xavier", "uniform")


def init_params(
    spec: ModelSpec,
    seed: int,
    scheme: str = "xavier",
    recurrent: str = "orthogonal",
    forget_bias: float = 1.0,
    peephole_scale: float = 0.1,
) -> dict[str, np.ndarray]:
    """Fresh parameters for `spec`, shapes exactly param_shapes(spec), the same for the same seed."""
    _check_options(seed, scheme, recurrent, forget_bias, peephole_scale)
    h = spec.hidden_size
    out: dict[str, np.ndarray] = {}
    for key, shape in param_shapes(spec).items():
        rng = _stream(seed, key)
        kind = _kind(spec, split_layer_key(key)[0])
        if kind == "input":  # W_* (H×D), U (H×D), V (O×H)
            arr = _dense(rng, shape, scheme, h)
        elif kind == "recurrent":  # R_* (H×H), the RNN's W
            arr = (
                _orthogonal(rng, h)
                if recurrent == "orthogonal"
                else _dense(rng, shape, recurrent, h)
            )
        elif kind == "gate_recurrence":
            # FGR's nine gate-to-gate matrices start small so the plain LSTM dominates at first.
            bound = 0.1 / math.sqrt(h)
            arr = rng.uniform(-bound, bound, size=shape)
        elif kind == "peephole":
            arr = rng.uniform(-peephole_scale, peephole_scale, size=shape)
        elif split_layer_key(key)[0] == "b_f":
            # A positive forget bias keeps the cell open at the start (Gers et al. 2000).
            arr = np.full(shape, forget_bias)
        else:
            arr = np.zeros(shape)
        out[key] = np.ascontiguousarray(arr, dtype=spec.np_dtype)
    return out


def _kind(spec: ModelSpec, key: str) -> str:
    if spec.cell == "rnn":
        return {"U": "input", "W": "recurrent", "V": "input"}.get(key, "bias")
    if key in FGR_KEYS:
        return "gate_recurrence"
    if key.startswith("W_") or key == "V":
        return "input"
    if key.startswith("R_"):
        return "recurrent"
    if key.startswith("p_"):
        return "peephole"
    return "bias"


def _stream(seed: int, key: str) -> np.random.Generator:
    # One stream per (seed, parameter name): variants of one seed share the weights they have in
    # common, so vanilla and NP (say) start from the same W_z and can be compared side by side.
    return np.random.default_rng([seed, zlib.crc32(key.encode())])


def _dense(rng: np.random.Generator, shape: tuple[int, ...], scheme: str, h: int) -> np.ndarray:
    rows, cols = shape
    # Glorot & Bengio (2010) uniform, or PyTorch's default for nn.LSTM / nn.RNN
    bound = math.sqrt(6.0 / (rows + cols)) if scheme == "xavier" else 1.0 / math.sqrt(h)
    return rng.uniform(-bound, bound, size=shape)


def _orthogonal(rng: np.random.Generator, n: int) -> np.ndarray:
    """A random orthogonal n×n matrix, uniform over O(n) (Mezzadri 2007)."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    # QR's signs are arbitrary; fixing diag(r) > 0 makes q Haar-distributed.
    signs = np.sign(np.diag(r))
    signs[signs == 0] = 1.0
    return q * signs


def _check_options(
    seed: int, scheme: str, recurrent: str, forget_bias: float, peephole_scale: float
) -> None:
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool) or seed < 0:
        raise FieldError("seed", f"expected a non-negative integer, got {seed!r}")
    if scheme not in SCHEMES:
        raise FieldError("scheme", f"expected one of {SCHEMES}, got {scheme!r}")
    if recurrent not in RECURRENT_SCHEMES:
        raise FieldError("recurrent", f"expected one of {RECURRENT_SCHEMES}, got {recurrent!r}")
    if not _is_real(forget_bias) or abs(forget_bias) > 100:
        raise FieldError("forget_bias", f"expected a number in [-100, 100], got {forget_bias!r}")
    if not _is_real(peephole_scale) or not 0 <= peephole_scale <= 10:
        raise FieldError("peephole_scale", f"expected a number in [0, 10], got {peephole_scale!r}")


def _is_real(value: object) -> bool:
    return (
        isinstance(value, int | float | np.integer | np.floating)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )
