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
from lstm_explorer.app import serialize
from lstm_explorer.app.errors import InvalidJSONError, loads_strict
from lstm_explorer.app.limits import check_limit, check_sizes
from lstm_explorer.app.schemas.snapshot import (
    ConfigSnapshot,
    CursorsSnapshot,
    InitSnapshot,
    SnapshotMeta,
    TaskSnapshot,
    TrainConfigSnapshot,
    TrainingSnapshot,
)
from lstm_explorer.app.sessions.factory import make_spec, new_session_id
from lstm_explorer.app.sessions.session import Session
from lstm_explorer.app.settings import Settings
from lstm_explorer.engine.errors import FieldError, Loc
from lstm_explorer.engine.io_checks import Limits, check_name
from lstm_explorer.engine.io_params import read_arrays
from lstm_explorer.engine.optim import optimizer_from_state
from lstm_explorer.engine.task_data import TaskData
from lstm_explorer.engine.training import TrainConfig
from pydantic import ValidationError

_OPT_ARRAYS = ("velocity", "m", "v")
_MAX_META = 1 << 20
_MAX_ARRAYS = 200


def meta(session: Session) -> dict[str, Any]:
    """Everything but the arrays, as a SnapshotMeta (what restore reads back)."""
    spec, task, trainer = session.spec, session.task, session.trainer
    opt_state = trainer.optimizer.state_dict() if trainer else None
    snap = SnapshotMeta(
        config=ConfigSnapshot(
            cell=spec.cell,  # type: ignore[arg-type]
            variant=spec.variant.key,
            input_size=spec.input_size,
            hidden_size=spec.hidden_size,
            num_layers=spec.num_layers,
            output_size=spec.output_size,
            loss=spec.loss,  # type: ignore[arg-type]
            seed=session.seed,
            init=InitSnapshot(**session.init),
            truncate=session.truncate,
            clip=session.clip,  # type: ignore[arg-type]
            clip_threshold=session.clip_threshold,
            task_options=session.task_options,
        ),
        task=TaskSnapshot(
            name=task.name,
            task_type=task.task_type,
            description=task.description,
            input_names=task.input_names,
            output_names=task.output_names,
            extra=task.extra,
        ),
        training=TrainingSnapshot(
            updates=session.train_updates,
            diverged=session.diverged,
            config=TrainConfigSnapshot(**vars(trainer.config)) if trainer else None,
            optimizer={k: v for k, v in opt_state.items() if k not in _OPT_ARRAYS}
            if opt_state
            else None,
        ),
        cursors=CursorsSnapshot(forward_t=session.runner.forward_t),
    )
    return snap.model_dump(exclude_none=True)


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
def from_bytes(data: bytes, fmt: str, settings: Settings, field: str = "file") -> Session:
    """Rebuild a session from to_json() or to_npz() output, checking it like any upload; a
    FieldError is located in the upload's form `field`."""
    try:
        return _from_bytes(data, fmt, settings)
    except FieldError as exc:
        raise exc.within(field) from None
    except (TypeError, KeyError, AttributeError, OverflowError, RecursionError) as exc:
        # a field of the wrong type deep inside: still the upload's fault, never a 500
        raise FieldError(
            field, f"malformed snapshot ({type(exc).__name__}: {str(exc)[:100]})"
        ) from None


def _from_bytes(data: bytes, fmt: str, settings: Settings) -> Session:
    if fmt == "json":
        try:
            obj = loads_strict(data)
        except InvalidJSONError as exc:
            raise FieldError((), f"not a JSON snapshot ({str(exc)[:100]})") from None
        if not isinstance(obj, dict) or not isinstance(obj.get("arrays"), dict):
            raise FieldError((), "expected a JSON object with meta fields and 'arrays'")
        named = {str(k): _json_array(str(k), v) for k, v in obj.pop("arrays").items()}
        return build(obj, named, settings)
    if fmt == "npz":
        meta_obj, named = _read_npz(data, settings)
        return build(meta_obj, named, settings)
    raise FieldError("format", f"expected 'json' or 'npz', got {fmt!r}")


def _json_array(name: str, value: Any) -> np.ndarray:
    check_name(name)
    if name == "sequence.targets" and isinstance(value, list):
        width = next((len(r) for r in value if isinstance(r, list)), 1)
        value = [[math.nan] * width if r is None else r for r in value]
    try:
        return np.array(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):  # numpy's: ragged rows, text
        raise FieldError(("arrays", name), "not a rectangular array of numbers") from None


