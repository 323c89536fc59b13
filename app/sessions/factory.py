"""Sessions made from a config (task or own sequence), and what GET /sessions/{id} shows of one."""

from __future__ import annotations

import math
import secrets
from typing import Any

import numpy as np
from lstm_explorer.app.label_limit import check_class_labels
from lstm_explorer.app.limits import check_limit, check_sizes
from lstm_explorer.app.schemas.session import SequenceIn, SessionCreate
from lstm_explorer.app.sessions.session import Session
from lstm_explorer.app.sessions.text import user_text_task
from lstm_explorer.app.settings import Settings
from lstm_explorer.engine.errors import FieldError, Loc
from lstm_explorer.engine.init import init_params
from lstm_explorer.engine.problem import cell_class
from lstm_explorer.engine.spec import ModelSpec
from lstm_explorer.engine.tasks import TASKS, TaskData, make_task, user_sequence
from lstm_explorer.engine.variants import Variant

DEFAULT_HIDDEN = 8


def new_session_id() -> str:
    return secrets.token_urlsafe(12)


def make_spec(
    cell: str, variant: str, sizes: tuple[int, int, int], loss: str, num_layers: int = 1
) -> ModelSpec:
    """A ModelSpec of `num_layers` layers; the simple RNN takes only 'vanilla'."""
    parsed = Variant.parse(variant)
    if cell == "rnn" and parsed != Variant():
        raise FieldError(
            "variant", f"the simple RNN has no variants; use 'vanilla', not {variant!r}"
        )
    return ModelSpec(cell, sizes[0], sizes[1], sizes[2], parsed, loss, num_layers=num_layers)


def session_from_config(body: SessionCreate, settings: Settings) -> Session:
    """Build the task (or wrap the sequence), the spec and fresh parameters; check every limit."""
    if body.task is not None and body.sequence is not None:
        raise FieldError("sequence", "give either a task or a sequence, not both")
    if body.text is not None and (body.task is not None or body.sequence is not None):
        raise FieldError("text", "give either a task, a sequence or a text, not two")
    options: dict[str, Any] = {}
    if body.text is not None:
        task = user_text_task(body.text, settings)
        hidden = body.hidden_size or TASKS["chars"].hidden_size
        if body.loss is not None and body.loss != task.loss:
            raise FieldError("loss", f"a text is trained with {task.loss}, not {body.loss}")
    elif body.sequence is not None:
        task = sequence_task(body.sequence, body.loss or "mse", settings)
        hidden = body.hidden_size or DEFAULT_HIDDEN
    else:
        choice = body.task
        name = choice.name if choice else "sine"
        options = dict(choice.options) if choice else {}
        task = task_from_name(name, options, body.seed)
        hidden = body.hidden_size or TASKS[name].hidden_size
        if body.loss is not None and body.loss != task.loss:
            raise FieldError(
                "loss", f"the {name} task is trained with {task.loss}, not {body.loss}"
            )
    sizes = (task.input_size, hidden, task.output_size, task.length)
    check_sizes(settings, sizes, num_layers=body.num_layers)
    spec = make_spec(body.cell, body.variant, sizes[:3], task.loss, body.num_layers)
    init = body.init.model_dump()
    try:
        params = init_params(spec, body.seed, **init)
    except FieldError as exc:
        raise exc.within("init") from None
    return Session(
        id=new_session_id(),
        spec=spec,
        params=params,
        task=task,
        seed=body.seed,
        init=init,
        source="config",
        task_options=options,
        truncate=body.truncate,
        clip=body.clip,
        clip_threshold=body.clip_threshold,
    )


def task_from_name(
    name: str, options: dict[str, Any], seed: int, at: Loc = ("task", "options")
) -> TaskData:
    """A built-in task; its errors are located at task.name or at `at`.<option>."""
    if name not in TASKS:
        raise FieldError(("task", "name"), f"unknown {name!r}; known tasks: {', '.join(TASKS)}")
    known = ["length", *(o.name for o in TASKS[name].options)]
    for key in options:  # before the call: an option named seed or name would clash with those
        if key not in known:
            raise FieldError(
                (*at, key), f"unknown option {key[:40]!r}; options: {', '.join(known)}"
            )
    # JSON has one number type: 50.0 means the integer option 50.
    whole = {
        k: int(v) if isinstance(v, float) and v.is_integer() else v for k, v in options.items()
    }
    options.clear()
    options.update(whole)
    try:
        return make_task(name, seed, **whole)
    except FieldError as exc:  # make_task locates options under the task's name
        raise exc.relocated((name,), at) from None


