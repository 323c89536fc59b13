"""Size checks against the settings; each failure names the field and the limit (→ 422)."""

from __future__ import annotations

from app.memory_limit import check_session_memory
from app.settings import Settings

# Where each size comes from in a request, for the error message's field name.
CONFIG_FIELDS = ("input_size", "hidden_size", "output_size", "T")


def check_limit(field: str, value: int, setting: str, limit: int) -> None:
    """ValueError 'field: value exceeds the limit setting=limit' when value > limit."""
    if value > limit:
        raise ValueError(f"{field}: {value} exceeds the limit {setting}={limit}")


def check_sizes(
    settings: Settings,
    sizes: tuple[int, int, int, int],
    fields: tuple[str, str, str, str] = CONFIG_FIELDS,
) -> None:
    """(D, H, O, T) against max_input_size, max_hidden_size, max_output_size, max_sequence_length."""
    limits = (
        ("max_input_size", settings.max_input_size),
        ("max_hidden_size", settings.max_hidden_size),
        ("max_output_size", settings.max_output_size),
        ("max_sequence_length", settings.max_sequence_length),
    )
    for field, value, (setting, limit) in zip(fields, sizes, limits, strict=True):
        check_limit(field, value, setting, limit)
    check_session_memory(settings, sizes)
