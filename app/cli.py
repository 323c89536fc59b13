"""The `lstm-explorer` command: `lstm-explorer serve --host H --port P [--workers N] [--reload]`,
and `lstm-explorer open m.pt [--csv data.csv]`: the page on that model, in the browser."""

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn
from lstm_explorer.app.logging_config import build_log_config, configure_logging
from lstm_explorer.app.settings import Settings


def build_parser(settings: Settings) -> argparse.ArgumentParser:
    """Parser whose defaults come from the environment (LSTM_EXPLORER_HOST, _PORT, _WORKERS)."""
    parser = argparse.ArgumentParser(prog="lstm-explorer", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the web server")
    serve.add_argument("--host", default=settings.host, help="address to bind (%(default)s)")
    serve.add_argument("--port", type=int, default=settings.port, help="port (%(default)s)")
    serve.add_argument(
        "--workers",
        type=int,
        default=settings.workers,
        help="processes (%(default)s); more than one needs LSTM_EXPLORER_REDIS_URL",
    )
    serve.add_argument("--reload", action="store_true", help="restart when code changes")
    add_open_parser(commands)
    return parser


def add_open_parser(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """`open MODEL [--csv FILE]`: a session from the file, the page in the browser."""
    command = commands.add_parser(
        "open",
        help="serve the page on a model file (.pt/.pth, .keras, .h5, .npz, .safetensors, .json)",
    )
    command.add_argument("model", type=Path, help="the file torch.save or model.save wrote")
    command.add_argument("--csv", type=Path, help="the input series: x… and target… columns")
    command.add_argument("--loss", choices=("mse", "cross_entropy"), help="default: mse")
    command.add_argument("--host", default="127.0.0.1", help="address to bind (%(default)s)")
    command.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    command.add_argument(
        "--no-browser",
        action="store_true",
        help="print the address only (also: LSTM_EXPLORER_NO_BROWSER=1)",
    )


def check_workers(workers: int, reload: bool, settings: Settings) -> str | None:
    """Why these workers cannot start, or None."""
    if workers < 1:
        return f"--workers: expected at least 1, got {workers}"
    if workers > 1 and reload:
        return "--workers: --reload runs a single process; drop one of them"
    if workers > 1 and not settings.redis_url:
        return (
            f"--workers {workers} needs a session store the workers share: without one each "
            "worker keeps its own sessions and a request that lands on another worker gets a "
            "404. Set LSTM_EXPLORER_REDIS_URL=redis://HOST:6379/0, or run one worker."
        )
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script and of `python -m lstm_explorer`."""
    settings = Settings()
    args = build_parser(settings).parse_args(argv)
    if args.command == "open":
        from lstm_explorer.app.cli_open import run_open  # the server in this process

        return run_open(args, settings)
    problem = check_workers(args.workers, args.reload, settings)
    if problem:
        print(f"lstm-explorer: {problem}", file=sys.stderr)  # noqa: T201 - a CLI's own message
        return 2
    # Workers are started by uvicorn and read their settings from the environment: each one's
    # default memory budget is its share of the machine (app/sessions/budget.py).
    os.environ["LSTM_EXPLORER_WORKERS"] = str(args.workers)
    configure_logging(settings.log_level)
    uvicorn.run(
        "lstm_explorer.app.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        reload=args.reload,
        # the page's files too: a new hash, a new address for them (app/static_assets.py)
        reload_includes=["*.py", "*.js", "*.css", "*.html"] if args.reload else None,
        log_config=build_log_config(settings.log_level),
        # X-Forwarded-For is read by the app, from settings.trusted_proxies only
        # (app/sessions/clients.py); uvicorn would trust it from 127.0.0.1 by default.
        proxy_headers=False,
        # uvicorn would otherwise read stream messages of up to 16 MiB before the app's
        # own max_ws_message_bytes check sees them; twice the limit keeps the app's clear
        # error frame for messages just over it.
        ws_max_size=2 * settings.max_ws_message_bytes,
        ws_per_message_deflate=False,  # ~10x the cost on small frames (bench_stream.py)
    )
    return 0
