"""The embedded Reber grammar (Hochreiter & Schmidhuber 1997, experiment 1), generated on the fly.

A Reber string walks the graph below from B to E, each branch taken with probability ½:

    1 –T→ 2   1 –P→ 3   2 –S→ 2   2 –X→ 4   3 –T→ 3   3 –V→ 5   4 –X→ 3   4 –S→ 6   5 –P→ 4
    5 –V→ 6   (B leads to 1, 6 leads to E)

An embedded Reber string is B, then T or P, then a Reber string, then the same T or P, then E:
predicting that second-to-last symbol means remembering the second one across the whole inner
string. A task sequence is a stream of embedded strings, one after another, cut to T + 1 symbols;
the target at step t is the symbol at t + 1.

Scoring. The grammar often allows two next symbols, so the target is really a set. The loss is
the cross-entropy on the symbol that actually comes next (what a model trained on the stream can
be asked to minimise; its optimum puts the probability on the allowed set, ½ each at a fair
branch). Beside it, `allowed_accuracy` counts a step as right when the model's most likely
symbol is in the allowed set; it reaches 1 only when the model knows the grammar, including the
long-range T/P.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from lstm_explorer.engine.task_data import TaskData, one_hot

# One-hot order of the seven symbols (the vocabulary shown on the page).
SYMBOLS = ("B", "T", "P", "S", "X", "V", "E")
INDEX = {s: k for k, s in enumerate(SYMBOLS)}
# node → [(symbol, next node)]; node 1 follows the B, node 6 is followed by E.
REBER_EDGES: dict[int, tuple[tuple[str, int], ...]] = {
    1: (("T", 2), ("P", 3)),
    2: (("S", 2), ("X", 4)),
    3: (("T", 3), ("V", 5)),
    4: (("X", 3), ("S", 6)),
    5: (("P", 4), ("V", 6)),
}
DESCRIPTION = (
    "Predict the next symbol of embedded Reber strings (B, T or P, a Reber string, the same "
    "T or P, E); the second-to-last symbol needs a long memory."
)


def reber_string(rng: np.random.Generator) -> str:
    """One Reber string, B … E."""
    out, node = ["B"], 1
    while node != 6:
        symbol, node = REBER_EDGES[node][int(rng.random() < 0.5)]
        out.append(symbol)
    out.append("E")
    return "".join(out)


def embedded_reber_string(rng: np.random.Generator) -> str:
    """B, T or P, a Reber string, the same T or P, E."""
    outer = "T" if rng.random() < 0.5 else "P"
    return f"B{outer}{reber_string(rng)}{outer}E"


def allowed_next(stream: str) -> list[frozenset[str]]:
    """For each position of a stream of embedded strings, the symbols the grammar allows next."""
    out: list[frozenset[str]] = []
    pos = 0  # place inside the current embedded string: 0 before its first B
    outer, node = "", 0
    for symbol in stream:
        if pos == 0:  # read the outer B
            allowed = frozenset("TP")
        elif pos == 1:  # read the outer T or P
            outer, allowed = symbol, frozenset("B")
        elif pos == 2:  # the inner B
            node, allowed = 1, frozenset(s for s, _ in REBER_EDGES[1])
        elif node == 6 and symbol == "E":  # the inner E: the outer symbol must come back
            node, allowed = 7, frozenset(outer)
        elif node == 7:  # the outer symbol again: then the outer E
            node, allowed = 8, frozenset("E")
        elif node == 8:  # the outer E: a new embedded string starts with B
            pos, allowed = -1, frozenset("B")
        else:
            node = dict(REBER_EDGES[node])[symbol]
            allowed = frozenset("E") if node == 6 else frozenset(s for s, _ in REBER_EDGES[node])
        out.append(allowed)
        pos += 1
    return out


def reber_task(rng: np.random.Generator, options: dict[str, Any]) -> TaskData:
    """T steps of a stream of embedded Reber strings; next-symbol labels and the allowed sets."""
    T = int(options["length"])
    parts: list[str] = []
    while sum(len(p) for p in parts) < T + 1:
        parts.append(embedded_reber_string(rng))
    stream = "".join(parts)[: T + 1]
    codes = np.array([INDEX[s] for s in stream], dtype=np.int64)
    allowed = allowed_next(stream[:T])
    extra = {
        "text": stream,
        "vocabulary": list(SYMBOLS),
        # allowed[t]: the symbols the grammar allows at t + 1, in one-hot order
        "allowed": [[s for s in SYMBOLS if s in a] for a in allowed],
        "strings": parts,
    }
    return TaskData(
        "reber",
        "many_to_many",
        one_hot(codes[:T], len(SYMBOLS)),
        None,
        codes[1:],
        "cross_entropy",
        list(SYMBOLS),
        list(SYMBOLS),
        DESCRIPTION,
        extra,
    )


def allowed_mask(task: TaskData) -> np.ndarray:
    """(T, 7) bool: the symbols allowed at each step's target."""
    rows = task.extra["allowed"]
    mask = np.zeros((len(rows), len(SYMBOLS)), dtype=bool)
    for t, row in enumerate(rows):
        mask[t, [INDEX[s] for s in row]] = True
    return mask


def allowed_accuracy(y_hat: np.ndarray, task: TaskData) -> float:
    """Share of steps whose most likely next symbol (argmax of y_hat, (T, 7)) is allowed."""
    mask = allowed_mask(task)
    best = np.argmax(y_hat, axis=1)
    return float(mask[np.arange(mask.shape[0]), best].mean())
