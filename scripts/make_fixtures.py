"""Write the reference fixtures of tests/engine/test_reference_fixtures.py (needs torch).

Run with the throwaway torch environment:  .venv-torch/bin/python scripts/make_fixtures.py

Three families, all float64, all tiny (D=3, H=4, O=2, T=6), all from fixed seeds:
  greff-*       Greff's equations written again in torch (autograd, not the engine's BPTT) for
                every variant and both losses: per-step forward values, per-step δ's (gradients
                kept on z̄, ī, f̄, ō, c, y, v, x), parameter and initial-state gradients, loss.
  torch_lstm-*  nn.LSTM + nn.Linear with torch's own random init, mapped to the engine's NP
  torch_rnn-*   parameters through DESIGN.md's import mapping; nn.RNN likewise.
  truncated-*   truncated BPTT in torch: the state is detached every k steps.
Each fixture is <name>.npz of plain float64 arrays (np.load(..., allow_pickle=False) reads it);
what the arrays mean (variant, loss, targets, truncation) is in index.json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

D, H, O, T = 3, 4, 2, 6
TARGET_STEPS = (0, 2, 3, 5)  # steps 1 and 4 carry no target
VARIANTS = (
    "vanilla",
    "NIG",
    "NFG",
    "NOG",
    "NIAF",
    "NOAF",
    "NP",
    "CIFG",
    "FGR",
    "NP+CIFG",
    "NP+NIAF",
    "NOG+NOAF",
)
LOSSES = ("mse", "cross_entropy")
FGR_GATES = ("i", "f", "o")
OUT_DIR = Path(__file__).resolve().parent.parent / "tests" / "fixtures"

Tensor = torch.Tensor


# ----------------------------------------------------------------- problem data (numpy seeds)
def switches(variant: str) -> set[str]:
    return set() if variant == "vanilla" else set(variant.split("+"))


def lstm_param_shapes(variant: str) -> dict[str, tuple[int, ...]]:
    """The parameters a variant has, written out from DESIGN.md (not imported from the engine)."""
    off = switches(variant)
    gates = ["z"] + [g for g, key in (("i", "NIG"), ("f", "NFG"), ("o", "NOG")) if key not in off]
    if "CIFG" in off:
        gates.remove("f")
    shapes: dict[str, tuple[int, ...]] = {}
    shapes.update({f"W_{g}": (H, D) for g in gates})
    shapes.update({f"R_{g}": (H, H) for g in gates})
    if "NP" not in off:
        shapes.update({f"p_{g}": (H,) for g in gates if g != "z"})
    shapes.update({f"b_{g}": (H,) for g in gates})
    if "FGR" in off:
        shapes.update({f"R_{a}{b}": (H, H) for b in FGR_GATES for a in FGR_GATES})
    shapes.update(V=(O, H), b_V=(O,))
    return shapes


def problem(loss: str, seed: int) -> tuple[np.ndarray, dict[str, np.ndarray], list]:
    """Inputs, a non-zero initial state, and targets at TARGET_STEPS (None elsewhere)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((T, D))
    state = {"y": rng.uniform(-0.8, 0.8, H), "c": rng.uniform(-0.8, 0.8, H)}
    targets: list = [None] * T
    for t in TARGET_STEPS:
        targets[t] = (
            int(rng.integers(O)) if loss == "cross_entropy" else rng.standard_normal(O).tolist()
        )
    return x, state, targets


def step_loss(v: Tensor, target: object, loss: str) -> Tensor:
    if loss == "cross_entropy":
        return -torch.log_softmax(v, dim=0)[int(target)]  # type: ignore[call-overload]
    diff = v - torch.tensor(target, dtype=torch.float64)
    return 0.5 * (diff * diff).sum()


def leaf(a: np.ndarray) -> Tensor:
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def grad_of(t: Tensor) -> np.ndarray:
    """A kept gradient as numpy; a value the loss never reached has gradient 0."""
    return np.zeros(tuple(t.shape)) if t.grad is None else t.grad.detach().numpy().copy()


