"""Run every bench/bench_*.py, each in its own process, and keep its output in bench/results/.

Each benchmark is a script; it may write its own files into the directory given by the
BENCH_RESULTS environment variable. This dispatcher records each one's console output and
exit code, and a summary.json. Exit code: 1 if any benchmark failed.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"


def run_one(script: Path) -> dict[str, object]:
    """Run `script`, write its output to results/<name>.log, return a summary row."""
    env = os.environ | {"BENCH_RESULTS": str(RESULTS_DIR), "PYTHONPATH": str(BENCH_DIR.parent)}
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, check=False
    )
    seconds = time.perf_counter() - started
    (RESULTS_DIR / f"{script.stem}.log").write_text(result.stdout + result.stderr)
    return {"name": script.stem, "exit_code": result.returncode, "seconds": round(seconds, 2)}


def main() -> int:
    RESULTS_DIR.mkdir(exist_ok=True)
    scripts = sorted(BENCH_DIR.glob("bench_*.py"))
    if not scripts:
        print("no bench/bench_*.py found")
        return 1
    rows = []
    for script in scripts:
        print(f"{script.name} ...", flush=True)
        row = run_one(script)
        rows.append(row)
        status = "ok" if row["exit_code"] == 0 else f"FAILED (exit {row['exit_code']})"
        print(f"  {status} in {row['seconds']} s, log: bench/results/{script.stem}.log")
    (RESULTS_DIR / "summary.json").write_text(json.dumps(rows, indent=2) + "\n")
    return 0 if all(row["exit_code"] == 0 for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