def sequence_task(seq: SequenceIn, loss: str, settings: Settings) -> TaskData:
    """Wrap a sequence given as JSON into a TaskData (null targets: no target at that step)."""
    check_limit(
        ("sequence", "inputs"), len(seq.inputs), "max_sequence_length", settings.max_sequence_length
    )
    T = len(seq.inputs)
    if len(seq.targets) != T:
        raise FieldError(
            ("sequence", "targets"), f"expected {T} entries (one per step), got {len(seq.targets)}"
        )
    if loss == "cross_entropy":
        check_class_labels(seq.targets, seq.n_classes, settings)
        labels = []
        for t, entry in enumerate(seq.targets):
            if isinstance(entry, list) or (entry is not None and entry < -1):
                # also before numpy: a label below −2⁶³ does not fit the int64 array
                raise FieldError(("sequence", "targets", t), "expected a class label ≥ 0 or null")
            labels.append(-1 if entry is None else entry)
        build = lambda: user_sequence(  # noqa: E731
            seq.inputs, labels=np.array(labels, dtype=np.int64), loss=loss, n_classes=seq.n_classes
        )
    else:
        rows = [e for e in seq.targets if e is not None]
        if not rows or not isinstance(rows[0], list):
            raise FieldError(
                ("sequence", "targets"), "expected rows of O numbers (mse), null for none"
            )
        width = len(rows[0])
        targets = []
        for t, entry in enumerate(seq.targets):
            if entry is not None and (not isinstance(entry, list) or len(entry) != width):
                raise FieldError(("sequence", "targets", t), f"expected {width} numbers or null")
            targets.append([math.nan] * width if entry is None else entry)
        build = lambda: user_sequence(seq.inputs, targets, loss=loss)  # noqa: E731
    try:
        return build()
    except FieldError as exc:  # the labels are the request's targets
        raise exc.relocated(("labels",), ("targets",)).within("sequence") from None


def describe(session: Session) -> dict[str, Any]:
    """SessionPublic as a dict."""
    spec, task = session.spec, session.task
    return {
        "id": session.id,
        "cell": spec.cell,
        "variant": spec.variant.key,
        "structure": spec.variant.structure(),
        "sizes": {
            "input_size": spec.input_size,
            "hidden_size": spec.hidden_size,
            "output_size": spec.output_size,
        },
        "loss": spec.loss,
        "num_layers": spec.num_layers,
        "layer": session.shown_layer(),
        "seed": session.seed,
        "T": session.T,
        "cursors": session.cursors(),
        "truncate": session.truncate,
        "clip": session.clip,
        "clip_threshold": session.clip_threshold,
        "param_shapes": session.param_shapes(),
        "forward_keys": list(cell_class(spec).forward_keys(spec)),
        "backward_keys": backward_keys(spec),
        "task": {
            "name": task.name,
            "task_type": task.task_type,
            "description": task.description,
            "input_names": task.input_names,
            "output_names": task.output_names,
            "options": session.task_options,
            "extra": task.extra,
        },
        "training": {
            "updates": session.train_updates,
            "optimizer": session.trainer.config.optimizer if session.trainer else None,
            "learning_rate": session.trainer.config.learning_rate if session.trainer else None,
            "diverged": session.diverged,
            "last_loss": _finite_or_none(session.last_loss),
        },
        "source": session.source,
        # Text tasks: the characters in one-hot order (input k and output k are vocabulary[k]).
        "vocabulary": task.extra.get("vocabulary"),
    }


def backward_keys(spec: ModelSpec) -> list[str]:
    """Per-step error keys of the model (a removed gate has no d<gate>_bar)."""
    return list(cell_class(spec).backward_keys(spec))


def _finite_or_none(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None