def _read_npz(data: bytes, settings: Settings) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if "meta.json" not in zf.namelist():
                raise FieldError((), "meta.json is missing from the archive")
            info = zf.getinfo("meta.json")
            check_limit("meta.json", info.file_size, "bytes", _MAX_META)
            try:
                meta_obj = loads_strict(zf.read(info))
            except InvalidJSONError as exc:
                raise FieldError("meta.json", f"not valid JSON ({str(exc)[:100]})") from None
            infos = zf.infolist()
            declared = sum(item.file_size for item in infos)
            # sizes as declared in the archive, checked before anything is inflated (zip bombs)
            if declared > settings.max_upload_bytes:
                raise FieldError(
                    (),
                    f"the archive declares {declared} bytes, more than the limit "
                    f"max_upload_bytes={settings.max_upload_bytes}",
                )
            if len(infos) > _MAX_ARRAYS:
                raise FieldError(
                    (), f"{len(infos)} members, more than the limit of {_MAX_ARRAYS} arrays"
                )
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
        raise FieldError((), f"unreadable archive ({type(exc).__name__})") from None
    limits = Limits(max_bytes=settings.max_upload_bytes, max_arrays=_MAX_ARRAYS)
    try:
        named = read_arrays(rest.getvalue(), "npz", limits, _shape_check(settings))
    except FieldError as exc:
        raise exc.within("arrays") from None
    if not isinstance(meta_obj, dict):
        raise FieldError("meta.json", "expected a JSON object")
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
            raise FieldError(name, f"shape {shape} is not a 1-D or 2-D array within limits")

    return check


def build(m: dict[str, Any], named: dict[str, np.ndarray], settings: Settings) -> Session:
    """The session a snapshot describes: meta checked by SnapshotMeta, arrays by the engine."""
    try:
        snap = SnapshotMeta.model_validate(m)
    except ValidationError as exc:
        raise _field_error(exc) from None
    cfg, task_m, training = snap.config, snap.task, snap.training
    inputs = named.get("sequence.inputs")
    if inputs is None or inputs.ndim != 2:
        raise FieldError(("arrays", "sequence.inputs"), "missing or not T×D")
    sizes = (cfg.input_size, cfg.hidden_size, cfg.output_size)
    check_sizes(
        settings,
        (*sizes, inputs.shape[0]),
        (
            ("config", "input_size"),
            ("config", "hidden_size"),
            ("config", "output_size"),
            ("arrays", "sequence.inputs"),
        ),
        cfg.num_layers,
    )
    try:
        spec = make_spec(cfg.cell, cfg.variant, sizes, cfg.loss, cfg.num_layers)
    except FieldError as exc:
        raise exc.within("config") from None
    labels = named.get("sequence.labels")
    try:
        task = TaskData(
            name=task_m.name,
            task_type=task_m.task_type,
            inputs=inputs,
            targets=named.get("sequence.targets"),
            labels=None if labels is None else _labels(labels),
            loss=spec.loss,
            input_names=task_m.input_names,
            output_names=task_m.output_names,
            description=task_m.description,
            extra=task_m.extra,
        )
    except FieldError as exc:
        raise _task_loc(exc) from None
    params = {k[len("params.") :]: v for k, v in named.items() if k.startswith("params.")}
    session = Session(
        id=new_session_id(),
        spec=spec,
        params=params,
        task=task,
        seed=cfg.seed,
        init=cfg.init.model_dump(exclude_none=True),
        source="restore",
        task_options=cfg.task_options,
        truncate=cfg.truncate,
        clip=cfg.clip,
        clip_threshold=cfg.clip_threshold,
    )
    session.params = session.runner.params  # checked copies
    _restore_training(session, training, named)
    if 0 < snap.cursors.forward_t <= session.T:
        session.forward(snap.cursors.forward_t)
    return session


def _restore_training(session: Session, training: TrainingSnapshot, named: dict) -> None:
    if training.config is None or training.optimizer is None:
        return
    state: dict[str, Any] = dict(training.optimizer)
    for part in _OPT_ARRAYS:
        prefix = f"optimizer.{part}."
        state[part] = {k[len(prefix) :]: v for k, v in named.items() if k.startswith(prefix)}
    trainer = session.start_training(TrainConfig(**training.config.model_dump()))
    try:
        trainer.optimizer = optimizer_from_state(state)
    except FieldError as exc:  # located in the state: its arrays are arrays "optimizer.<part>.*"
        raise exc.within("training", "optimizer") from None
    trainer.updates = session.train_updates = training.updates
    session.diverged = training.diverged


def _field_error(exc: ValidationError) -> FieldError:
    """The first problem pydantic found in the meta, located as it found it."""
    err = exc.errors()[0]
    loc = tuple(p if isinstance(p, int) else str(p)[:100] for p in err["loc"])
    return FieldError(loc, str(err["msg"]))


_TASK_FIELDS: dict[str, Loc] = {
    "inputs": ("arrays", "sequence.inputs"),
    "targets": ("arrays", "sequence.targets"),
    "labels": ("arrays", "sequence.labels"),
    "input_names": ("task", "input_names"),
    "output_names": ("task", "output_names"),
    "task_type": ("task", "task_type"),
}


def _task_loc(exc: FieldError) -> FieldError:
    """check_task's error, located where the snapshot holds that part of the task."""
    for name, loc in _TASK_FIELDS.items():
        moved = exc.relocated((name,), loc)
        if moved is not exc:
            return moved
    return exc


def _labels(arr: np.ndarray) -> np.ndarray:
    if arr.ndim != 1 or not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
        raise FieldError(("arrays", "sequence.labels"), "expected T integers (−1: no target)")
    if np.any(np.abs(arr) > 2**62):  # before the int64 cast, which would wrap
        raise FieldError(("arrays", "sequence.labels"), "a label is too large")
    return arr.astype(np.int64)
