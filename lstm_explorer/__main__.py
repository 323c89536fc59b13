"""`python -m lstm_explorer` is the same as the `lstm-explorer` command."""

from lstm_explorer.app.cli import main

raise SystemExit(main())
