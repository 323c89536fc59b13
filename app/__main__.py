"""`python -m app` is the same as the `lstm-explorer` command."""

from app.cli import main

raise SystemExit(main())
