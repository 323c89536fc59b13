"""Sessions from uploaded files: parameters (.npz, .safetensors, .json in the notation, PyTorch or
Keras names) and/or a CSV sequence; whatever is not uploaded comes from the config fields."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.limits import check_sizes
from app.sessions.factory import make_spec, new_session_id, prefixed, task_from_name
from app.sessions.session import Session
from app.settings import Settings
from engine.init import init_params
from engine.io_checks import Limits
from engine.io_params import from_keras, from_pytorch, load_params, read_arrays
from engine.spec import ModelSpec, param_shapes
from engine.tasks import TASKS, TaskData, parse_csv
from engine.variants import Variant

PARAM_FORMATS = {".npz": "npz", ".safetensors": "safetensors", ".json": "json"}
LAYOUTS = ("auto", "notation", "pytorch", "keras")
_TORCH = re.compile(r"(^|\.)(weight|bias)_(ih|hh)_l\d+")
# Switches that change which parameters exist (NIAF and NOAF do not: they need naming).
_SHAPE_SWITCHES = ("NIG", "NFG", "NOG", "NP", "CIFG", "FGR")


@dataclass
class UploadConfig:
    """The form fields of POST /sessions/upload."""

    cell: str = "lstm"
    variant: str = "auto"
    hidden_size: int | None = None
    loss: str | None = None
    seed: int = 0
    task: str = "sine"
    task_options: dict[str, Any] = field(default_factory=dict)
    n_inputs: int | None = None
    truncate: int | None = None
    layout: str = "auto"


def params_format(filename: str) -> str:
    for suffix, fmt in PARAM_FORMATS.items():
        if filename.lower().endswith(suffix):
            return fmt
    raise ValueError(f"params_file: expected a .npz, .safetensors or .json file, got {filename!r}")


def session_from_upload(
    cfg: UploadConfig,
    params_file: tuple[str, bytes] | None,
    csv_text: str | None,
    settings: Settings,
) -> Session:
    """Sequence first (CSV or task), then the params (file or fresh), checked against each other."""
    if csv_text is not None:
        loss = cfg.loss or "mse"
        task = prefixed(
            "sequence_file",
            lambda: parse_csv(
                csv_text,
                cfg.n_inputs,
                loss=loss,
                max_rows=settings.max_sequence_length,
                max_columns=settings.max_input_size + settings.max_output_size,
            ),
        )
        options: dict[str, Any] = {}
    else:
        options = dict(cfg.task_options)
        task = task_from_name(cfg.task, options, cfg.seed)
        if cfg.loss is not None and cfg.loss != task.loss:
            raise ValueError(
                f"loss: the {cfg.task} task is trained with {task.loss}, not {cfg.loss}"
            )
    if params_file is None:
        hidden = cfg.hidden_size or TASKS.get(cfg.task, TASKS["sine"]).hidden_size
        sizes = (task.input_size, hidden, task.output_size, task.length)
        check_sizes(settings, sizes)
        variant = "vanilla" if cfg.variant == "auto" else cfg.variant
        spec = make_spec(cfg.cell, variant, sizes[:3], task.loss)
        params, source = init_params(spec, cfg.seed), "config"
    else:
        spec, params = _uploaded_params(cfg, params_file, task, settings)
        source = "upload"
        check_sizes(settings, (spec.input_size, spec.hidden_size, spec.output_size, task.length))
    return Session(
        id=new_session_id(),
        spec=spec,
        params=params,
        task=task,
        seed=cfg.seed,
        init={},
        source=source,
        task_options=options,
        truncate=cfg.truncate,
    )


def _uploaded_params(
    cfg: UploadConfig, params_file: tuple[str, bytes], task: TaskData, settings: Settings
) -> tuple[ModelSpec, dict[str, np.ndarray]]:
    name, data = params_file
    fmt = params_format(name)
    limits = Limits(
        settings.max_input_size,
        settings.max_hidden_size,
        settings.max_output_size,
        max_bytes=settings.max_upload_bytes,
    )
    if cfg.layout not in LAYOUTS:
        raise ValueError(f"layout: expected one of {LAYOUTS}, got {cfg.layout!r}")
    layout = cfg.layout
    if layout == "notation":
        arrays = prefixed("params_file", lambda: load_params(data, fmt, limits))
    else:
        arrays = prefixed("params_file", lambda: read_arrays(data, fmt, limits))
        if layout == "auto":
            layout = _guess_layout(arrays)
        if layout == "notation":
            arrays = prefixed("params_file", lambda: load_params(data, fmt, limits))
    if layout in ("pytorch", "keras"):
        imported = prefixed("params_file", lambda: _import(layout, cfg.cell, arrays, task, limits))
        spec = imported.spec(cfg.cell, task.loss)
        params = dict(imported.params)
        if imported.missing:  # no readout in the file: a fresh one of the task's size
            fresh = init_params(spec, cfg.seed)
            params.update({k: fresh[k] for k in imported.missing})
        _match_task(spec, task)
        return spec, params
    cell = "rnn" if "U" in arrays else "lstm"
    in_key = "U" if cell == "rnn" else "W_z"
    if in_key not in arrays or "V" not in arrays:
        raise ValueError("params_file: needs W_z (or U) and V to know the sizes")
    h, d = arrays[in_key].shape
    variant = cfg.variant
    if variant == "auto":
        variant = "vanilla" if cell == "rnn" else guess_variant(set(arrays))
    spec = make_spec(cell, variant, (d, h, arrays["V"].shape[0]), task.loss)
    _match_task(spec, task)
    return spec, arrays


def _guess_layout(arrays: dict[str, np.ndarray]) -> str:
    if any(_TORCH.search(k) for k in arrays):
        return "pytorch"
    if any(k.split("/")[-1].split(":")[0] == "recurrent_kernel" for k in arrays):
        return "keras"
    return "notation"


def _import(
    layout: str, cell: str, arrays: dict[str, np.ndarray], task: TaskData, limits: Limits
) -> Any:
    if layout == "pytorch":
        return from_pytorch(arrays, cell, task.output_size, limits)
    if cell != "lstm":
        raise ValueError("cell: Keras weights are read for the LSTM only")
    named: dict[str, np.ndarray] = {}
    for key, value in arrays.items():
        base = key.split("/")[-1].split(":")[0]
        named[
            f"dense_{base}" if "dense" in key.lower() and not base.startswith("dense_") else base
        ] = value
    known = ("kernel", "recurrent_kernel", "bias", "dense_kernel", "dense_bias")
    unknown = [k for k in named if k not in known]
    if unknown:
        raise ValueError(f"{unknown[0]}: not a Keras LSTM/Dense weight ({', '.join(known)})")
    return from_keras(**named, output_size=task.output_size, limits=limits)


def _match_task(spec: ModelSpec, task: TaskData) -> None:
    if spec.input_size != task.input_size:
        raise ValueError(
            f"params_file: input size D = {spec.input_size}, but the sequence has "
            f"{task.input_size} inputs per step"
        )
    if spec.output_size != task.output_size:
        raise ValueError(
            f"params_file: output size O = {spec.output_size}, but the sequence has "
            f"{task.output_size} outputs"
        )


def guess_variant(keys: set[str]) -> str:
    """The one variant whose parameters are exactly `keys`, else ValueError naming the options."""
    fits = []
    for n in range(len(_SHAPE_SWITCHES) + 1):
        for combo in itertools.combinations(_SHAPE_SWITCHES, n):
            key = "+".join(combo) or "vanilla"
            try:
                spec = ModelSpec("lstm", 1, 1, 1, Variant.parse(key))
            except ValueError:
                continue
            if set(param_shapes(spec)) == keys:
                fits.append(key)
    if len(fits) == 1:
        return fits[0]
    if not fits:
        raise ValueError("variant: no LSTM variant has exactly these parameters; check the names")
    raise ValueError(f"variant: these parameters fit {' and '.join(fits)}; name one in 'variant'")