# ----------------------------------------------------------------- Greff's LSTM in torch
def greff_lstm(
    variant: str,
    params: dict[str, np.ndarray],
    x_np: np.ndarray,
    state: dict[str, np.ndarray],
    targets: list,
    loss: str,
    truncate: int | None = None,
) -> dict[str, np.ndarray]:
    """Forward step by step with autograd; every per-step value keeps its gradient (retain_grad)."""
    off = switches(variant)
    P = {k: leaf(v) for k, v in params.items()}
    x, y0, c0 = leaf(x_np), leaf(state["y"]), leaf(state["c"])
    y_prev, c_prev = y0, c0
    gates_prev = {g: torch.zeros(H, dtype=torch.float64) for g in FGR_GATES}
    ones = torch.ones(H, dtype=torch.float64)
    steps: list[dict[str, Tensor]] = []
    total = torch.zeros((), dtype=torch.float64)

    def pre(gate: str, xt: Tensor, peep: Tensor | None) -> Tensor:
        a = P[f"W_{gate}"] @ xt + P[f"R_{gate}"] @ y_prev + P[f"b_{gate}"]
        if peep is not None and f"p_{gate}" in P:
            a = a + P[f"p_{gate}"] * peep
        if "FGR" in off and gate != "z":
            for g in FGR_GATES:
                a = a + P[f"R_{g}{gate}"] @ gates_prev[g]
        return a

    for t in range(T):
        if truncate and t > 0 and t % truncate == 0:  # chunk boundary: no error flows back
            y_prev, c_prev = y_prev.detach(), c_prev.detach()
            gates_prev = {g: a.detach() for g, a in gates_prev.items()}
        xt = x[t]
        s: dict[str, Tensor] = {}
        s["z_bar"] = pre("z", xt, None)
        s["z"] = s["z_bar"] if "NIAF" in off else torch.tanh(s["z_bar"])
        if "NIG" in off:
            s["i"] = ones
        else:
            s["i_bar"] = pre("i", xt, c_prev)
            s["i"] = torch.sigmoid(s["i_bar"])
        if "NFG" in off:
            s["f"] = ones
        elif "CIFG" in off:
            s["f"] = 1.0 - s["i"]
        else:
            s["f_bar"] = pre("f", xt, c_prev)
            s["f"] = torch.sigmoid(s["f_bar"])
        s["c"] = s["z"] * s["i"] + c_prev * s["f"]
        if "NOG" in off:
            s["o"] = ones
        else:
            s["o_bar"] = pre("o", xt, s["c"])
            s["o"] = torch.sigmoid(s["o_bar"])
        hc = s["c"] if "NOAF" in off else torch.tanh(s["c"])
        s["y"] = hc * s["o"]
        s["v"] = P["V"] @ s["y"] + P["b_V"]
        s["y_hat"] = torch.softmax(s["v"], dim=0) if loss == "cross_entropy" else s["v"]
        for key in ("z_bar", "i_bar", "f_bar", "o_bar", "c", "y", "v"):
            if key in s:
                s[key].retain_grad()
        if targets[t] is not None:
            total = total + step_loss(s["v"], targets[t], loss)
        steps.append(s)
        y_prev, c_prev = s["y"], s["c"]
        gates_prev = {g: s[g] for g in FGR_GATES}
    total.backward()

    out: dict[str, np.ndarray] = {"loss": np.array(total.item())}
    for key in ("z_bar", "z", "i_bar", "i", "f_bar", "f", "c", "o_bar", "o", "y", "v", "y_hat"):
        if key in steps[0]:
            out[f"forward.{key}"] = np.stack([s[key].detach().numpy() for s in steps])
    for key in ("v", "y", "o_bar", "c", "f_bar", "i_bar", "z_bar"):
        if key in steps[0]:
            out[f"backward.d{key}"] = np.stack([grad_of(s[key]) for s in steps])
    out["backward.dx"] = grad_of(x)
    out.update({f"grads.d{k}": grad_of(p) for k, p in P.items()})
    out.update({"initial_state_grads.y": grad_of(y0), "initial_state_grads.c": grad_of(c0)})
    return out


# ----------------------------------------------------------------- the simple RNN in torch
def goodfellow_rnn(
    params: dict[str, np.ndarray],
    x_np: np.ndarray,
    h0_np: np.ndarray,
    targets: list,
    loss: str,
    truncate: int | None = None,
) -> dict[str, np.ndarray]:
    """a = b + W h(t−1) + U x;  h = tanh(a);  o = c + V h; the state detached every k steps."""
    P = {k: leaf(v) for k, v in params.items()}
    x, h0 = leaf(x_np), leaf(h0_np)
    h_prev, steps, total = h0, [], torch.zeros((), dtype=torch.float64)
    for t in range(T):
        if truncate and t > 0 and t % truncate == 0:
            h_prev = h_prev.detach()
        s = {"a": P["b"] + P["W"] @ h_prev + P["U"] @ x[t]}
        s["h"] = torch.tanh(s["a"])
        s["o"] = P["c"] + P["V"] @ s["h"]
        s["y_hat"] = torch.softmax(s["o"], dim=0) if loss == "cross_entropy" else s["o"]
        for key in ("a", "h", "o"):
            s[key].retain_grad()
        if targets[t] is not None:
            total = total + step_loss(s["o"], targets[t], loss)
        steps.append(s)
        h_prev = s["h"]
    total.backward()
    out: dict[str, np.ndarray] = {"loss": np.array(total.item())}
    for key in ("a", "h", "o", "y_hat"):
        out[f"forward.{key}"] = np.stack([s[key].detach().numpy() for s in steps])
    for key in ("o", "h", "a"):
        out[f"backward.d{key}"] = np.stack([grad_of(s[key]) for s in steps])
    out["backward.dx"] = grad_of(x)
    out.update({f"grads.d{k}": grad_of(p) for k, p in P.items()})
    out["initial_state_grads.h"] = grad_of(h0)
    return out


