"""A text of the user's own as a next-character task, like the chars task on Bierce's text.

The vocabulary is the text's distinct characters sorted by code point (the one-hot order);
input t is character t, its label character t + 1, so a text of n characters is T = n − 1 steps.
"""

from __future__ import annotations

import numpy as np
from lstm_explorer.engine.datasets import symbol_name
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.task_data import TaskData, one_hot

DESCRIPTION = "Predict the next character of your text."
# Whitespace made visible in names (the chars task's space and newline, plus the tab).
_TAB = "⇥"


def normalise_text(text: str) -> str:
    """Line ends as \\n (Windows and old Mac files read the same), no byte-order mark."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def vocabulary_of(text: str) -> list[str]:
    """The distinct characters of `text` in one-hot order (by code point)."""
    return sorted(set(text))


def text_task(text: str, source: str = "your text") -> TaskData:
    """One-hot characters in, the next character's label out, at every step."""
    if not isinstance(text, str):
        raise FieldError("text", "expected a string")
    text = normalise_text(text)
    if len(text) < 2:
        raise FieldError("text", f"expected at least 2 characters, got {len(text)}")
    alphabet = vocabulary_of(text)
    index = {ch: k for k, ch in enumerate(alphabet)}
    codes = np.fromiter((index[ch] for ch in text), dtype=np.int64, count=len(text))
    names = [_TAB if ch == "\t" else symbol_name(ch) for ch in alphabet]
    extra = {"text": text, "vocabulary": alphabet, "source": source}
    return TaskData(
        "text",
        "many_to_many",
        one_hot(codes[:-1], len(alphabet)),
        None,
        codes[1:],
        "cross_entropy",
        names,
        list(names),
        DESCRIPTION,
        extra,
    )
