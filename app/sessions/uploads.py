"""Sessions from uploaded files: parameters (.npz, .safetensors, .json in the notation, PyTorch or
Keras names; .pt/.pth, .keras and .h5 model files as the frameworks save them) and/or a CSV
sequence; whatever is not uploaded comes from the config fields."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from lstm_explorer.app.limits import check_limit, check_sizes
from lstm_explorer.app.sessions.factory import make_spec, new_session_id, task_from_name
from lstm_explorer.app.sessions.model_files import model_file_format, params_from_model_file
from lstm_explorer.app.sessions.session import Session
from lstm_explorer.app.sessions.text import user_text_task
from lstm_explorer.app.settings import Settings
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.init import init_params
from lstm_explorer.engine.io_checks import Limits
from lstm_explorer.engine.io_params import from_keras, from_pytorch, load_params, read_arrays
from lstm_explorer.engine.spec import ModelSpec, param_shapes, split_layer_key
from lstm_explorer.engine.tasks import TASKS, TaskData, parse_csv
from lstm_explorer.engine.variants import Variant

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
    raise FieldError(
        "params_file",
        "expected a .npz, .safetensors, .json, .pt, .pth, .keras or .h5 file, "
        f"got {filename[:100]!r}",
    )


def session_from_upload(
    cfg: UploadConfig,
    params_file: tuple[str, bytes] | None,
    csv_text: str | None,
    settings: Settings,
    text: str | None = None,
) -> Session:
    """Sequence first (CSV, text or task), then the params (file or fresh), checked against
    each other."""
    options: dict[str, Any] = {}
    if text is not None:
        if csv_text is not None:
            raise FieldError("text_file", "give either a sequence_file or a text_file, not both")
        task = user_text_task(text, settings, ("text_file",))
    elif csv_text is not None:
        loss = cfg.loss or "mse"
        try:
            task = parse_csv(
                csv_text,
                cfg.n_inputs,
                loss=loss,
                max_rows=settings.max_sequence_length,
                max_columns=settings.max_input_size + settings.max_output_size,
            )
        except FieldError as exc:  # n_inputs is a form field of its own, the rest is the file's
            raise (exc if exc.loc[:1] == ("n_inputs",) else exc.within("sequence_file")) from None
    else:
        options = dict(cfg.task_options)
        task = task_from_name(cfg.task, options, cfg.seed)
        if cfg.loss is not None and cfg.loss != task.loss:
            raise FieldError(
                "loss", f"the {cfg.task} task is trained with {task.loss}, not {cfg.loss}"
            )
    if params_file is None:
        task_name = "chars" if text is not None else cfg.task  # a text: as big as chars
        hidden = cfg.hidden_size or TASKS.get(task_name, TASKS["sine"]).hidden_size
        sizes = (task.input_size, hidden, task.output_size, task.length)
        check_sizes(settings, sizes)
        variant = "vanilla" if cfg.variant == "auto" else cfg.variant
        spec = make_spec(cfg.cell, variant, sizes[:3], task.loss)
        params, source = init_params(spec, cfg.seed), "config"
    else:
        spec, params = _uploaded_params(cfg, params_file, task, settings)
        source = "upload"
        sizes = (spec.input_size, spec.hidden_size, spec.output_size, task.length)
        check_sizes(settings, sizes, num_layers=spec.num_layers)
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
    limits = Limits(
        settings.max_input_size,
        settings.max_hidden_size,
        settings.max_output_size,
        max_bytes=settings.max_upload_bytes,
    )
    if cfg.layout not in LAYOUTS:
        raise FieldError("layout", f"expected one of {LAYOUTS}, got {cfg.layout[:40]!r}")
    model_fmt = model_file_format(name, data)  # .pt/.pth, .keras, .h5: known by their content
    if model_fmt is not None:
        spec, params = params_from_model_file(
            model_fmt, data, cfg.layout, cfg.variant, task, limits, cfg.seed
        )
        _match_task(spec, task)
        return spec, params
    fmt = params_format(name)
    try:
        layout, arrays = _read_params(cfg.layout, data, fmt, limits)
    except FieldError as exc:
        raise exc.within("params_file") from None
    if layout in ("pytorch", "keras"):
        if layout == "keras" and cfg.cell != "lstm":
            raise FieldError("cell", "Keras weights are read for the LSTM only")
        try:
            imported = _import(layout, cfg.cell, arrays, task, limits)
        except FieldError as exc:  # the state_dict is the whole file
            raise exc.relocated(("state_dict",), ()).within("params_file") from None
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
        raise FieldError("params_file", "needs W_z (or U) and V to know the sizes")
    h, d = arrays[in_key].shape
    # a stack names layer l ≥ 1 `W_z@l` (docs/NOTATION.md): L is one more than the top index
    num_layers = 1 + max((split_layer_key(k)[1] for k in arrays), default=0)
    check_limit(("num_layers",), num_layers, "max_num_layers", settings.max_num_layers)
    variant = cfg.variant
    if variant == "auto":
        layer0 = {k for k in arrays if "@" not in k}
        variant = "vanilla" if cell == "rnn" else guess_variant(layer0)
    spec = make_spec(cell, variant, (d, h, arrays["V"].shape[0]), task.loss, num_layers)
    _match_task(spec, task)
    return spec, arrays


def _read_params(
    layout: str, data: bytes, fmt: str, limits: Limits
) -> tuple[str, dict[str, np.ndarray]]:
    """The layout ('auto' guessed from the names) and the file's arrays, checked for it."""
    if layout == "notation":
        return layout, load_params(data, fmt, limits)
    arrays = read_arrays(data, fmt, limits)
    if layout == "auto":
        layout = _guess_layout(arrays)
    if layout == "notation":
        return layout, load_params(data, fmt, limits)
    return layout, arrays


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
    named: dict[str, np.ndarray] = {}
    for key, value in arrays.items():
        base = key.split("/")[-1].split(":")[0]
        named[
            f"dense_{base}" if "dense" in key.lower() and not base.startswith("dense_") else base
        ] = value
    known = ("kernel", "recurrent_kernel", "bias", "dense_kernel", "dense_bias")
    unknown = [k for k in named if k not in known]
    if unknown:
        raise FieldError(unknown[0], f"not a Keras LSTM/Dense weight ({', '.join(known)})")
    return from_keras(**named, output_size=task.output_size, limits=limits)


def _match_task(spec: ModelSpec, task: TaskData) -> None:
    if spec.input_size != task.input_size:
        raise FieldError(
            "params_file",
            f"input size D = {spec.input_size}, but the sequence has "
            f"{task.input_size} inputs per step",
        )
    if spec.output_size != task.output_size:
        raise FieldError(
            "params_file",
            f"output size O = {spec.output_size}, but the sequence has {task.output_size} outputs",
        )


def guess_variant(keys: set[str]) -> str:
    """The one variant whose parameters are exactly `keys`, else FieldError naming the options."""
    fits = []
    for n in range(len(_SHAPE_SWITCHES) + 1):
        for combo in itertools.combinations(_SHAPE_SWITCHES, n):
            key = "+".join(combo) or "vanilla"
            try:
                spec = ModelSpec("lstm", 1, 1, 1, Variant.parse(key))
            except FieldError:  # a combination no variant allows
                continue
            if set(param_shapes(spec)) == keys:
                fits.append(key)
    if len(fits) == 1:
        return fits[0]
    if not fits:
        raise FieldError("variant", "no LSTM variant has exactly these parameters; check the names")
    raise FieldError("variant", f"these parameters fit {' and '.join(fits)}; name one in 'variant'")
