"""LSTM Explorer web application (FastAPI)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lstm-explorer")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
