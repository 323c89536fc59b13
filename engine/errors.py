"""The engine's one error type for bad input: it carries the path of the field it is about."""

from __future__ import annotations

Loc = tuple[str | int, ...]


class FieldError(ValueError):
    """Bad input, located: `loc` is the field's path (("params", "W_z"), ("targets", 3), ...).

    str() reads "params.W_z: expected shape (8, 1), got (8, 2)", so a message still names its
    field where no loc is shown (logs, the stream's error frames). The edge (app/errors.py)
    turns this, and only this, into a 422 with `loc` taken from the tuple, never from the text.
    """

    def __init__(self, loc: Loc | str, message: str) -> None:
        self.loc: Loc = (loc,) if isinstance(loc, str) else tuple(loc)
        self.message = message
        super().__init__(f"{format_loc(self.loc)}: {message}" if self.loc else message)

    def within(self, *prefix: str | int) -> FieldError:
        """The same error, located under `prefix` (a nested request field)."""
        return FieldError((*prefix, *self.loc), self.message)

    def relocated(self, old: Loc, new: Loc) -> FieldError:
        """The same error with a leading `old` path replaced by `new` (an option moved in the API)."""
        if self.loc[: len(old)] == old:
            return FieldError((*new, *self.loc[len(old) :]), self.message)
        return self


def format_loc(loc: Loc) -> str:
    """("params", "W_z") → "params.W_z"; ("targets", 3) → "targets[3]"."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out
