"""Development-only helpers for tests/ and bench/: never installed, never in the image."""
