"""The `lstm-explorer` command: `lstm-explorer serve --host H --port P [--reload]`."""

import argparse
from collections.abc import Sequence

import uvicorn

from app.logging_config import build_log_config, configure_logging
from app.settings import Settings


def build_parser(settings: Settings) -> argparse.ArgumentParser:
    """Parser whose defaults come from the environment (LSTM_EXPLORER_HOST, ..._PORT)."""
    parser = argparse.ArgumentParser(prog="lstm-explorer", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the web server")
    serve.add_argument("--host", default=settings.host, help="address to bind (%(default)s)")
    serve.add_argument("--port", type=int, default=settings.port, help="port (%(default)s)")
    serve.add_argument("--reload", action="store_true", help="restart when code changes")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script and of `python -m app`."""
    settings = Settings()
    args = build_parser(settings).parse_args(argv)
    configure_logging(settings.log_level)
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        reload=args.reload,
        log_config=build_log_config(settings.log_level),
        # uvicorn would otherwise read stream messages of up to 16 MiB before the app's
        # own max_ws_message_bytes check sees them; twice the limit keeps the app's clear
        # error frame for messages just over it.
        ws_max_size=2 * settings.max_ws_message_bytes,
        ws_per_message_deflate=False,  # ~10x the cost on small frames (bench_stream.py)
    )
    return 0
