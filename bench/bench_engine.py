"""The NumPy engine against PyTorch: per-step forward, forward + full BPTT, trace memory.

Run in an environment with torch (never a dependency of the project itself):
    PYTHONPATH=. .venv-torch/bin/python bench/bench_engine.py [--quick] [--repeats N]
Batch 1, float64 engine (variant NP, the one PyTorch has), H ∈ {8, 32, 128, 512}, T ∈ {100, 1000}.
Every contender runs in this process with the same thread count; each time is the median of
several repeats. Writes bench/results/engine.md (or $BENCH_RESULTS/engine.md) and prints it.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from lstm_explorer.engine.problem import Problem as EngineProblem
from lstm_explorer.engine.readout import Targets, make_targets
from lstm_explorer.engine.runner import Runner
from lstm_explorer.engine.spec import ModelSpec, param_shapes
from lstm_explorer.engine.variants import Variant

D, O = 32, 8
HIDDEN = (8, 32, 128, 512)
LENGTHS = (100, 1000)
RESULTS = Path(os.environ.get("BENCH_RESULTS", Path(__file__).resolve().parent / "results"))


# ----------------------------------------------------------------- environment
def numpy_threads() -> tuple[int, str]:
    """BLAS threads numpy uses, and a one-line description (threadpoolctl when installed)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        n = os.cpu_count() or 1
        return n, f"threadpoolctl not installed; assuming {n} BLAS threads"
    pools = threadpool_info()
    blas = [p for p in pools if p["user_api"] == "blas"]
    n = blas[0]["num_threads"] if blas else os.cpu_count() or 1
    text = "; ".join(
        f"{p['internal_api']} {p.get('version')} {p.get('architecture', '')} "
        f"threads={p['num_threads']} ({Path(p['filepath']).name})"
        for p in pools
    )
    return n, text


def environment(threads_text: str) -> list[str]:
    blas_env = {k: v for k, v in os.environ.items() if k.startswith(("OPENBLAS", "OMP_", "MKL_"))}
    return [
        f"- python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}",
        f"- CPU: {cpu_name()} ({os.cpu_count()} logical), torch threads {torch.get_num_threads()}",
        f"- thread pools: {threads_text}",
        f"- BLAS environment: {blas_env or 'none set'}",
        f"- load average when the run started / ended: {LOAD_AT_START} / {load_average()}",
    ]


def load_average() -> str:
    """The 1-minute load average: other processes on the machine make every timing noisier."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "unknown"


LOAD_AT_START = load_average()


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


# ----------------------------------------------------------------- problems
@dataclass
class Problem:
    H: int
    T: int
    spec: ModelSpec
    params: dict[str, np.ndarray]
    inputs: np.ndarray
    targets: np.ndarray
    parsed: Targets  # parsed once, outside the timings, as torch's target tensor is built once


def make_problem(H: int, T: int, variant: str = "NP", dtype: str = "float64") -> Problem:
    spec = ModelSpec("lstm", D, H, O, variant=Variant.parse(variant), dtype=dtype)
    rng = np.random.default_rng(H * 7919 + T)
    scale = 1.0 / np.sqrt(H)  # nn.LSTM's init range
    params = {k: rng.uniform(-scale, scale, s) for k, s in param_shapes(spec).items()}
    inputs, targets = rng.standard_normal((T, D)), rng.standard_normal((T, O))
    parsed = make_targets(targets, "mse", T, O)
    return Problem(H, T, spec, params, inputs, targets, parsed)


def settle() -> None:
    """Let the other library's idle worker threads stop spinning before the next contender."""
    time.sleep(0.3)


def timings(fns: list[Callable[[], object]], repeats: int, pause: bool) -> list[list[float]]:
    """Seconds of each run of each function; the repeats go round-robin so all meet one load."""
    times: list[list[float]] = [[] for _ in fns]
    for rep in range(repeats + 1):  # round 0 is the warm-up (allocations, first-call dispatch)
        for fn, spent in zip(fns, times, strict=True):
            if pause:
                settle()
            start = time.perf_counter()
            fn()
            if rep:
                spent.append(time.perf_counter() - start)
    return times


# ----------------------------------------------------------------- contenders
def engine_forward(p: Problem) -> Callable[[], object]:
    def run() -> Runner:
        runner = Runner(EngineProblem.build(p.spec, p.params, p.inputs, p.parsed))
        runner.run_forward()
        return runner

    return run


def engine_forward_backward(p: Problem) -> Callable[[], object]:
    def run() -> dict[str, np.ndarray]:
        runner = Runner(EngineProblem.build(p.spec, p.params, p.inputs, p.parsed))
        runner.run_forward()
        runner.run_backward()
        return runner.grads()

    return run


