"""Session save and restore: config, params, optimiser state, sequence and cursors.

JSON: one object, arrays as nested lists (a step without a target: null). npz: a zip with
meta.json and one .npy member per array (numpy.load reads the arrays), checked before reading.
"""

from __future__ import annotations

import io
import math
import zipfile
import zlib
from typing import Any

import numpy as np

from app import serialize
from app.errors import loads_strict
from app.limits import check_limit, check_sizes
from app.sessions.factory import make_spec, new_session_id
from app.sessions.session import Session
from app.settings import Settings
from engine.io_checks import Limits, check_name
from engine.io_params import read_arrays
from engine.optim import optimizer_from_state
from engine.task_data import TaskData
from engine.training import TrainConfig

FORMAT = "lstm-explorer-session"
VERSION = 1
_OPT_ARRAYS = ("velocity", "m", "v")
_MAX_META = 1 << 20
_MAX_ARRAYS = 200


def meta(session: Session) -> dict[str, Any]:
    """Everything but the arrays."""
    spec, task, trainer = session.spec, session.task, session.trainer
    opt_state = trainer.optimizer.state_dict() if trainer else None
    return {
        "format": FORMAT,
        "version": VERSION,
        "config": {
            "cell": spec.cell,
            "variant": spec.variant.key,
            "input_size": spec.input_size,
            "hidden_size": spec.hidden_size,
            "output_size": spec.output_size,
            "loss": spec.loss,
            "seed": session.seed,
            "init": session.init,
            "truncate": session.truncate,
            "clip": session.clip,
            "clip_threshold": session.clip_threshold,
            "task_options": session.task_options,
        },
        "task": {
            "name": task.name,
            "task_type": task.task_type,
            "description": task.description,
            "input_names": task.input_names,
            "output_names": task.output_names,
            "extra": task.extra,
        },
        "training": {
            "updates": session.train_updates,
            "diverged": session.diverged,
            "config": vars(trainer.config) if trainer else None,
            "optimizer": {k: v for k, v in opt_state.items() if k not in _OPT_ARRAYS}
            if opt_state
            else None,
        },
        "cursors": {"forward_t": session.runner.forward_t},
    }


def arrays(session: Session) -> dict[str, np.ndarray]:
    """params.<key>, sequence.inputs, sequence.targets (NaN rows) or sequence.labels, optimizer.*."""
    out = {f"params.{k}": v for k, v in session.params.items()}
    out["sequence.inputs"] = session.task.inputs
    if session.task.labels is not None:
        out["sequence.labels"] = session.task.labels.astype(np.float64)
    else:
        assert session.task.targets is not None
        out["sequence.targets"] = session.task.targets
    if session.trainer is not None:
        state = session.trainer.optimizer.state_dict()
        for part in _OPT_ARRAYS:
            for key, value in state.get(part, {}).items():
                out[f"optimizer.{part}.{key}"] = np.asarray(value, dtype=np.float64)
    return out


def to_json(session: Session) -> bytes:
    out = meta(session)
    nf = serialize.NonFinite()
    for name, arr in arrays(session).items():
        if name == "sequence.targets":  # no target at a step: null rather than a row of NaN
            value: Any = [None if np.isnan(r).all() else r.tolist() for r in arr]
        else:
            value = nf.array(arr)
        out.setdefault("arrays", {})[name] = value
    return serialize.dumps(out)


def to_npz(session: Session) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("meta.json", serialize.dumps(meta(session)))
        for name, arr in arrays(session).items():
            with zf.open(f"{name}.npy", "w") as f:
                np.lib.format.write_array(f, np.ascontiguousarray(arr), allow_pickle=False)
    return buf.getvalue()


# ----------------------------------------------------------------------------- restore
def from_bytes(data: bytes, fmt: str, settings: Settings) -> Session:
    """Rebuild a session from to_json() or to_npz() output, checking it like any upload."""
    try:
        return _from_bytes(data, fmt, settings)
    except (TypeError, KeyError, AttributeError, OverflowError, RecursionError) as exc:
        # a field of the wrong type deep inside: still the upload's fault, never a 500
        raise ValueError(f"snapshot: malformed ({type(exc).__name__}: {str(exc)[:100]})") from None


def _from_bytes(data: bytes, fmt: str, settings: Settings) -> Session:
    if fmt == "json":
        obj = loads_strict(data)
        if not isinstance(obj, dict) or not isinstance(obj.get("arrays"), dict):
            raise ValueError("snapshot: expected a JSON object with meta fields and 'arrays'")
        named = {str(k): _json_array(str(k), v) for k, v in obj.pop("arrays").items()}
        return build(obj, named, settings)
    if fmt == "npz":
        meta_obj, named = _read_npz(data, settings)
        return build(meta_obj, named, settings)
    raise ValueError(f"format: expected 'json' or 'npz', got {fmt!r}")


def _json_array(name: str, value: Any) -> np.ndarray:
    check_name(name)
    if name == "sequence.targets" and isinstance(value, list):
        width = next((len(r) for r in value if isinstance(r, list)), 1)
        value = [[math.nan] * width if r is None else r for r in value]
    try:
        return np.array(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"arrays.{name}: not a rectangular array of numbers") from None


