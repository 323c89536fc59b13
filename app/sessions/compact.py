"""A session's compact state: everything but its trace, which is recomputed deterministically.

Two parts, so that a step costs a few bytes in the shared store rather than the parameters:
- cursors: the Runner's four numbers (forward_t, computed_forward, backward_t, computed_backward);
- body: snapshot.meta() and snapshot.arrays() (config, parameters, optimiser state, sequence) plus
  what a snapshot file leaves out (source, last loss), packed as a JSON header and raw arrays.

Rebuilding is snapshot.build() on the body, then seek_cursors(): the same arithmetic on the same
bits, so every frame comes out identical to the one the session showed before.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from lstm_explorer.app import serialize
from lstm_explorer.app.errors import loads_strict
from lstm_explorer.app.sessions import snapshot
from lstm_explorer.app.sessions.session import Session
from lstm_explorer.app.settings import Settings

Cursors = tuple[int, int, int, int]  # forward_t, computed_forward, backward_t, computed_backward
MAGIC = b"LSTMX1\n"
_DTYPES = {"<f8", "<f4", "<i8"}
# Attributes of a Session object that belong to this process, never copied from a rebuilt one.
_LOCAL = frozenset({"id", "lock", "last_used", "closed"})


# ----------------------------------------------------------------------------- cursors
def cursors(session: Session) -> Cursors:
    r = session.runner
    return (r.forward_t, r.computed_forward, r.backward_t, r.computed_backward)


def seek_cursors(session: Session, target: Cursors) -> None:
    """Move the Runner to `target`, recomputing (never guessing) whatever it has not computed."""
    fwd, cfwd, bwd, cbwd = target
    r = session.runner
    if not (0 <= fwd <= cfwd <= r.T and 0 <= cbwd <= bwd <= r.T and (cbwd == r.T or cfwd == r.T)):
        raise ValueError(f"cursors: {target} are not cursors of a sequence of {r.T} steps")
    if cfwd < r.computed_forward or cbwd > r.computed_backward:
        r.reset()  # the other copy went back (a reset): start again from step 0
    with np.errstate(all="ignore"):
        if cfwd > r.computed_forward:
            r.seek(cfwd - 1, "forward")
        if cbwd < r.computed_backward:
            r.seek(cbwd, "backward")
    r.forward_t, r.backward_t = fwd, bwd


# ----------------------------------------------------------------------------- body
def body_marks(session: Session) -> tuple[Any, ...]:
    """What changes when the body changes: objects replaced on change, and the scalars.

    Parameters are replaced, never written in place (Trainer.update, reset and restore build
    new dicts), so comparing identities is exact and costs nothing at any size.
    """
    trainer = session.trainer
    return (
        session.params,
        session.task,
        trainer,
        trainer.optimizer if trainer else None,
        session.train_updates,
        session.diverged,
        repr(session.last_loss),
        session.truncate,
        session.clip,
        session.clip_threshold,
        session.seed,
    )


def same_body(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    """body_marks() unchanged: the first four by identity, the rest by value."""
    return all(x is y for x, y in zip(a[:4], b[:4], strict=True)) and a[4:] == b[4:]


def pack_body(session: Session) -> bytes:
    """MAGIC, a 4-byte header length, the JSON header, then every array's raw bytes."""
    head = snapshot.meta(session)
    head["cursors"] = {"forward_t": 0}  # kept apart: see cursors()
    loss = session.last_loss
    head["local"] = {
        "source": session.source,
        "last_loss": loss if loss is not None and math.isfinite(loss) else None,
    }
    index, chunks, offset = [], [], 0
    for name, arr in snapshot.arrays(session).items():
        a = np.ascontiguousarray(arr)
        index.append([name, a.dtype.str, list(a.shape), offset, a.nbytes])
        chunks.append(a.tobytes())
        offset += a.nbytes
    header = serialize.dumps({"meta": head, "arrays": index})
    return b"".join([MAGIC, len(header).to_bytes(4, "big"), header, *chunks])


def unpack_body(data: bytes, settings: Settings, session_id: str, at: Cursors) -> Session:
    """The session pack_body() was made from, with its id, its cursors moved to `at`."""
    if not data.startswith(MAGIC):
        raise ValueError("session store: not a packed session")
    start = len(MAGIC) + 4
    size = int.from_bytes(data[len(MAGIC) : start], "big")
    header = loads_strict(data[start : start + size])
    named: dict[str, np.ndarray] = {}
    base = start + size
    for name, dtype, shape, offset, nbytes in header["arrays"]:
        if dtype not in _DTYPES:
            raise ValueError(f"session store: array {name!r} has dtype {dtype!r}")
        raw = data[base + offset : base + offset + nbytes]
        named[name] = np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    meta = header["meta"]
    local = meta.pop("local", {})
    session = snapshot.build(meta, named, settings)
    session.id = session_id
    session.source = str(local.get("source", "restore"))
    session.last_loss = local.get("last_loss")
    seek_cursors(session, at)
    return session


def refresh_in_place(target: Session, source: Session) -> None:
    """Make `target` the session `source` is, keeping what is local to this process (its id,
    lock, last use): whoever holds `target` (a route, a stream) sees the new state."""
    for name, value in vars(source).items():
        if name not in _LOCAL:
            setattr(target, name, value)
