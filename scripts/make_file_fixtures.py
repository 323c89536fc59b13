"""Write tests/fixtures/files: model files as PyTorch and Keras save them, with what they compute.

Needs torch 2.13.0 and Keras 3 (torch backend) in a throwaway venv, never in the project's:
    python3.11 -m venv /tmp/torchvenv
    /tmp/torchvenv/bin/pip install torch==2.13.0 numpy keras h5py
    /tmp/torchvenv/bin/python scripts/make_file_fixtures.py

Each model fixture is <name>.<pt|pth|keras|h5> as the framework wrote it, and <name>.npz beside
it (plain float64 arrays; np.load(..., allow_pickle=False) reads it):
  inputs        (T, D) the fixed input sequence
  layer<l>.y    (T, H_l) layer l's output sequence, computed by the framework (a one-layer copy of
                layer l run on layer l−1's output; checked here against the whole model's own run)
  output        the whole model's output: (T, O), or (O,) when the top layer returns its last
                step only (Keras return_sequences=False); the top layer's y when there is no head
  torch.<key>   every state_dict entry (PyTorch) / keras.l<l>.<weight>, keras.head.<weight>
index.json says what each file is. The refusal fixtures (a whole pickled module, GRU,
bidirectional, proj_size, hard_sigmoid) have no .npz: the tests check they are refused.
hostile-h5-segfault.h5 and hostile-h5-hang.h5 are not written here: fuzzing found them (a real
Keras .h5 with three, and two, bytes changed) and they are kept as they are, since libhdf5
crashes on the one and loops on the other (engine/io_h5_sandbox.py).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # after KERAS_BACKEND is set
import numpy as np
import torch
from torch import nn

OUT_DIR = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "files"
T, D = 5, 3


class Net(nn.Module):
    """An nn.LSTM or nn.RNN with one nn.Linear head on every step, as people write it."""

    def __init__(self, cell: str, hidden: int, layers: int, out: int, names: tuple[str, str]):
        super().__init__()
        self.names = names
        rnn = (nn.LSTM if cell == "lstm" else nn.RNN)(
            D, hidden, num_layers=layers, batch_first=True
        )
        setattr(self, names[0], rnn)
        setattr(self, names[1], nn.Linear(hidden, out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y, _ = getattr(self, self.names[0])(x)
        return getattr(self, self.names[1])(y)


def inputs(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1.5, 1.5, (T, D))


# ----------------------------------------------------------------------------- PyTorch
def torch_layer_outputs(rnn: nn.RNNBase, x: torch.Tensor) -> list[np.ndarray]:
    """Each layer's output sequence, by one-layer copies chained (no dropout: eval)."""
    outs, below = [], x
    for layer in range(rnn.num_layers):
        one = type(rnn)(below.shape[-1], rnn.hidden_size, batch_first=True).to(x.dtype)
        for part in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(one, f"{part}_l0").data.copy_(getattr(rnn, f"{part}_l{layer}").data)
        below, _ = one(below)
        outs.append(below[0].detach().double().numpy())
    return outs


def torch_fixture(
    name: str, cell: str, layers: int, dtype: torch.dtype, seed: int, head: bool = True, **kw
) -> dict:
    torch.manual_seed(seed)
    hidden, out = kw.get("hidden", 4), 2
    names = kw.get("names", ("rnn", "head"))
    net = Net(cell, hidden, layers, out, names).to(dtype).eval()
    rnn = getattr(net, names[0])
    x = inputs(seed)
    xt = torch.tensor(x[None], dtype=dtype)
    with torch.no_grad():
        per_layer = torch_layer_outputs(rnn, xt)
        top, _ = rnn(xt)
        output = net(xt)[0] if head else top[0]
    tol = 1e-12 if dtype == torch.float64 else 1e-5
    np.testing.assert_allclose(per_layer[-1], top[0].double().numpy(), atol=tol)
    state = net.state_dict() if head else rnn.state_dict()
    path = OUT_DIR / f"{name}{kw.get('ext', '.pt')}"
    torch.save(state, path)
    arrays = {"inputs": x, "output": output.double().numpy()}
    arrays.update({f"layer{k}.y": y for k, y in enumerate(per_layer)})
    arrays.update({f"torch.{k}": v.double().numpy() for k, v in state.items()})
    np.savez_compressed(OUT_DIR / f"{name}.npz", **arrays)
    return {
        "files": [path.name],
        "framework": f"torch {torch.__version__}",
        "cell": cell,
        "num_layers": layers,
        "dtype": str(dtype).removeprefix("torch."),
        "hidden_sizes": [hidden] * layers,
        "head": head,
        "loss": "mse",
        "return_sequences": True,
    }