def torch_modules(p: Problem, dtype: torch.dtype) -> tuple[torch.nn.LSTM, torch.nn.Linear]:
    """nn.LSTM + nn.Linear carrying the same weights as the engine (DESIGN.md mapping)."""
    lstm, readout = torch.nn.LSTM(D, p.H).to(dtype), torch.nn.Linear(p.H, O).to(dtype)
    gates = ("i", "f", "z", "o")  # nn.LSTM's row order i, f, g, o; its g is z
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.tensor(np.concatenate([p.params[f"W_{g}"] for g in gates])))
        lstm.weight_hh_l0.copy_(torch.tensor(np.concatenate([p.params[f"R_{g}"] for g in gates])))
        lstm.bias_ih_l0.copy_(torch.tensor(np.concatenate([p.params[f"b_{g}"] for g in gates])))
        lstm.bias_hh_l0.zero_()
        readout.weight.copy_(torch.tensor(p.params["V"]))
        readout.bias.copy_(torch.tensor(p.params["b_V"]))
    return lstm, readout


def torch_forward_backward(p: Problem, dtype: torch.dtype) -> Callable[[], object]:
    lstm, readout = torch_modules(p, dtype)
    x = torch.tensor(p.inputs, dtype=dtype)[:, None, :]
    target = torch.tensor(p.targets, dtype=dtype)

    def run() -> None:
        lstm.zero_grad(set_to_none=True)
        readout.zero_grad(set_to_none=True)
        v = readout(lstm(x)[0][:, 0])
        (0.5 * ((v - target) ** 2).sum()).backward()

    return run


def torch_cell_loop(p: Problem, dtype: torch.dtype) -> Callable[[], object]:
    """nn.LSTMCell + nn.Linear stepped in a Python loop, forward only (no_grad)."""
    lstm, readout = torch_modules(p, dtype)
    cell = torch.nn.LSTMCell(D, p.H).to(dtype)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(getattr(lstm, f"{name}_l0"))
    x = torch.tensor(p.inputs, dtype=dtype)[:, None, :]

    def run() -> None:
        with torch.no_grad():
            h = torch.zeros(1, p.H, dtype=dtype)
            c = torch.zeros(1, p.H, dtype=dtype)
            for t in range(p.T):
                h, c = cell(x[t], (h, c))
                readout(h)

    return run


def check_agreement(p: Problem) -> float:
    """Largest |Δ| between the engine's and torch float64's gradient of V (the mapping is right)."""
    runner = Runner(EngineProblem.build(p.spec, p.params, p.inputs, p.parsed))
    runner.run_forward()
    runner.run_backward()
    lstm, readout = torch_modules(p, torch.float64)
    v = readout(lstm(torch.tensor(p.inputs)[:, None, :])[0][:, 0])
    (0.5 * ((v - torch.tensor(p.targets)) ** 2).sum()).backward()
    assert readout.weight.grad is not None
    return float(np.max(np.abs(runner.grads()["dV"] - readout.weight.grad.numpy())))


# ----------------------------------------------------------------- memory
def trace_memory(p: Problem) -> tuple[float, float, float]:
    """Bytes per stored step (trace arrays), total trace bytes, and tracemalloc's peak (bytes)."""
    tracemalloc.start()
    runner = Runner(EngineProblem.build(p.spec, p.params, p.inputs, p.parsed))
    runner.run_forward()
    runner.run_backward()
    grads = runner.grads()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    comp = runner.comp
    per_step = [  # arrays with one row per step that own their memory (views counted once)
        a
        for a in vars(comp).values()
        if isinstance(a, np.ndarray) and a.shape[:1] == (p.T,) and a.base is None
    ]
    total = sum(a.nbytes for a in per_step)
    del grads
    return total / p.T, float(total), float(peak)


# ----------------------------------------------------------------- the table
@dataclass
class Row:
    H: int
    T: int
    engine_step_us: float
    cell_step_us: float
    engine_fb_ms: float
    engine32_fb_ms: float
    torch64_fb_ms: float
    torch32_fb_ms: float
    max_grad_diff: float