def _read_npz(data: bytes, settings: Settings) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if "meta.json" not in zf.namelist():
                raise ValueError("snapshot: meta.json is missing from the archive")
            info = zf.getinfo("meta.json")
            check_limit("meta.json", info.file_size, "bytes", _MAX_META)
            meta_obj = loads_strict(zf.read(info))
            infos = zf.infolist()
            declared = sum(item.file_size for item in infos)
            # sizes as declared in the archive, checked before anything is inflated (zip bombs)
            check_limit("snapshot", declared, "max_upload_bytes", settings.max_upload_bytes)
            check_limit("snapshot", len(infos), "arrays", _MAX_ARRAYS)
            rest = io.BytesIO()
            with zipfile.ZipFile(rest, "w") as out:
                for item in zf.infolist():
                    if item.filename != "meta.json":
                        out.writestr(item.filename, zf.read(item))  # sizes: checked below
    except (
        zipfile.BadZipFile,
        OSError,
        EOFError,
        KeyError,
        RuntimeError,
        NotImplementedError,
        zlib.error,
    ) as exc:
        raise ValueError(f"snapshot: unreadable archive ({type(exc).__name__})") from None
    limits = Limits(max_bytes=settings.max_upload_bytes, max_arrays=_MAX_ARRAYS)
    named = read_arrays(rest.getvalue(), "npz", limits, _shape_check(settings))
    if not isinstance(meta_obj, dict):
        raise ValueError("snapshot: meta.json is not a JSON object")
    return meta_obj, named


def _shape_check(settings: Settings) -> Any:
    longest = max(
        settings.max_sequence_length,
        settings.max_hidden_size,
        settings.max_input_size,
        settings.max_output_size,
    )

    def check(name: str, shape: tuple[int, ...]) -> None:
        check_name(name)
        if len(shape) not in (1, 2) or max(shape, default=0) > longest:
            raise ValueError(
                f"arrays.{name}: shape {shape} is not a 1-D or 2-D array within limits"
            )

    return check


def build(m: dict[str, Any], named: dict[str, np.ndarray], settings: Settings) -> Session:
    if m.get("format") != FORMAT or m.get("version") != VERSION:
        raise ValueError(f"format: expected a {FORMAT!r} snapshot of version {VERSION}")
    cfg, task_m, training = _dict(m, "config"), _dict(m, "task"), _dict(m, "training")
    inputs = named.get("sequence.inputs")
    if inputs is None or inputs.ndim != 2:
        raise ValueError("arrays.sequence.inputs: missing or not T×D")
    sizes = (_int(cfg, "input_size"), _int(cfg, "hidden_size"), _int(cfg, "output_size"))
    check_sizes(
        settings,
        (*sizes, inputs.shape[0]),
        ("config.input_size", "config.hidden_size", "config.output_size", "arrays.sequence.inputs"),
    )
    spec = make_spec(str(cfg.get("cell")), str(cfg.get("variant")), sizes, str(cfg.get("loss")))
    labels = named.get("sequence.labels")
    task = TaskData(
        name=str(task_m.get("name", "restored")),
        task_type=str(task_m.get("task_type")),
        inputs=inputs,
        targets=named.get("sequence.targets"),
        labels=None if labels is None else _labels(labels),
        loss=spec.loss,
        input_names=_names(task_m, "input_names"),
        output_names=_names(task_m, "output_names"),
        description=str(task_m.get("description", ""))[:500],
        extra=_dict(task_m, "extra"),
    )
    params = {k[len("params.") :]: v for k, v in named.items() if k.startswith("params.")}
    truncate = cfg.get("truncate")
    session = Session(
        id=new_session_id(),
        spec=spec,
        params=params,
        task=task,
        seed=_int(cfg, "seed", 0),
        init=_dict(cfg, "init"),
        source="restore",
        task_options=_dict(cfg, "task_options"),
        truncate=truncate if isinstance(truncate, int) else None,
        clip=cfg.get("clip") if cfg.get("clip") in ("norm", "value") else None,
        clip_threshold=float(cfg.get("clip_threshold", 5.0)),
    )
    session.params = session.runner.params  # checked copies
    _restore_training(session, training, named)
    shown = _int(_dict(m, "cursors"), "forward_t", 0)
    if 0 < shown <= session.T:
        session.forward(shown)
    return session


def _restore_training(session: Session, training: dict[str, Any], named: dict) -> None:
    config, opt = training.get("config"), training.get("optimizer")
    if not isinstance(config, dict) or not isinstance(opt, dict):
        return
    state: dict[str, Any] = dict(opt)
    for part in _OPT_ARRAYS:
        prefix = f"optimizer.{part}."
        state[part] = {k[len(prefix) :]: v for k, v in named.items() if k.startswith(prefix)}
    trainer = session.start_training(
        TrainConfig(**{k: config[k] for k in vars(TrainConfig()) if k in config})
    )
    trainer.optimizer = optimizer_from_state(state)
    trainer.updates = session.train_updates = _int(training, "updates", 0)
    session.diverged = bool(training.get("diverged", False))


def _dict(m: dict[str, Any], key: str) -> dict[str, Any]:
    value = m.get(key, {})
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"{key}: expected an object")
    return value


def _int(m: dict[str, Any], key: str, default: int | None = None) -> int:
    value = m.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{key}: expected a non-negative integer, got {value!r}")
    return value


def _labels(arr: np.ndarray) -> np.ndarray:
    if arr.ndim != 1 or not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
        raise ValueError("arrays.sequence.labels: expected T integers (−1: no target)")
    return arr.astype(np.int64)


def _names(m: dict[str, Any], key: str) -> list[str]:
    value = m.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) and len(v) <= 100 for v in value):
        raise ValueError(f"task.{key}: expected a list of short strings")
    return value