def torch_bfloat16(name: str) -> dict:
    """Weights only: bfloat16 widened to float32 is exact, torch's bf16 arithmetic is not ours."""
    torch.manual_seed(7)
    net = Net("lstm", 4, 1, 2, ("lstm", "fc")).to(torch.bfloat16)
    torch.save(net.state_dict(), OUT_DIR / f"{name}.pt")
    arrays = {f"torch.{k}": v.float().double().numpy() for k, v in net.state_dict().items()}
    np.savez_compressed(OUT_DIR / f"{name}.npz", **arrays)
    return {
        "files": [f"{name}.pt"],
        "framework": f"torch {torch.__version__}",
        "cell": "lstm",
        "num_layers": 1,
        "dtype": "bfloat16",
        "weights_only": True,
    }


def torch_checkpoint(name: str) -> dict:
    """A training checkpoint: epoch, model_state_dict, optimizer_state_dict (after a step)."""
    torch.manual_seed(8)
    net = Net("lstm", 4, 2, 2, ("rnn", "head")).double()
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    x = torch.tensor(inputs(8)[None])
    net(x).pow(2).sum().backward()
    opt.step()
    torch.save(
        {
            "epoch": 3,
            "model_state_dict": net.state_dict(),
            "optimizer_state_dict": opt.state_dict(),
        },
        OUT_DIR / f"{name}.pt",
    )
    arrays = {f"torch.{k}": v.numpy() for k, v in net.state_dict().items()}
    np.savez_compressed(OUT_DIR / f"{name}.npz", **arrays)
    return {
        "files": [f"{name}.pt"],
        "framework": f"torch {torch.__version__}",
        "cell": "lstm",
        "num_layers": 2,
        "dtype": "float64",
        "weights_only": True,
        "checkpoint": True,
    }


def torch_refusals() -> dict[str, dict]:
    """Files the readers must refuse, each as torch writes it."""
    torch.manual_seed(9)
    cases = {
        "torch-whole-model": (Net("lstm", 4, 1, 2, ("rnn", "head")), "whole"),
        "torch-gru": (nn.GRU(D, 4), "state"),
        "torch-bidirectional": (nn.LSTM(D, 4, bidirectional=True), "state"),
        "torch-proj-size": (nn.LSTM(D, 4, proj_size=2), "state"),
    }
    index = {}
    for name, (module, what) in cases.items():
        torch.save(module if what == "whole" else module.state_dict(), OUT_DIR / f"{name}.pt")
        index[name] = {
            "files": [f"{name}.pt"],
            "framework": f"torch {torch.__version__}",
            "refused": True,
        }
    return index


# ----------------------------------------------------------------------------- Keras
def keras_layer_outputs(model: keras.Model, x: np.ndarray) -> list[np.ndarray]:
    """Each recurrent layer's whole output sequence, by copies with return_sequences=True."""
    outs, below = [], x[None].astype(keras.config.floatx())
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dropout | keras.layers.InputLayer):
            continue
        if not isinstance(layer, keras.layers.LSTM | keras.layers.SimpleRNN):
            break
        config = {**layer.get_config(), "return_sequences": True, "name": None}
        copy = type(layer).from_config(config)
        copy.build(below.shape)
        copy.set_weights(layer.get_weights())
        below = keras.ops.convert_to_numpy(copy(below))
        outs.append(below[0].astype(np.float64))
    return outs


def keras_fixture(name: str, build, seed: int, formats=(".keras", ".h5"), floatx="float32") -> dict:
    keras.config.set_floatx(floatx)
    keras.config.set_dtype_policy(floatx)
    keras.utils.set_random_seed(seed)
    model = build()
    rng = np.random.default_rng(seed)
    # Keras starts biases at zero (forget gates at one): random ones test the mapping more
    model.set_weights([rng.uniform(-0.6, 0.6, w.shape).astype(floatx) for w in model.get_weights()])
    x = inputs(seed)
    per_layer = keras_layer_outputs(model, x)
    output = keras.ops.convert_to_numpy(model(x[None].astype(floatx)))[0].astype(np.float64)
    for ext in formats:
        model.save(OUT_DIR / f"{name}{ext}")
    arrays = {"inputs": x, "output": output}
    arrays.update({f"layer{k}.y": y for k, y in enumerate(per_layer)})
    recurrent = [
        layer
        for layer in model.layers
        if isinstance(layer, keras.layers.LSTM | keras.layers.SimpleRNN)
    ]
    for k, layer in enumerate(recurrent):
        for var in layer.weights:
            arrays[f"keras.l{k}.{var.name}"] = keras.ops.convert_to_numpy(var).astype(np.float64)
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    for var in dense[0].weights if dense else []:
        arrays[f"keras.head.{var.name}"] = keras.ops.convert_to_numpy(var).astype(np.float64)
    np.savez_compressed(OUT_DIR / f"{name}.npz", **arrays)
    top = recurrent[-1].get_config()
    head = dense[0].get_config() if dense else None
    keras.config.set_floatx("float32")
    keras.config.set_dtype_policy("float32")
    return {
        "files": [f"{name}{ext}" for ext in formats],
        "framework": f"keras {keras.__version__} (torch backend)",
        "cell": "lstm" if isinstance(recurrent[0], keras.layers.LSTM) else "rnn",
        "num_layers": len(recurrent),
        "dtype": floatx,
        "hidden_sizes": [layer.units for layer in recurrent],
        "head": bool(dense),
        "loss": "cross_entropy" if head and head["activation"] == "softmax" else "mse",
        "return_sequences": top["return_sequences"],
        "activation": top["activation"],
    }


