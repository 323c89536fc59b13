"""All settings of the app, read from the environment (prefix LSTM_EXPLORER_)."""

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, PositiveInt, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# templates/ and static/ sit next to app/: at the repository's root in a source tree, inside
# the lstm_explorer package in an installed wheel (pyproject.toml maps both).
PACKAGE_ROOT = Path(__file__).resolve().parent.parent
# An origin a page may be framed by: http(s)://host[:port], the host a name, IPv4 or [IPv6].
_ORIGIN = re.compile(
    r"^https?://(?:[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?|\[[0-9a-f:.]+\])(?::(?P<port>\d{1,5}))?$"
)


class Settings(BaseSettings):
    """Every limit the server enforces, and where it finds its pages."""

    model_config = SettingsConfigDict(env_prefix="LSTM_EXPLORER_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)

    max_hidden_size: PositiveInt = 512
    max_num_layers: PositiveInt = 4  # stacked layers L of a session or a /trace request
    max_input_size: PositiveInt = 256
    max_output_size: PositiveInt = 256
    max_sequence_length: PositiveInt = 2000
    max_sessions: PositiveInt = 200
    # Estimated memory one session may keep (app/memory_limit.py); all sessions of a worker
    # together stay under max_total_session_bytes.
    max_session_bytes: PositiveInt = 256 * 1024 * 1024
    session_idle_seconds: PositiveInt = 1800
    # One client address may keep this many sessions; past it its own least recently used one
    # goes, so one client cannot evict a class. Students behind one NAT address share it: raise it there.
    max_sessions_per_client: PositiveInt = 20
    # Estimated bytes of all sessions one worker keeps in memory; past it the least recently
    # used leave memory (with Redis their compact state stays there). None: a safe fraction of
    # the machine's memory, read at start (app/sessions/budget.py).
    max_total_session_bytes: PositiveInt | None = None
    # Addresses of reverse proxies whose X-Forwarded-For names the real client; from anyone
    # else the header is ignored (a client could claim any address with it).
    trusted_proxies: list[str] = []
    max_request_bytes: PositiveInt = 8 * 1024 * 1024
    max_upload_bytes: PositiveInt = 8 * 1024 * 1024
    max_train_updates_per_call: PositiveInt = 1000
    max_ws_message_bytes: PositiveInt = 65536
    max_ws_commands_per_second: PositiveInt = 50

    # Redis shared by every worker and machine, e.g. redis://127.0.0.1:6379/0; None keeps the
    # sessions in this process's memory (one worker only).
    redis_url: str | None = None
    redis_key_prefix: str = "lstm-explorer"
    # Socket timeouts: a Redis that does not answer gives a 503 after this, never a hang.
    redis_timeout_seconds: float = Field(default=2.0, gt=0, le=60)
    # Connections one worker opens to Redis at most; past it requests wait (up to the timeout).
    redis_max_connections: PositiveInt = 64
    # A session's lock in Redis expires after this unless its holder renews it (a worker that
    # died holding one blocks that session for at most this long).
    redis_lock_seconds: float = Field(default=10.0, gt=0, le=600)
    # How long a request waits for a session another worker is using, then 503.
    redis_lock_wait_seconds: float = Field(default=30.0, gt=0, le=600)
    # Processes `lstm-explorer serve` starts; more than one needs redis_url.
    workers: PositiveInt = 1

    # Empty means no CORS middleware at all: the page is served by this same origin.
    cors_origins: list[str] = []
    # Origins whose pages may show this one in an <iframe> (a local Jupyter, for explore());
    # empty: no page may frame it (X-Frame-Options: DENY, frame-ancestors 'none').
    frame_ancestors: list[str] = []
    log_level: Literal["critical", "error", "warning", "info", "debug"] = "info"

    static_dir: Path = PACKAGE_ROOT / "static"
    templates_dir: Path = PACKAGE_ROOT / "templates"

    @field_validator("frame_ancestors")
    @classmethod
    def _check_frame_ancestors(cls, origins: list[str]) -> list[str]:
        return [frame_origin(o) for o in origins]


def frame_origin(origin: str) -> str:
    """`origin` as a frame-ancestors source (lower case), or ValueError saying what is wrong."""
    value = origin.strip().lower()
    m = _ORIGIN.match(value)
    if m and (m["port"] is None or 1 <= int(m["port"]) <= 65535):
        return value
    raise ValueError(
        f"{origin[:100]!r} is not an origin a page may be framed by: expected "
        "scheme://host[:port] with scheme http or https, e.g. http://localhost:8888 "
        "(no wildcard, no path, no trailing slash)"
    )