def measure(H: int, T: int, repeats: int, threads: int) -> dict[str, Row]:
    """The row of medians and the row of minima (the runs least disturbed by other load)."""
    p = make_problem(H, T)
    r = max(3, repeats if T * H <= 100 * 512 else repeats // 2)
    contenders = [
        engine_forward(p),
        torch_cell_loop(p, torch.float64),
        engine_forward_backward(p),
        engine_forward_backward(make_problem(H, T, dtype="float32")),
        torch_forward_backward(p, torch.float64),
        torch_forward_backward(p, torch.float32),
    ]
    # with worker threads, let the previous library's idle workers stop spinning first
    runs = timings(contenders, r, pause=threads > 1)
    agreement = check_agreement(p)
    rows = {}
    for name, stat in (("median", statistics.median), ("min", min)):
        fwd, cell, fb, fb32, t64, t32 = (stat(spent) for spent in runs)
        rows[name] = Row(
            H,
            T,
            fwd / T * 1e6,
            cell / T * 1e6,
            fb * 1e3,
            fb32 * 1e3,
            t64 * 1e3,
            t32 * 1e3,
            agreement,
        )
    return rows


def table(rows: list[Row]) -> list[str]:
    lines = [
        "| H | T | engine fwd µs/step | LSTMCell loop µs/step | × | engine fwd+BPTT ms "
        "| torch f64 ms | × (≥3) | torch f32 ms | engine/f32 (≤1.5 at H≥128) "
        "| engine f32 ms | engine f32/torch f32 | max|ΔdV| |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.H} | {r.T} | {r.engine_step_us:.1f} | {r.cell_step_us:.1f} "
            f"| {r.cell_step_us / r.engine_step_us:.2f} | {r.engine_fb_ms:.2f} "
            f"| {r.torch64_fb_ms:.2f} | {r.torch64_fb_ms / r.engine_fb_ms:.2f} "
            f"| {r.torch32_fb_ms:.2f} | {r.engine_fb_ms / r.torch32_fb_ms:.2f} "
            f"| {r.engine32_fb_ms:.2f} | {r.engine32_fb_ms / r.torch32_fb_ms:.2f} "
            f"| {r.max_grad_diff:.1e} |"
        )
    return lines


def verdicts(rows: list[Row]) -> list[str]:
    fb = all(r.torch64_fb_ms / r.engine_fb_ms >= 3 for r in rows)
    f32 = all(r.engine_fb_ms / r.torch32_fb_ms <= 1.5 for r in rows if r.H >= 128)
    step = all(r.cell_step_us > r.engine_step_us for r in rows)
    mark = {True: "met", False: "NOT met"}
    return [
        f"- forward + full BPTT ≥ 3× faster than nn.LSTM float64 at every size: {mark[fb]}",
        f"- within 1.5× of nn.LSTM float32 at H ≥ 128: {mark[f32]}",
        f"- stepwise forward faster than an nn.LSTMCell loop at every H: {mark[step]}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="T = 100 only, 3 repeats")
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument(
        "--threads", type=int, help="limit numpy's BLAS (threadpoolctl) and torch to N threads"
    )
    args = parser.parse_args()
    if args.threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads)
    threads, threads_text = numpy_threads()
    torch.set_num_threads(threads)
    lengths = (100,) if args.quick else LENGTHS
    repeats = 3 if args.quick else args.repeats
    rows: dict[str, list[Row]] = {"median": [], "min": []}
    for T in lengths:
        for H in HIDDEN:
            for name, row in measure(H, T, repeats, threads).items():
                rows[name].append(row)
            print(table(rows["median"][-1:])[-1], flush=True)
    per_step, total, peak = trace_memory(make_problem(512, 1000))
    lines = [
        "# Engine benchmark",
        "",
        f"Batch 1, D = {D}, O = {O}, MSE at every step; engine float64, variant NP (nn.LSTM's).",
        "Medians of repeats in one process, the contenders taking turns (round-robin) so that",
        "all meet the same machine load; × = how many times faster the engine is.",
        "Engine times include building the Runner (validation, input projections, trace);",
        "targets are parsed once beforehand, as torch's target tensor is built once.",
        "engine f32: the same engine with dtype float32, beside torch f32.",
        "LSTMCell loop: nn.LSTMCell + nn.Linear stepped in Python under no_grad, float64.",
        "torch fwd+BPTT: nn.LSTM + nn.Linear forward, MSE, autograd backward.",
        "",
        *environment(threads_text),
        "",
        "## Medians",
        "",
        *table(rows["median"]),
        "",
        *verdicts(rows["median"]),
        "",
        "## Minima (each contender's least disturbed run: on a shared machine the steadier view)",
        "",
        *table(rows["min"]),
        "",
        *verdicts(rows["min"]),
        "",
        "## Trace memory (T = 1000, H = 512, forward + full BPTT kept)",
        "",
        f"- stored per step: {per_step / 1024:.1f} KiB",
        f"- trace arrays in total: {total / 2**20:.1f} MiB",
        f"- tracemalloc peak of the whole run (weights, trace, gradients): {peak / 2**20:.1f} MiB",
        "",
    ]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "engine.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