# ----------------------------------------------------------------- nn.LSTM / nn.RNN, mapped
def torch_module(cell: str, loss: str, seed: int) -> tuple[dict[str, np.ndarray], dict]:
    """nn.LSTM or nn.RNN + nn.Linear (torch's init, float64); arrays in the engine's names."""
    torch.manual_seed(seed)
    net = (torch.nn.LSTM(D, H) if cell == "lstm" else torch.nn.RNN(D, H)).double()
    readout = torch.nn.Linear(H, O).double()
    x_np, state, targets = problem(loss, seed)
    x = leaf(x_np[:, None, :])
    h0 = leaf(state["y"][None, None, :])
    c0 = leaf(state["c"][None, None, :])
    if cell == "lstm":
        seq, (_, c_last) = net(x, (h0, c0))
    else:
        seq = net(x, h0)[0]
    v = readout(seq[:, 0])
    v.retain_grad()
    total = sum(step_loss(v[t], targets[t], loss) for t in TARGET_STEPS)
    assert isinstance(total, Tensor)
    total.backward()

    sd = {k: t.detach().numpy().copy() for k, t in net.state_dict().items()}
    grads = {k: p.grad.detach().numpy().copy() for k, p in net.named_parameters()}  # type: ignore[union-attr]
    out: dict[str, np.ndarray] = {"inputs": x_np, "loss": np.array(total.item())}
    out.update({f"torch.{k}": a for k, a in sd.items()})
    ro_w, ro_b = readout.weight.detach().numpy().copy(), readout.bias.detach().numpy().copy()
    ro_dw, ro_db = readout.weight.grad.numpy().copy(), readout.bias.grad.numpy().copy()  # type: ignore[union-attr]
    if cell == "lstm":
        rows = {
            "i": slice(0, H),
            "f": slice(H, 2 * H),
            "z": slice(2 * H, 3 * H),
            "o": slice(3 * H, 4 * H),
        }
        for gate in ("z", "i", "f", "o"):  # DESIGN.md: nn.LSTM rows are i, f, g, o; its g is z
            r = rows[gate]
            out[f"params.W_{gate}"] = sd["weight_ih_l0"][r]
            out[f"params.R_{gate}"] = sd["weight_hh_l0"][r]
            out[f"params.b_{gate}"] = sd["bias_ih_l0"][r] + sd["bias_hh_l0"][r]
            out[f"grads.dW_{gate}"] = grads["weight_ih_l0"][r]
            out[f"grads.dR_{gate}"] = grads["weight_hh_l0"][r]
            assert np.allclose(grads["bias_ih_l0"][r], grads["bias_hh_l0"][r], rtol=0, atol=1e-14)
            out[f"grads.db_{gate}"] = grads["bias_ih_l0"][r]
        out.update({"params.V": ro_w, "params.b_V": ro_b, "grads.dV": ro_dw, "grads.db_V": ro_db})
        out.update({"initial_state.y": state["y"], "initial_state.c": state["c"]})
        out["forward.y"] = seq[:, 0].detach().numpy()
        out["final.c"] = c_last[0, 0].detach().numpy()
        out["initial_state_grads.y"] = grad_of(h0)[0, 0]
        out["initial_state_grads.c"] = grad_of(c0)[0, 0]
    else:
        out.update({"params.U": sd["weight_ih_l0"], "params.W": sd["weight_hh_l0"]})
        out["params.b"] = sd["bias_ih_l0"] + sd["bias_hh_l0"]
        out.update({"params.V": ro_w, "params.c": ro_b})
        out.update({"grads.dU": grads["weight_ih_l0"], "grads.dW": grads["weight_hh_l0"]})
        assert np.allclose(grads["bias_ih_l0"], grads["bias_hh_l0"], rtol=0, atol=1e-14)
        out.update({"grads.db": grads["bias_ih_l0"], "grads.dV": ro_dw, "grads.dc": ro_db})
        out["initial_state.h"] = state["y"]
        out["forward.h"] = seq[:, 0].detach().numpy()
        out["initial_state_grads.h"] = grad_of(h0)[0, 0]
    key = "o" if cell == "rnn" else "v"
    out[f"forward.{key}"] = v.detach().numpy()
    out["forward.y_hat"] = (
        torch.softmax(v, dim=1).detach().numpy()
        if loss == "cross_entropy"
        else out[f"forward.{key}"]
    )
    out[f"backward.d{key}"] = grad_of(v)
    out["backward.dx"] = grad_of(x)[:, 0]
    meta = {
        "kind": f"torch_{cell}",
        "cell": cell,
        "variant": "NP" if cell == "lstm" else "vanilla",
        "loss": loss,
        "truncate": None,
        "targets": targets,
    }
    return out, meta


