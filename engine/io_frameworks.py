"""PyTorch (nn.LSTM, nn.RNN, nn.Linear) and Keras (LSTM, Dense) weights ↔ the notation.

PyTorch stacks gate rows i, f, g, o (its g is our z, its h our y); Keras stacks kernel columns
i, f, c, o (its c is our z). Both are Greff's NP variant: no peepholes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.io_checks import DEFAULT_LIMITS, Limits, check_name, float_array
from lstm_explorer.engine.spec import ModelSpec, check_params, layer_key
from lstm_explorer.engine.variants import Variant

TORCH_ORDER = ("i", "f", "z", "o")  # PyTorch rows and Keras columns, in our names
_TORCH_KEY = re.compile(r"(weight|bias)_(ih|hh|hr)_l(\d+)(_reverse)?")


@dataclass(frozen=True)
class Imported:
    """Parameters read from another framework, the sizes they imply, and where each came from."""

    input_size: int
    hidden_size: int
    output_size: int
    params: dict[str, np.ndarray]
    from_file: tuple[str, ...]  # notation keys taken from the file
    missing: tuple[str, ...]  # keys the caller must initialise (V and b_V without a readout)

    def spec(self, cell: str, loss: str = "mse", dtype: str = "float64") -> ModelSpec:
        """The ModelSpec these parameters fit (variant NP for the LSTM)."""
        variant = Variant.parse("NP") if cell == "lstm" else Variant()
        return ModelSpec(
            cell, self.input_size, self.hidden_size, self.output_size, variant, loss, dtype
        )


def from_pytorch(
    state_dict: Mapping[str, np.ndarray],
    cell: str,
    output_size: int | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Imported:
    """nn.LSTM / nn.RNN weights (layer 0), plus an optional single nn.Linear readout (O × H)."""
    if cell not in ("lstm", "rnn"):
        raise FieldError("cell", f"expected 'lstm' or 'rnn', got {cell!r}")
    if not isinstance(state_dict, Mapping) or not state_dict:
        raise FieldError("state_dict", "expected a non-empty dict of named arrays")
    rec, linear = _split_torch_keys(state_dict)
    n_gates = 4 if cell == "lstm" else 1
    gh = "4H" if cell == "lstm" else "H"
    w_ih, w_hh = rec.get("weight_ih"), rec.get("weight_hh")
    if w_ih is None or w_hh is None:
        raise FieldError("state_dict", f"needs weight_ih_l0 ({gh}, D) and weight_hh_l0 ({gh}, H)")
    H = _matrix(w_hh, f"({gh}, H)")[1]
    _bounded(w_hh[0], H, limits.max_hidden_size, "hidden size H (its columns)")
    D = _matrix(w_ih, f"({gh}, D)")[1]
    _bounded(w_ih[0], D, limits.max_input_size, "input size D (its columns)")
    w_ih_a = _arr(w_ih, (n_gates * H, D), f"({gh}, D) = ({n_gates * H}, {D})")
    w_hh_a = _arr(w_hh, (n_gates * H, H), f"({gh}, H) = ({n_gates * H}, {H})")
    bias = np.zeros(n_gates * H)
    from_bias = False
    for part in ("bias_ih", "bias_hh"):
        if part in rec:
            bias = bias + _arr(rec[part], (n_gates * H,), f"({gh},) = ({n_gates * H},)")
            from_bias = True
    params: dict[str, np.ndarray] = {}
    if cell == "rnn":
        params.update(U=w_ih_a, W=w_hh_a, b=bias)
        taken = ["U", "W"] + (["b"] if from_bias else [])
        readout = ("V", "c")
    else:
        rows = {g: slice(k * H, (k + 1) * H) for k, g in enumerate(TORCH_ORDER)}
        for prefix, src in (("W", w_ih_a), ("R", w_hh_a), ("b", bias)):
            for g in "zifo":
                params[f"{prefix}_{g}"] = np.ascontiguousarray(src[rows[g]])
        taken = [f"{p}_{g}" for p in ("W", "R") for g in "zifo"]
        taken += [f"b_{g}" for g in "zifo"] if from_bias else []
        readout = ("V", "b_V")
    O, got = _torch_readout(linear, H, output_size, limits)
    if got is None:
        return Imported(D, H, O, params, tuple(taken), readout)
    params[readout[0]], params[readout[1]] = got
    taken += readout if "bias" in next(iter(linear.values())) else readout[:1]
    return Imported(D, H, O, params, tuple(taken), ())


def to_pytorch(
    params: Mapping[str, np.ndarray], spec: ModelSpec, prefix: str = ""
) -> dict[str, np.ndarray]:
    """nn.LSTM / nn.RNN state_dict (keys after `prefix`, e.g. 'lstm.') plus linear.weight/bias."""
    if spec.cell == "lstm" and spec.variant.key != "NP":
        raise FieldError(
            "variant",
            "PyTorch's LSTM has no peepholes and no variants; only 'NP' can be exported, "
            f"not {spec.variant.key!r}",
        )
    p = check_params(spec, dict(params))
    out: dict[str, np.ndarray] = {}
    for l in range(spec.num_layers):  # layer l of a stack (`W_z@l`) is PyTorch's `_l<l>`

        def key(k: str, l: int = l) -> np.ndarray:
            return p[layer_key(k, l)]

        if spec.cell == "rnn":
            w_ih, w_hh, bias = key("U"), key("W"), key("b")
        else:
            w_ih = np.concatenate([key(f"W_{g}") for g in TORCH_ORDER])
            w_hh = np.concatenate([key(f"R_{g}") for g in TORCH_ORDER])
            bias = np.concatenate([key(f"b_{g}") for g in TORCH_ORDER])
        # b = bias_ih + bias_hh; all of it goes to bias_ih
        out[f"{prefix}weight_ih_l{l}"] = w_ih
        out[f"{prefix}weight_hh_l{l}"] = w_hh
        out[f"{prefix}bias_ih_l{l}"] = bias
        out[f"{prefix}bias_hh_l{l}"] = np.zeros_like(bias)
    out["linear.weight"] = p["V"]
    out["linear.bias"] = p["c" if spec.cell == "rnn" else "b_V"]
    return out


def from_keras(
    kernel: np.ndarray,
    recurrent_kernel: np.ndarray,
    bias: np.ndarray | None = None,
    dense_kernel: np.ndarray | None = None,
    dense_bias: np.ndarray | None = None,
    output_size: int | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Imported:
    """Keras LSTM weights (columns i, f, c, o) and an optional Dense readout (H × O) → NP params.

    Keras's recurrent_activation must be 'sigmoid' (the default since TF 2; old Keras used
    hard_sigmoid, which this engine does not compute).
    """
    H = _matrix(("recurrent_kernel", recurrent_kernel), "(H, 4H)")[0]
    _bounded("recurrent_kernel", H, limits.max_hidden_size, "hidden size H (its rows)")
    D = _matrix(("kernel", kernel), "(D, 4H)")[0]
    _bounded("kernel", D, limits.max_input_size, "input size D (its rows)")
    k = _arr(("kernel", kernel), (D, 4 * H), f"(D, 4H) = ({D}, {4 * H})")
    r = _arr(("recurrent_kernel", recurrent_kernel), (H, 4 * H), f"(H, 4H) = ({H}, {4 * H})")
    b = np.zeros(4 * H) if bias is None else _arr(("bias", bias), (4 * H,), f"(4H,) = ({4 * H},)")
    cols = {g: slice(n * H, (n + 1) * H) for n, g in enumerate(TORCH_ORDER)}
    params = {f"W_{g}": np.ascontiguousarray(k[:, cols[g]].T) for g in "zifo"}
    params.update({f"R_{g}": np.ascontiguousarray(r[:, cols[g]].T) for g in "zifo"})
    params.update({f"b_{g}": b[cols[g]].copy() for g in "zifo"})
    taken = [*params] if bias is not None else [k for k in params if not k.startswith("b_")]
    if dense_kernel is None:
        if dense_bias is not None:
            raise FieldError("dense_bias", "given without dense_kernel (H, O)")
        O = _need_output_size(output_size, limits, "no Dense kernel given")
        return Imported(D, H, O, params, tuple(taken), ("V", "b_V"))
    O = _matrix(("dense_kernel", dense_kernel), "(H, O)")[1]
    _bounded("dense_kernel", O, limits.max_output_size, "output size O (its columns)")
    _match_output(output_size, O)
    V = _arr(("dense_kernel", dense_kernel), (H, O), f"(H, O) = ({H}, {O})").T.copy()
    b_V = (
        np.zeros(O)
        if dense_bias is None
        else _arr(("dense_bias", dense_bias), (O,), f"(O,) = ({O},)")
    )
    params.update(V=V, b_V=b_V)
    taken += ["V", "b_V"] if dense_bias is not None else ["V"]
    return Imported(D, H, O, params, tuple(taken), ())


def to_keras(params: Mapping[str, np.ndarray], spec: ModelSpec) -> dict[str, np.ndarray]:
    """Keras LSTM kernel, recurrent_kernel and bias, plus dense_kernel/dense_bias; NP only."""
    if spec.cell != "lstm" or spec.variant.key != "NP":
        raise FieldError("variant", "Keras's LSTM has no peepholes and no variants; only LSTM 'NP'")
    p = check_params(spec, dict(params))
    return {
        "kernel": np.concatenate([p[f"W_{g}"].T for g in TORCH_ORDER], axis=1),
        "recurrent_kernel": np.concatenate([p[f"R_{g}"].T for g in TORCH_ORDER], axis=1),
        "bias": np.concatenate([p[f"b_{g}"] for g in TORCH_ORDER]),
        "dense_kernel": p["V"].T.copy(),
        "dense_bias": p["b_V"],
    }


# ----------------------------------------------------------------------------- helpers
Named = tuple[str, object]


def _split_torch_keys(
    state_dict: Mapping[str, np.ndarray],
) -> tuple[dict[str, Named], dict[str, dict[str, Named]]]:
    """Recurrent-layer entries by part ('weight_ih', ...) and Linear entries by module prefix."""
    rec: dict[str, Named] = {}
    rec_prefixes = set()
    linear: dict[str, dict[str, Named]] = {}
    for key, value in state_dict.items():
        check_name(key)
        prefix, _, leaf = key.rpartition(".")
        m = _TORCH_KEY.fullmatch(leaf)
        if m:
            if m[2] == "hr":
                raise FieldError(key, "projection weights (proj_size > 0) are not supported")
            if m[4]:
                raise FieldError(key, "bidirectional layers (_reverse) are not supported")
            if m[3] != "0":
                raise FieldError(key, f"only one layer (l0) can be imported, not layer {m[3]}")
            rec[f"{m[1]}_{m[2]}"] = (key, value)
            rec_prefixes.add(prefix)
        elif leaf in ("weight", "bias"):
            linear.setdefault(prefix, {})[leaf] = (key, value)
        else:
            raise FieldError(
                key,
                "not an nn.LSTM/nn.RNN layer-0 key (weight_ih_l0, weight_hh_l0, bias_ih_l0, "
                "bias_hh_l0) nor a Linear readout (<name>.weight, <name>.bias)",
            )
    if len(rec_prefixes) > 1:
        raise FieldError(
            "state_dict", f"holds more than one recurrent module ({sorted(rec_prefixes)})"
        )
    if len(linear) > 1:
        raise FieldError("state_dict", f"holds more than one Linear readout ({sorted(linear)})")
    return rec, linear


def _torch_readout(
    linear: dict[str, dict[str, Named]], H: int, output_size: int | None, limits: Limits
) -> tuple[int, tuple[np.ndarray, np.ndarray] | None]:
    if not linear:
        return _need_output_size(output_size, limits, "no Linear readout in the state_dict"), None
    ((prefix, parts),) = linear.items()
    name = f"{prefix}.weight" if prefix else "weight"
    if "weight" not in parts:
        raise FieldError(name, "the Linear readout's weight (O, H) is missing")
    O = _matrix(parts["weight"], "(O, H)")[0]
    _bounded(name, O, limits.max_output_size, "output size O (its rows)")
    _match_output(output_size, O)
    V = _arr(parts["weight"], (O, H), f"(O, H) = ({O}, {H})")
    b_V = _arr(parts["bias"], (O,), f"(O,) = ({O},)") if "bias" in parts else np.zeros(O)
    return O, (V, b_V)


def _need_output_size(output_size: int | None, limits: Limits, why: str) -> int:
    if output_size is None:
        raise FieldError(
            "output_size", f"{why}; pass output_size (V and b_V are then yours to set)"
        )
    _bounded("output_size", output_size, limits.max_output_size)
    return output_size


def _match_output(output_size: int | None, O: int) -> None:
    if output_size is not None and output_size != O:
        raise FieldError("output_size", f"{output_size} given but the readout has O = {O} rows")


def _matrix(named: Named, expected: str) -> tuple[int, int]:
    shape = _shape(*named)
    if len(shape) != 2:
        raise FieldError(named[0], f"expected shape {expected}, got {shape}")
    return shape[0], shape[1]


def _shape(name: str, value: object) -> tuple[int, ...]:
    if not isinstance(value, np.ndarray):
        raise FieldError(name, f"expected an array, got {type(value).__name__}")
    return tuple(int(n) for n in value.shape)


def _arr(named: Named, shape: tuple[int, ...], expected: str) -> np.ndarray:
    name, value = named
    got = _shape(name, value)
    if got != shape:
        raise FieldError(name, f"expected shape {expected}, got {got}")
    return float_array(name, value, expected)


def _bounded(loc: str, n: object, limit: int, what: str = "") -> None:
    """n within 1..limit; `what` says which size of the array at `loc` n is."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 1 <= n <= limit:
        which = f"{what}: " if what else ""
        raise FieldError(loc, f"{which}expected 1..{limit}, got {n!r}")
