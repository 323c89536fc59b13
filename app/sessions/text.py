"""A session's sequence from the user's own text, pasted (POST /sessions) or uploaded (a UTF-8
file to POST /sessions/upload): checked against the limits before anything is built."""

from __future__ import annotations

from lstm_explorer.app.settings import Settings
from lstm_explorer.engine.errors import FieldError, Loc
from lstm_explorer.engine.task_data import TaskData
from lstm_explorer.engine.user_text import normalise_text, text_task, vocabulary_of


def decode_text(data: bytes, loc: Loc) -> str:
    """An uploaded file's text; 422 at `loc` unless it is UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FieldError(loc, f"not UTF-8 text (byte {exc.start} cannot be decoded)") from None


def user_text_task(text: str, settings: Settings, loc: Loc = ("text",)) -> TaskData:
    """The next-character task of `text`: T = characters − 1 ≤ max_sequence_length; one input
    and one output per distinct character, at most max_input_size and max_output_size."""
    clean = normalise_text(text)
    steps, limit_T = len(clean) - 1, settings.max_sequence_length
    if steps > limit_T:
        raise FieldError(
            loc,
            f"{len(clean)} characters make {steps} steps; at most "
            f"max_sequence_length={limit_T} (a text of up to {limit_T + 1} characters)",
        )
    size = len(vocabulary_of(clean))
    limit, setting = min(
        (settings.max_input_size, "max_input_size"), (settings.max_output_size, "max_output_size")
    )
    if size > limit:
        raise FieldError(
            loc,
            f"{size} distinct characters; the vocabulary is at most {setting}={limit} "
            "(one input and one output per character)",
        )
    try:
        return text_task(clean)
    except FieldError as exc:
        raise exc.relocated(("text",), loc) from None
