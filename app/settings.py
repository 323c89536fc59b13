"""All settings of the app, read from the environment (prefix LSTM_EXPLORER_)."""

from pathlib import Path
from typing import Literal

from pydantic import Field, PositiveInt
from pydantic_settings import BaseSettings, SettingsConfigDict

# In a source checkout (editable install) templates/ and static/ sit next to app/.
# A regular install (the Docker image) points at them through the environment.
REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every limit the server enforces, and where it finds its pages."""

    model_config = SettingsConfigDict(env_prefix="LSTM_EXPLORER_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)

    max_hidden_size: PositiveInt = 512
    max_input_size: PositiveInt = 256
    max_output_size: PositiveInt = 256
    max_sequence_length: PositiveInt = 2000
    max_sessions: PositiveInt = 200
    # Estimated memory one session may keep (app/memory_limit.py); all sessions together
    # stay under max_sessions × max_session_bytes.
    max_session_bytes: PositiveInt = 256 * 1024 * 1024
    session_idle_seconds: PositiveInt = 1800
    max_request_bytes: PositiveInt = 8 * 1024 * 1024
    max_upload_bytes: PositiveInt = 8 * 1024 * 1024
    max_train_updates_per_call: PositiveInt = 1000
    max_ws_message_bytes: PositiveInt = 65536
    max_ws_commands_per_second: PositiveInt = 50

    # Empty means no CORS middleware at all: the page is served by this same origin.
    cors_origins: list[str] = []
    log_level: Literal["critical", "error", "warning", "info", "debug"] = "info"

    static_dir: Path = REPO_ROOT / "static"
    templates_dir: Path = REPO_ROOT / "templates"
