"""The memory budget of one worker's sessions, and what one session counts against it.

Default: half of the memory the machine (or its container's cgroup) has, shared among the
workers `lstm-explorer serve` starts. A session counts its estimate from app/memory_limit.py
(whole trace kept, trained), the same figure max_session_bytes bounds.
"""

from __future__ import annotations

import os
from pathlib import Path

from lstm_explorer.app.memory_limit import session_bytes
from lstm_explorer.app.sessions.session import Session
from lstm_explorer.app.settings import Settings

FRACTION = 0.5  # the rest: the interpreter, numpy's scratch, requests in flight, the OS
_CGROUP_FILES = (
    Path("/sys/fs/cgroup/memory.max"),  # cgroup v2
    Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"),  # cgroup v1
)


def machine_memory_bytes() -> int:
    """Physical memory, or the container's limit when that is lower."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for path in _CGROUP_FILES:
        try:
            text = path.read_text().strip()
        except OSError:
            continue
        if text.isdigit():
            total = min(total, int(text))  # v1 reports an enormous number when unlimited
    return total


def total_session_budget(settings: Settings) -> int:
    """max_total_session_bytes, or FRACTION of the machine's memory over the workers."""
    if settings.max_total_session_bytes is not None:
        return settings.max_total_session_bytes
    return int(FRACTION * machine_memory_bytes() / settings.workers)


def session_cost(session: Session) -> int:
    """Bytes a session counts against the budget (its estimate once stepped and trained)."""
    spec = session.spec
    sizes = (spec.input_size, spec.hidden_size, spec.output_size, session.T)
    return session_bytes(sizes, spec.num_layers)
