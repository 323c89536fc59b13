"""The embedded Reber grammar: strings are grammatical and the task's targets are the allowed symbols.

The checker here is independent of engine/reber.py: a regular expression for grammaticality and,
for the allowed next symbols, the set of continuations seen among every embedded Reber string up
to a length, enumerated from that expression's building blocks.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pytest
from lstm_explorer.engine.reber import (
    SYMBOLS,
    allowed_accuracy,
    embedded_reber_string,
    reber_string,
)
from lstm_explorer.engine.tasks import make_task

# Reber strings: B, a path T S* X or P T* V P, any number of X T* V P loops, then S or X T* V V,
# E — or the short path B P T* V V E.
REBER = r"B(?:(?:TS*X|PT*VP)(?:XT*VP)*(?:S|XT*VV)|PT*VV)E"
EMBEDDED = re.compile(rf"B([TP]){REBER}\1E")
MAX_LEN = 20  # enumerated strings; every prefix checked below is at most MAX_LEN − 9 long


def _runs(symbol: str, most: int) -> list[str]:
    return [symbol * k for k in range(most + 1)]


def _concat(*parts: list[str]) -> set[str]:
    out = {""}
    for part in parts:
        out = {a + b for a in out for b in part if len(a + b) <= MAX_LEN}
    return out


def _star(words: set[str]) -> set[str]:
    out, frontier = {""}, {""}
    while frontier:
        frontier = {a + w for a in frontier for w in words if len(a + w) <= MAX_LEN} - out
        out |= frontier
    return out


@cache
def embedded_strings() -> frozenset[str]:
    """Every embedded Reber string of at most MAX_LEN symbols, built from REBER's pieces."""
    t, s = _runs("T", MAX_LEN), _runs("S", MAX_LEN)
    head = _concat(["T"], s, ["X"]) | _concat(["P"], t, ["VP"])
    loops = _star(_concat(["X"], t, ["VP"]))
    tail = {"S"} | _concat(["X"], t, ["VV"])
    inner = _concat(list(head), list(loops), list(tail)) | _concat(["P"], t, ["VV"])
    reber = _concat(["B"], list(inner), ["E"])
    return frozenset(w for o in "TP" for w in _concat(["B" + o], list(reber), [o + "E"]))


@cache
def continuations(prefix: str) -> frozenset[str]:
    return frozenset(
        w[len(prefix)] for w in embedded_strings() if w.startswith(prefix) and len(w) > len(prefix)
    )


@pytest.mark.parametrize("seed", range(200))
def test_generated_strings_are_grammatical(seed: int) -> None:
    rng = np.random.default_rng(seed)
    assert re.fullmatch(REBER, reber_string(rng))
    assert EMBEDDED.fullmatch(embedded_reber_string(rng))


def test_the_checker_refuses_strings_off_the_grammar() -> None:
    assert EMBEDDED.fullmatch("BTBTXSETE")
    for bad in ("BTBTXSEPE", "BTBTXXVETE", "BTBPTVPE", "BPBTSSXSETE", "BTBTXSE", "TBTXSETE"):
        assert not EMBEDDED.fullmatch(bad), bad


def test_enumeration_finds_the_shortest_strings() -> None:
    strings = embedded_strings()
    assert {"BTBTXSETE", "BPBTXSEPE", "BTBPVVETE", "BPBPVVEPE"} <= strings
    assert min(len(w) for w in strings) == 9


@pytest.mark.parametrize("seed", range(40))
def test_the_task_is_a_stream_of_grammatical_strings_with_next_symbol_labels(seed: int) -> None:
    task = make_task("reber", seed=seed, length=60)
    stream = task.extra["text"]
    assert len(stream) == 61
    assert "".join(SYMBOLS[k] for k in task.inputs.argmax(axis=1)) == stream[:60]
    assert "".join(SYMBOLS[k] for k in task.labels) == stream[1:]
    whole = "".join(task.extra["strings"])
    assert whole.startswith(stream)
    assert all(EMBEDDED.fullmatch(w) for w in task.extra["strings"])


def test_every_enumerated_string_matches_the_expression() -> None:
    strings = embedded_strings()
    assert len(strings) > 100
    assert all(EMBEDDED.fullmatch(w) for w in strings)


@pytest.mark.parametrize("seed", range(40))
def test_the_allowed_targets_are_the_grammars_next_symbols(seed: int) -> None:
    task = make_task("reber", seed=seed, length=60)
    stream, allowed = task.extra["text"], task.extra["allowed"]
    # where each step sits in its embedded string (the strings are checked grammatical above)
    place = [(w, k) for w in task.extra["strings"] for k in range(len(w))]
    checked = 0
    for t in range(60):
        word, k = place[t]
        prefix = word[: k + 1]
        if prefix == word:
            expected = {"B"}  # the next embedded string starts
        elif len(prefix) <= MAX_LEN - 9:
            expected = set(continuations(prefix))
        else:
            continue  # longer than the enumeration can vouch for
        assert set(allowed[t]) == expected, (prefix, allowed[t])
        assert stream[t + 1] in allowed[t]
        checked += 1
    assert checked >= 30


def test_allowed_accuracy_counts_the_most_likely_symbol_in_the_allowed_set() -> None:
    task = make_task("reber", seed=1, length=12)
    perfect = np.zeros((12, 7))
    for t, row in enumerate(task.extra["allowed"]):
        perfect[t, SYMBOLS.index(row[0])] = 1.0
    assert allowed_accuracy(perfect, task) == 1.0
    wrong = np.zeros((12, 7))
    for t, row in enumerate(task.extra["allowed"]):
        wrong[t, next(k for k, s in enumerate(SYMBOLS) if s not in row)] = 1.0
    assert allowed_accuracy(wrong, task) == 0.0