def seq(*layers) -> keras.Model:
    return keras.Sequential([keras.Input((None, D)), *layers])


def keras_models() -> dict[str, tuple]:
    L = keras.layers

    def functional_lstm() -> keras.Model:
        x = keras.Input((T, D), name="x")
        h = L.LSTM(4, return_sequences=True, name="encoder")(x)
        h = L.LSTM(3, name="summary")(h)  # return_sequences=False: many-to-one
        return keras.Model(x, L.Dense(2, activation="softmax", name="classes")(h))

    return {
        "keras-lstm-1": (
            lambda: seq(L.LSTM(4, return_sequences=True, name="lstm"), L.Dense(2, name="dense")),
            21,
        ),
        "keras-lstm-2": (functional_lstm, 22),
        "keras-rnn-1": (
            lambda: seq(
                L.SimpleRNN(4, return_sequences=True, use_bias=False, name="rnn"),
                L.Dense(2, name="dense"),
            ),
            23,
        ),
        "keras-rnn-2": (
            lambda: seq(
                L.SimpleRNN(4, return_sequences=True, name="rnn_0"),
                L.Dropout(0.1, name="dropout"),
                L.SimpleRNN(4, return_sequences=True, name="rnn_1"),
                L.Dense(2, name="dense"),
            ),
            24,
        ),
    }


def keras_refusals() -> dict[str, dict]:
    L = keras.layers
    keras.utils.set_random_seed(30)
    cases = {
        "keras-gru.h5": seq(L.GRU(4, return_sequences=True, name="gru"), L.Dense(2, name="dense")),
        "keras-hard-sigmoid.keras": seq(
            L.LSTM(4, return_sequences=True, recurrent_activation="hard_sigmoid", name="lstm"),
            L.Dense(2, name="dense"),
        ),
    }
    index = {}
    for file, model in cases.items():
        model.save(OUT_DIR / file)
        index[file.rsplit(".", 1)[0]] = {
            "files": [file],
            "framework": f"keras {keras.__version__}",
            "refused": True,
        }
    return index


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    f32, f64 = torch.float32, torch.float64
    index: dict[str, dict] = {
        "torch-lstm-1-f64": torch_fixture("torch-lstm-1-f64", "lstm", 1, f64, 1),
        "torch-lstm-1-f32": torch_fixture(
            "torch-lstm-1-f32", "lstm", 1, f32, 2, ext=".pth", names=("lstm", "fc")
        ),
        "torch-lstm-2-f32": torch_fixture("torch-lstm-2-f32", "lstm", 2, f32, 3, head=False),
        "torch-lstm-2-f64": torch_fixture("torch-lstm-2-f64", "lstm", 2, f64, 4),
        "torch-lstm-3-f64": torch_fixture("torch-lstm-3-f64", "lstm", 3, f64, 5),
        "torch-rnn-1-f64": torch_fixture("torch-rnn-1-f64", "rnn", 1, f64, 6),
        "torch-rnn-2-f32": torch_fixture("torch-rnn-2-f32", "rnn", 2, f32, 10, hidden=5),
        "torch-rnn-2-f64": torch_fixture("torch-rnn-2-f64", "rnn", 2, f64, 11),
        "torch-lstm-1-bf16": torch_bfloat16("torch-lstm-1-bf16"),
        "torch-lstm-2-checkpoint": torch_checkpoint("torch-lstm-2-checkpoint"),
    }
    index.update(torch_refusals())
    for name, (build, seed) in keras_models().items():
        index[name] = keras_fixture(name, build, seed)
    index["keras-lstm-1-f64"] = keras_fixture(
        "keras-lstm-1-f64",
        lambda: seq(
            keras.layers.LSTM(4, return_sequences=True, name="lstm"),
            keras.layers.Dense(2, name="dense"),
        ),
        25,
        formats=(".keras",),
        floatx="float64",
    )
    index["keras-lstm-linear"] = keras_fixture(
        "keras-lstm-linear",
        lambda: seq(
            keras.layers.LSTM(4, activation="linear", return_sequences=True, name="lstm"),
            keras.layers.Dense(1, name="dense"),
        ),
        26,
        formats=(".keras",),
    )
    index.update(keras_refusals())
    about = (
        "Model files written by scripts/make_file_fixtures.py; <name>.npz holds the framework's "
        "inputs, per-layer outputs, model output and weights (see the script's docstring)."
    )
    (OUT_DIR / "index.json").write_text(
        json.dumps({"about": about, "fixtures": index}, indent=1) + "\n"
    )
    total = sum(p.stat().st_size for p in OUT_DIR.iterdir())
    print(f"wrote {len(index)} fixtures to {OUT_DIR} ({total / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
