"""Uploaded model files as frameworks save them: torch.save'd .pt/.pth, Keras .keras and .h5.

The file's content decides what it is (its name only when the content says nothing), and the
file decides the cell, the variant and num_layers: every layer becomes the session's (stacked
keys, docs/NOTATION.md), the readout taken from the file or, without one, fresh. Keras files are read in a child process (libhdf5 can crash
on a damaged file: engine/io_h5_sandbox.py).
"""

from __future__ import annotations

import numpy as np
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.init import init_params
from lstm_explorer.engine.io_archive import sniff_format
from lstm_explorer.engine.io_checks import Limits
from lstm_explorer.engine.io_h5_sandbox import read_keras_isolated
from lstm_explorer.engine.io_layers import ModelFile
from lstm_explorer.engine.io_torch_file import read_torch_file
from lstm_explorer.engine.spec import ModelSpec
from lstm_explorer.engine.tasks import TaskData
from lstm_explorer.engine.variants import Variant

MODEL_SUFFIXES = {".pt": "pt", ".pth": "pt", ".keras": "keras", ".h5": "h5"}
_LAYOUT = {"pt": "pytorch", "keras": "keras", "h5": "keras"}
_WHAT = {"lstm": "LSTM", "rnn": "RNN"}


def model_file_format(filename: str, data: bytes) -> str | None:
    """'pt', 'keras' or 'h5' for a model file, None for the other parameter files."""
    sniffed = sniff_format(data)
    if sniffed == "pickle":  # torch.save before 1.6: the torch reader says what to do
        return "pt"
    if sniffed in ("pt", "keras", "h5"):
        return sniffed
    if sniffed is None:
        name = filename.lower()
        return next((fmt for suffix, fmt in MODEL_SUFFIXES.items() if name.endswith(suffix)), None)
    return None


def read_model_file(fmt: str, data: bytes, limits: Limits) -> ModelFile:
    """Every layer of the model, or a FieldError located in params_file."""
    try:
        if fmt == "pt":
            return read_torch_file(data, limits)
        return read_keras_isolated(fmt, data, limits)
    except FieldError as exc:
        raise exc.within("params_file") from None


def params_from_model_file(
    fmt: str,
    data: bytes,
    layout: str,
    variant: str,
    task: TaskData,
    limits: Limits,
    seed: int,
) -> tuple[ModelSpec, dict[str, np.ndarray]]:
    """The spec (every layer of the file) and parameters of the file's model, on the task's loss."""
    if layout not in ("auto", _LAYOUT[fmt]):
        raise FieldError(
            "layout", f"a .{fmt} file holds {_LAYOUT[fmt]} weights: use 'auto' or '{_LAYOUT[fmt]}'"
        )
    model = read_model_file(fmt, data, limits)
    if variant != "auto" and Variant.parse(variant) != Variant.parse(model.variant):
        raise FieldError(
            "variant", f"the file's {_WHAT[model.cell]} is {model.variant!r}, not {variant!r}"
        )
    if model.loss is not None and model.loss != task.loss:
        head = "softmax (cross-entropy)" if model.loss == "cross_entropy" else "linear (mse)"
        raise FieldError(
            "params_file",
            f"the model's head is {head}, but the sequence is trained with {task.loss}",
        )
    O = model.output_size or task.output_size
    spec = model.spec(task.loss, O, stacked=True)  # every layer: num_layers = the file's
    params, missing = model.stacked_params()
    if missing:  # no head in the file: a fresh readout of the task's size
        fresh = init_params(spec, seed)
        params.update({k: fresh[k] for k in missing})
    return spec, params
