"""Class labels of a sequence sent as JSON, checked before the engine sizes a readout by them.

The number of classes O is the largest label + 1 (or n_classes): without this check a label of
10⁹ makes the engine build 10⁹ class names, and 10²⁰ does not fit an int64 at all.
"""

from __future__ import annotations

from collections.abc import Sequence

from lstm_explorer.app.limits import check_limit
from lstm_explorer.app.settings import Settings
from lstm_explorer.engine.errors import FieldError


def check_class_labels(
    targets: Sequence[object], n_classes: int | None, settings: Settings
) -> None:
    """FieldError naming the entry (or n_classes) and max_output_size when O would be too large."""
    limit = settings.max_output_size
    if n_classes is not None:
        check_limit(("sequence", "n_classes"), n_classes, "max_output_size", limit)
    for t, entry in enumerate(targets):
        if isinstance(entry, int) and not isinstance(entry, bool) and entry >= limit:
            raise FieldError(
                ("sequence", "targets", t),
                f"label {entry} needs more than {limit} classes, the limit max_output_size={limit}",
            )
