"""What the sequence panel shows of a session, computed here so the page only draws it: the data
(inputs, targets, tokens, the original scale), the connectivity ‖∂ŷ(t)/∂x(t′)‖ of one output
step, and the units ranked for a selected span (engine/unit_finder.py).

Every function is synchronous and CPU-bound: callers hold `session.lock` and run it in a
worker thread.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from lstm_explorer.app import serialize
from lstm_explorer.app.sessions.session import CONNECTIVITY_BUDGET, Session
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.task_data import TaskData
from lstm_explorer.engine.unit_finder import rank_units

DEFAULT_NORMALISATION = "z-score: (value − mean) / std, with each channel's mean and std"
# Keys that are not one value per unit (inputs, readout, prediction, their errors).
NOT_UNITS = {"lstm": {"x", "v", "y_hat", "dv", "dx"}, "rnn": {"x", "o", "y_hat", "do", "dx"}}


# ----------------------------------------------------------------------------- the data
def sequence_of(session: Session) -> dict[str, Any]:
    """GET …/sequence: every step's input and target, as the model reads them and as read."""
    task, targets = session.task, session.targets
    x = task.inputs
    vocabulary = task.extra.get("vocabulary")
    scale = scale_of(task)
    out: dict[str, Any] = {
        "T": task.length,
        "task_type": task.task_type,
        "loss": task.loss,
        "input_names": task.input_names,
        "output_names": task.output_names,
        "inputs": None if vocabulary is not None else x.tolist(),  # a text: see tokens
        # A step "has an input" when any channel is non-zero (echo: only step 0 does).
        "input_mask": np.any(x != 0, axis=1).tolist(),
        "targets": [targets.row(t) for t in range(targets.length)],
        "target_mask": targets.mask.tolist(),
        "vocabulary": vocabulary,
        "tokens": _tokens(x) if vocabulary is not None else None,
        "scale": scale,
        "inputs_raw": None,
        "targets_raw": None,
        "step_labels": _step_labels(task),
    }
    if scale is not None:
        ins = scale["inputs"]
        out["inputs_raw"] = (x * np.array(ins["std"]) + np.array(ins["mean"])).tolist()
        outs = scale["outputs"]
        if outs is not None and targets.values is not None:
            raw = targets.values * np.array(outs["std"]) + np.array(outs["mean"])
            out["targets_raw"] = [
                raw[t].tolist() if targets.mask[t] else None for t in range(targets.length)
            ]
    return out


def scale_of(task: TaskData) -> dict[str, Any] | None:
    """The normalisation of a z-scored task (raw = z · std + mean), or None when the data is used
    as it is. Outputs share the inputs' scale when they are the same quantity (next value), or
    carry their own (`output_mean`, `output_std`, `output_units` in the task's extra)."""
    extra, D, O = task.extra, task.input_size, task.output_size
    mean, std = extra.get("mean"), extra.get("std")
    if not (isinstance(mean, list) and isinstance(std, list) and len(mean) == len(std) == D):
        return None
    inputs = {"mean": mean, "std": std, "units": list(extra.get("units") or [""] * D)}
    outputs: dict[str, Any] | None = None
    if isinstance(extra.get("output_mean"), list) and len(extra["output_mean"]) == O:
        outputs = {
            "mean": extra["output_mean"],
            "std": extra["output_std"],
            "units": list(extra.get("output_units") or [""] * O),
        }
    elif task.loss == "mse" and O == D:
        outputs = dict(inputs)
    return {
        "inputs": inputs,
        "outputs": outputs,
        "normalisation": extra.get("normalisation") or DEFAULT_NORMALISATION,
    }


def _tokens(x: np.ndarray) -> list[int | None]:
    """The symbol each one-hot input row stands for (None for a row that is not one-hot)."""
    one_hot = (np.count_nonzero(x, axis=1) == 1) & np.isclose(x.sum(axis=1), 1.0)
    codes = np.argmax(x, axis=1)
    return [int(c) if ok else None for c, ok in zip(codes, one_hot, strict=True)]


def _step_labels(task: TaskData) -> list[str] | None:
    """A shipped series' time labels of the input steps (year or year-month)."""
    labels = task.extra.get("labels")
    if isinstance(labels, list) and len(labels) >= task.length:
        return [str(v) for v in labels[: task.length]]
    return None


# ----------------------------------------------------------------------------- connectivity
def output_connectivity(session: Session, t: int) -> dict[str, Any]:
    """GET …/connectivity: ‖∂ŷ(t)/∂x(t′)‖_F for t′ = 0 … t, by one batched backward pass from
    the output of step t (engine/analysis.py); step t must have been computed forward."""
    spec = session.spec
    runner = session.runner
    if isinstance(t, int) and 0 <= t < runner.computed_forward:
        # One pass carries O seeds through t + 1 steps of ≈ 4H(H + D) multiply-adds each.
        cost = (
            (t + 1)
            * spec.output_size
            * 4.0
            * spec.hidden_size
            * (spec.hidden_size + spec.input_size)
        )
        if cost > CONNECTIVITY_BUDGET:
            raise FieldError(
                "t",
                f"from step {t} the pass costs {cost:.3g} multiply-adds, over the budget of "
                f"{CONNECTIVITY_BUDGET:.0e}; choose an earlier step or a smaller model",
            )
    with np.errstate(all="ignore"):
        norms = runner.connectivity(t, "y_hat")  # FieldError at t for a step not computed
    nf = serialize.NonFinite()
    return nf.mark({"t": t, "output": "y_hat", "norms": nf.array(norms)})


# ----------------------------------------------------------------------------- unit finder
def ranked_units(
    session: Session,
    quantity: str,
    direction: str,
    start: int,
    stop: int,
    polarity: str,
    top: int | None,
) -> dict[str, Any]:
    """POST …/units/rank: the units whose `quantity` is on inside [start, stop) and off at the
    other computed steps, best first (engine/unit_finder.py)."""
    runner, H = session.runner, session.spec.hidden_size
    if direction == "forward":
        arrays = runner.forward_arrays()
        steps = (0, runner.computed_forward)
    else:
        arrays = runner.backward_arrays()
        steps = (runner.computed_backward, runner.T) if arrays else (runner.T, runner.T)
    skip = NOT_UNITS.get(session.spec.cell, set())
    keys = [k for k, a in arrays.items() if k not in skip and a.ndim == 2 and a.shape[1] == H]
    if not keys:
        raise FieldError("direction", f"no step has been computed {direction} yet")
    if quantity not in keys:
        raise FieldError("quantity", f"expected one of {', '.join(keys)}, got {quantity[:20]!r}")
    units = rank_units(arrays[quantity], start, stop, polarity, steps)
    kept = units if top is None else units[:top]
    return {
        "quantity": quantity,
        "direction": direction,
        "polarity": polarity,
        "start": start,
        "stop": stop,
        "steps": list(steps),
        "units": [
            {"unit": u.unit, "score": u.score, "inside": u.inside, "outside": u.outside}
            for u in kept
        ],
    }
