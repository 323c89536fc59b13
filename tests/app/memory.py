"""Memory measurements for the reliability tests: Python heap (tracemalloc) around a workload."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable


def heap_growth(workload: Callable[[], None], warmup: int = 20, rounds: int = 200) -> int:
    """Bytes the traced heap grew by over `rounds` calls of `workload`, after `warmup` calls.

    The warm-up fills caches (schemas, compiled regexes, connection pools) so that what is left
    is growth per request: a leak of even 1 KB per call would show as 200 KB here.
    """
    for _ in range(warmup):
        workload()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(rounds):
            workload()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return after - before


def rss_kib(pid: int | str = "self") -> int:
    """Resident set size of a process, from /proc/<pid>/status."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")
