"""Size checks against the settings; each failure is a FieldError naming the field and the
limit (→ 422)."""

from __future__ import annotations

from lstm_explorer.app.memory_limit import check_session_memory
from lstm_explorer.app.settings import Settings
from lstm_explorer.engine.errors import FieldError, Loc

# Where each of (D, H, O, T) comes from in a session config, for the error's loc.
CONFIG_FIELDS: tuple[Loc, Loc, Loc, Loc] = (
    ("input_size",),
    ("hidden_size",),
    ("output_size",),
    ("T",),
)


def check_limit(loc: Loc | str, value: int, setting: str, limit: int) -> None:
    """FieldError at `loc`: 'value exceeds the limit setting=limit' when value > limit."""
    if value > limit:
        raise FieldError(loc, f"{value} exceeds the limit {setting}={limit}")


def check_sizes(
    settings: Settings,
    sizes: tuple[int, int, int, int],
    fields: tuple[Loc, Loc, Loc, Loc] = CONFIG_FIELDS,
    num_layers: int = 1,
) -> None:
    """(D, H, O, T) against max_input_size, max_hidden_size, max_output_size, max_sequence_length,
    L against max_num_layers, then the memory the session would keep (every layer's); `fields`
    locates each size in the request."""
    limits = (
        ("max_input_size", settings.max_input_size),
        ("max_hidden_size", settings.max_hidden_size),
        ("max_output_size", settings.max_output_size),
        ("max_sequence_length", settings.max_sequence_length),
    )
    for loc, value, (setting, limit) in zip(fields, sizes, limits, strict=True):
        check_limit(loc, value, setting, limit)
    check_limit(("num_layers",), num_layers, "max_num_layers", settings.max_num_layers)
    check_session_memory(settings, sizes, fields[1], num_layers)
