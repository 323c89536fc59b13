"""The diagram tests' frames (tests/fixtures/diagram_frames.json) are the engine's, today.

tests/browser/test_diagrams.py checks every number the views draw against that fixture; this
test records the frames again, in process, exactly as scripts/record_frames.py writes them,
and fails when the committed file differs: a change to the engine, the serializer or the
frame keys must come with `python scripts/record_frames.py`.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def recorder() -> ModuleType:
    """scripts/record_frames.py as a module (scripts/ is not a package)."""
    path = ROOT / "scripts" / "record_frames.py"
    spec = importlib.util.spec_from_file_location("record_frames", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("record_frames", module)
    spec.loader.exec_module(module)
    return module


def test_the_committed_frames_are_what_the_engine_sends_today() -> None:
    rec = recorder()
    committed = json.loads(rec.FIXTURE.read_text())
    stale = rec.differences(committed, rec.record())
    assert stale == [], (
        "tests/fixtures/diagram_frames.json is stale; run .venv/bin/python scripts/record_frames.py\n"
        + "\n".join(stale[:20])
    )


def test_every_case_has_a_frame_per_step_each_way() -> None:
    rec = recorder()
    cases = json.loads(rec.FIXTURE.read_text())["cases"]
    assert set(cases) == set(rec.CASES)
    for name, case in cases.items():
        T = case["session"]["T"]
        assert [f["t"] for f in case["forward"]] == list(range(T)), name
        assert [f["t"] for f in case["backward"]] == list(range(T)), name
        assert {f["type"] for f in case["forward"]} == {"forward"}, name
        assert {f["type"] for f in case["backward"]} == {"backward"}, name


def test_the_comparison_notices_a_changed_number_and_a_missing_key() -> None:
    rec = recorder()
    a = {"deltas": {"dy": [0.5, -0.25], "dc": [1.0]}}
    assert rec.differences(a, json.loads(json.dumps(a))) == []
    assert rec.differences(a, {"deltas": {"dy": [0.5, -0.2500001], "dc": [1.0]}}) != []
    assert rec.differences(a, {"deltas": {"dy": [0.5, -0.25]}}) == [".deltas.dc: only in one"]
