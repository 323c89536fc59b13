"""Record the engine's frames for the diagram tests: tests/fixtures/diagram_frames.json.

    .venv/bin/python scripts/record_frames.py          # rewrite the fixture
    .venv/bin/python scripts/record_frames.py --check  # exit 1 if the fixture is stale

Each case is a session built the way the server builds one (app.sessions.factory), run
forward over its whole sequence and back through time; the frames are the dicts the server
sends (app.sessions.Session.forward_frame / backward_frame → app.serialize), the parameters
what GET /sessions/{id}/params sends, and `session` the part of GET /sessions/{id} the views
read. Tiny on purpose (D = 2, H = 3, O = 2, T = 4), seeded, so the file stays small and the
same code always writes the same file (tests/test_recorded_frames.py checks that it does).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from lstm_explorer.app.schemas.session import SequenceIn, SessionCreate  # noqa: E402
from lstm_explorer.app.sessions.factory import describe, session_from_config  # noqa: E402
from lstm_explorer.app.settings import Settings  # noqa: E402
from lstm_explorer.engine.spec import param_shapes  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "diagram_frames.json"
D, H, O, T = 2, 3, 2, 4
SEED = 7
# name → (cell, variant, loss, truncate). Every variant, a few combinations, the RNN, and
# truncated BPTT (k = 2: step 2 sends nothing back to step 1).
CASES: dict[str, tuple[str, str, str, int | None]] = {
    "vanilla": ("lstm", "vanilla", "mse", None),
    "NIG": ("lstm", "NIG", "mse", None),
    "NFG": ("lstm", "NFG", "mse", None),
    "NOG": ("lstm", "NOG", "mse", None),
    "NIAF": ("lstm", "NIAF", "mse", None),
    "NOAF": ("lstm", "NOAF", "mse", None),
    "NP": ("lstm", "NP", "mse", None),
    "CIFG": ("lstm", "CIFG", "mse", None),
    "FGR": ("lstm", "FGR", "mse", None),
    "NP+CIFG": ("lstm", "NP+CIFG", "mse", None),
    "NOG+NOAF": ("lstm", "NOG+NOAF", "mse", None),
    "NP+FGR": ("lstm", "NP+FGR", "mse", None),
    "NIG+NFG": ("lstm", "NIG+NFG", "mse", None),
    "vanilla-ce": ("lstm", "vanilla", "cross_entropy", None),
    "vanilla-k2": ("lstm", "vanilla", "mse", 2),
    "FGR-k2": ("lstm", "FGR", "mse", 2),
    "rnn": ("rnn", "vanilla", "mse", None),
    "rnn-k2": ("rnn", "vanilla", "mse", 2),
}
# What the views read of GET /sessions/{id} (the rest is not theirs to depend on).
SESSION_KEYS = ("cell", "variant", "structure", "sizes", "loss", "T", "truncate")


def sequence(loss: str, rng: np.random.Generator) -> SequenceIn:
    """T steps of D inputs; targets at steps 0, 2 and 3 (step 1 has none)."""
    inputs = rng.uniform(-1.0, 1.0, size=(T, D)).round(3).tolist()
    steps = (0, 2, 3)
    if loss == "cross_entropy":
        labels: list[Any] = [int(rng.integers(O)) if t in steps else None for t in range(T)]
        return SequenceIn(inputs=inputs, targets=labels, n_classes=O)
    rows = rng.uniform(-1.0, 1.0, size=(T, O)).round(3).tolist()
    return SequenceIn(inputs=inputs, targets=[rows[t] if t in steps else None for t in range(T)])


def record_case(cell: str, variant: str, loss: str, truncate: int | None) -> dict[str, Any]:
    """One session's info, parameters and every forward and backward frame, as sent."""
    rng = np.random.default_rng(SEED)
    body = SessionCreate(
        cell=cell,
        variant=variant,
        hidden_size=H,
        loss=loss,
        seed=SEED,
        sequence=sequence(loss, rng),
        truncate=truncate,
    )
    session = session_from_config(body, Settings())
    # Uniform parameters, biases and peepholes included: no term of a sum is zero by default.
    spec = session.spec
    session.params = {
        key: rng.uniform(-0.8, 0.8, size=shape).astype(spec.np_dtype)
        for key, shape in param_shapes(spec).items()
    }
    session.rebuild_runner(keep_cursor=False)
    runner = session.runner
    runner.seek(T - 1, "forward")
    runner.seek(0, "backward")
    info = describe(session)
    return {
        "session": {key: info[key] for key in SESSION_KEYS},
        "params": {key: arr.tolist() for key, arr in session.params.items()},
        "forward": [session.forward_frame(t) for t in range(T)],
        "backward": [session.backward_frame(t) for t in range(T)],
    }


def record() -> dict[str, Any]:
    """Every case, keyed by name, in a JSON-ready dict."""
    cases = {name: record_case(*args) for name, args in CASES.items()}
    # Through JSON once: what is compared and written is what a client parses.
    return json.loads(dumps({"about": {"written_by": "scripts/record_frames.py"}, "cases": cases}))


def dumps(data: dict[str, Any]) -> str:
    """One line per frame: small, and a diff names the frames that changed."""
    lines = ["{", f'"about": {json.dumps(data["about"])},', '"cases": {']
    names = list(data["cases"])
    for n, name in enumerate(names):
        case = data["cases"][name]
        lines.append(f"{json.dumps(name)}: {{")
        lines.append(f'"session": {json.dumps(case["session"])},')
        lines.append(f'"params": {json.dumps(case["params"])},')
        for part in ("forward", "backward"):
            frames = ",\n".join(json.dumps(f, allow_nan=False) for f in case[part])
            lines.append(f'"{part}": [\n{frames}\n]' + ("," if part == "forward" else ""))
        lines.append("}" + ("," if n < len(names) - 1 else ""))
    lines.append("}}")
    return "\n".join(lines) + "\n"


def differences(a: Any, b: Any, where: str = "") -> list[str]:
    """Where two JSON values differ (numbers to 1e-9 relative: another BLAS may round last bits)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{where}.{k}: only in one" for k in sorted(set(a) ^ set(b))]
        for k in a.keys() & b.keys():
            out += differences(a[k], b[k], f"{where}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: length {len(a)} != {len(b)}"]
        return [
            d
            for k, (x, y) in enumerate(zip(a, b, strict=True))
            for d in differences(x, y, f"{where}[{k}]")
        ]
    numbers = (int, float)
    if (
        isinstance(a, numbers)
        and isinstance(b, numbers)
        and not isinstance(a, bool)
        and not isinstance(b, bool)
    ):
        return [] if math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) else [f"{where}: {a} != {b}"]
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the fixture is stale")
    args = parser.parse_args()
    data = record()
    if args.check:
        stale = differences(json.loads(FIXTURE.read_text()), data)
        for line in stale[:20]:
            print(line)
        return 1 if stale else 0
    FIXTURE.write_text(dumps(data))
    print(f"wrote {FIXTURE.relative_to(ROOT)} ({FIXTURE.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
