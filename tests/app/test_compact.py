"""A session's compact state (app/sessions/compact.py): packed without its trace, rebuilt with the
same cursors, the same frames bit for bit, and training that goes on exactly as it would have."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from lstm_explorer.app.schemas import SessionCreate
from lstm_explorer.app.sessions import Session, compact
from lstm_explorer.app.sessions.factory import session_from_config
from lstm_explorer.app.sessions.session import TrainConfig
from lstm_explorer.app.sessions.uploads import UploadConfig, session_from_upload
from lstm_explorer.app.settings import Settings

CASES = {
    "lstm-vanilla": {"task": {"name": "sine", "options": {"length": 12}}, "hidden_size": 3},
    "lstm-CIFG+truncated": {
        "task": {"name": "sine", "options": {"length": 12}},
        "hidden_size": 3,
        "variant": "CIFG",
        "truncate": 4,
    },
    "lstm-FGR-copy": {"task": {"name": "copy"}, "hidden_size": 4, "variant": "FGR"},
    "rnn-adding": {"task": {"name": "adding", "options": {"length": 10}}, "cell": "rnn"},
}


def _make(case: str, settings: Settings) -> Session:
    return session_from_config(SessionCreate.model_validate({**CASES[case], "seed": 5}), settings)


def _use(session: Session, optimizer: str) -> None:
    """Train (optimiser state), then leave both cursors in the middle."""
    trainer = session.start_training(TrainConfig(optimizer=optimizer, momentum=0.9))
    for _ in range(3):
        session.train_update(trainer)
    session.finish_training()
    session.backward(steps=3)  # completes the forward pass first
    session.back(steps=2)


def _round_trip(session: Session, settings: Settings) -> Session:
    packed = compact.pack_body(session)
    return compact.unpack_body(packed, settings, session.id, compact.cursors(session))


def _same_training(a: Session, b: Session) -> None:
    assert a.trainer is not None and b.trainer is not None
    next_a, next_b = a.train_update(a.trainer), b.train_update(b.trainer)
    assert next_a == next_b
    for key in a.params:
        assert np.array_equal(a.params[key], b.params[key]), key


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
@pytest.mark.parametrize("case", list(CASES))
def test_rebuilt_session_has_same_cursors_frames_and_training(
    case: str, optimizer: str, settings: Settings
) -> None:
    session = _make(case, settings)
    _use(session, optimizer)
    rebuilt = _round_trip(session, settings)
    assert rebuilt.id == session.id and rebuilt.source == session.source
    assert rebuilt.cursors() == session.cursors()
    assert rebuilt.trace() == session.trace()
    t = session.runner.backward_t
    assert rebuilt.backward_frame(t, grads=True) == session.backward_frame(t, grads=True)
    assert rebuilt.train_updates == session.train_updates == 3
    _same_training(session, rebuilt)


def test_packed_body_holds_no_trace(settings: Settings) -> None:
    fresh, stepped = _make("lstm-vanilla", settings), _make("lstm-vanilla", settings)
    stepped.forward(to_end=True)
    stepped.backward(to_end=True)
    assert len(compact.pack_body(stepped)) == len(compact.pack_body(fresh))


def test_uploaded_csv_session_round_trips(settings: Settings) -> None:
    csv_text = "x_speed,target_speed\n" + "\n".join(f"{k / 10},{k / 20}" for k in range(15))
    session = session_from_upload(UploadConfig(hidden_size=2), None, csv_text, settings)
    session.forward(steps=7)
    rebuilt = _round_trip(session, settings)
    assert rebuilt.source == session.source
    assert rebuilt.task.input_names == session.task.input_names
    assert rebuilt.trace() == session.trace()


@pytest.mark.parametrize(
    "moves",
    [
        [("forward", 5)],  # the other copy went on
        [("forward", 12), ("backward", 4)],  # ... and into BPTT
        [("reset", 0), ("forward", 2)],  # ... or started again
        [("back", 3)],  # ... or rewound
    ],
)
def test_seek_cursors_follows_the_other_copy(
    moves: list[tuple[str, int]], settings: Settings
) -> None:
    mine, theirs = _make("lstm-vanilla", settings), _make("lstm-vanilla", settings)
    for s in (mine, theirs):
        s.forward(steps=6)
    for name, n in moves:
        getattr(theirs, name)(*([n] if n else []))
    compact.seek_cursors(mine, compact.cursors(theirs))
    assert mine.cursors() == theirs.cursors()
    assert mine.trace() == theirs.trace()


def test_seek_cursors_refuses_impossible_cursors(settings: Settings) -> None:
    session = _make("lstm-vanilla", settings)
    with pytest.raises(ValueError, match="cursors"):
        compact.seek_cursors(session, (5, 3, 12, 12))  # shown past what is computed


def test_body_marks_change_with_training_and_settings_not_with_steps(settings: Settings) -> None:
    session = _make("lstm-vanilla", settings)
    marks = compact.body_marks(session)
    session.forward(steps=4)
    session.backward(steps=2)
    assert compact.same_body(marks, compact.body_marks(session))
    changes: list[Any] = [
        lambda s: s.train_update(s.start_training(TrainConfig())),
        lambda s: s.set_truncate(3),
        lambda s: setattr(s, "clip_threshold", 1.0),
        lambda s: s.reset(reinit=True, seed=9),
    ]
    for change in changes:
        before = compact.body_marks(session)
        change(session)
        assert not compact.same_body(before, compact.body_marks(session))
