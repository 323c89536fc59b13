"""LSTM Explorer: watch an LSTM or a simple RNN compute, step by step, forward and backward.

The package's one top-level name. Its parts are `lstm_explorer.engine` (NumPy), `lstm_explorer.app`
(FastAPI) and the page's `static` and `templates`. The wheel installs them inside this folder; in
the repository they stand beside it (the layout the client fixed: app/, engine/, static/,
templates/ at the top), so there this package's search path also holds the repository's root.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

PACKAGE_DIR = Path(__file__).resolve().parent
if not (PACKAGE_DIR / "engine").is_dir():  # a source tree (or an editable install of one)
    __path__.append(str(PACKAGE_DIR.parent))

if TYPE_CHECKING:
    from lstm_explorer.app.notebook import Exploration, explore


def __getattr__(name: str) -> Any:
    # explore() pulls in the server; `import lstm_explorer` alone must stay cheap.
    if name in ("explore", "Exploration"):
        from lstm_explorer.app import notebook

        return getattr(notebook, name)
    raise AttributeError(f"module 'lstm_explorer' has no attribute {name!r}")


__all__ = ["Exploration", "explore"]
