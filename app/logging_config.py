"""One logging setup for the app and uvicorn, so every line has the same format."""

import logging.config
from typing import Any

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def build_log_config(level: str) -> dict[str, Any]:
    """A dictConfig for the root, uvicorn and app loggers at `level`."""
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": {"format": _FORMAT}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            # uvicorn attaches its own handlers unless told otherwise; route all to root.
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.access": {"handlers": [], "level": level, "propagate": True},
        },
    }


def configure_logging(level: str) -> None:
    """Apply build_log_config(level) to this process."""
    logging.config.dictConfig(build_log_config(level))