# ----------------------------------------------------------------- fixtures
def greff_fixture(
    variant: str, loss: str, seed: int, truncate: int | None = None
) -> tuple[dict, dict]:
    rng = np.random.default_rng(seed + 1000)
    params = {k: rng.uniform(-0.6, 0.6, s) for k, s in lstm_param_shapes(variant).items()}
    x, state, targets = problem(loss, seed)
    out = greff_lstm(variant, params, x, state, targets, loss, truncate)
    out.update({f"params.{k}": a for k, a in params.items()})
    out.update({"inputs": x, "initial_state.y": state["y"], "initial_state.c": state["c"]})
    kind = "greff" if truncate is None else "truncated"
    return out, {
        "kind": kind,
        "cell": "lstm",
        "variant": variant,
        "loss": loss,
        "truncate": truncate,
        "targets": targets,
    }


def rnn_fixture(loss: str, seed: int, truncate: int | None) -> tuple[dict, dict]:
    rng = np.random.default_rng(seed + 1000)
    shapes = {"U": (H, D), "W": (H, H), "b": (H,), "V": (O, H), "c": (O,)}
    params = {k: rng.uniform(-0.6, 0.6, s) for k, s in shapes.items()}
    x, state, targets = problem(loss, seed)
    out = goodfellow_rnn(params, x, state["y"], targets, loss, truncate)
    out.update({f"params.{k}": a for k, a in params.items()})
    out.update({"inputs": x, "initial_state.h": state["y"]})
    kind = "greff" if truncate is None else "truncated"
    return out, {
        "kind": kind,
        "cell": "rnn",
        "variant": "vanilla",
        "loss": loss,
        "truncate": truncate,
        "targets": targets,
    }


def build_all() -> dict[str, tuple[dict, dict]]:
    fixtures: dict[str, tuple[dict, dict]] = {}
    for n, variant in enumerate(VARIANTS):
        for m, loss in enumerate(LOSSES):
            fixtures[f"greff-{variant}-{loss}"] = greff_fixture(variant, loss, seed=10 * n + m)
    for m, loss in enumerate(LOSSES):
        fixtures[f"greff-rnn-{loss}"] = rnn_fixture(loss, seed=200 + m, truncate=None)
        fixtures[f"torch_lstm-{loss}"] = torch_module("lstm", loss, seed=300 + m)
        fixtures[f"torch_rnn-{loss}"] = torch_module("rnn", loss, seed=400 + m)
    fixtures["truncated-vanilla-mse-k2"] = greff_fixture("vanilla", "mse", seed=500, truncate=2)
    fixtures["truncated-FGR-cross_entropy-k4"] = greff_fixture(
        "FGR", "cross_entropy", 501, truncate=4
    )
    fixtures["truncated-rnn-mse-k2"] = rnn_fixture("mse", seed=502, truncate=2)
    fixtures["truncated-rnn-cross_entropy-k4"] = rnn_fixture("cross_entropy", seed=503, truncate=4)
    return fixtures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="folder for *.npz and index.json")
    out_dir: Path = parser.parse_args().out
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.set_default_dtype(torch.float64)
    index: dict[str, object] = {}
    for name, (arrays, meta) in build_all().items():
        clean = {k: np.array(a, dtype=np.float64, order="C") for k, a in arrays.items()}
        np.savez_compressed(out_dir / f"{name}.npz", **clean)  # type: ignore[arg-type]
        index[name] = {**meta, "sizes": {"D": D, "H": H, "O": O, "T": T}}
    header = {
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "written_by": "scripts/make_fixtures.py",
    }
    (out_dir / "index.json").write_text(
        json.dumps({"about": header, "fixtures": index}, indent=1) + "\n"
    )
    total = sum(p.stat().st_size for p in out_dir.glob("*.npz"))
    print(f"wrote {len(index)} fixtures to {out_dir} ({total / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
