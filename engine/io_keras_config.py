"""A Keras model's config (config.json of a .keras file, model_config of a legacy .h5), checked.

Accepted: a Sequential or functional chain of LSTM or SimpleRNN layers, optionally one Dense
head, with InputLayer and Dropout (identity at inference) in between. Each layer's options are
honoured or refused: `activation` tanh (LSTM: linear, as NIAF+NOAF), `recurrent_activation`
sigmoid, `use_bias`, `return_sequences` (only the top layer may return its last step alone).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.io_layers import MAX_LAYERS

MAX_CONFIG_BYTES = 1 << 20
RECURRENT = {"LSTM": "lstm", "SimpleRNN": "rnn"}
_PASS_THROUGH = ("InputLayer", "Dropout")
_HEAD_LOSS = {"linear": "mse", "softmax": "cross_entropy"}
_UNSUPPORTED = {
    "GRU": "GRU layers are not supported",
    "Bidirectional": "bidirectional layers are not supported: the engine runs one direction",
    "ConvLSTM1D": "convolutional LSTMs are not supported",
    "ConvLSTM2D": "convolutional LSTMs are not supported",
}


@dataclass(frozen=True)
class KerasLayer:
    """One layer with weights, in model order; `path` is its group in model.weights.h5."""

    kind: str  # "lstm", "rnn" or "dense"
    name: str
    config: dict[str, Any]
    path: str


@dataclass(frozen=True)
class KerasModel:
    """What the config says: recurrent layers, the head, and what follows from their options."""

    cell: str
    variant: str
    layers: tuple[KerasLayer, ...]  # recurrent, bottom first
    head: KerasLayer | None
    loss: str | None
    notes: tuple[str, ...]


def parse_config(text: bytes, what: str) -> KerasModel:
    """The model of a config JSON, or a FieldError naming the layer and option refused."""
    if len(text) > MAX_CONFIG_BYTES:
        raise FieldError(
            (), f"{what}: a model config of {len(text)} bytes, over {MAX_CONFIG_BYTES}"
        )
    try:
        config = json.loads(text)
    except (ValueError, RecursionError):
        raise FieldError((), f"{what}: the model config is not valid JSON") from None
    entries = _layer_entries(config, what)
    notes: list[str] = []
    with_weights: list[KerasLayer] = []
    previous: str | None = None
    used: dict[str, int] = {}
    functional = config.get("class_name") != "Sequential"
    for entry in entries:
        cls, cfg = entry.get("class_name"), entry.get("config")
        if not isinstance(cls, str) or not isinstance(cfg, dict):
            raise FieldError((), f"{what}: a layer without class_name and config")
        name = str(cfg.get("name", entry.get("name", cls)))[:100]
        if functional:
            _check_chain(entry, name, previous, what)
        # Keras 3 names a layer's weights group after its class, in model order
        path = ""
        if functional or cls != "InputLayer":
            path = _unique(_snake(cls), used)
        previous = name
        if cls in _PASS_THROUGH:
            if cls == "Dropout":
                notes.append(
                    f"{name}: Dropout between layers is not modelled (it is off at inference)"
                )
            continue
        kind = RECURRENT.get(cls) or ("dense" if cls == "Dense" else None)
        if kind is None:
            why = _UNSUPPORTED.get(cls, f"a {cls[:60]} layer is not supported")
            raise FieldError(
                (name,),
                f"{why}; the engine reads stacked LSTM or SimpleRNN layers and one Dense head",
            )
        with_weights.append(KerasLayer(kind, name, cfg, f"layers/{path}"))
    return _model(with_weights, notes, what)


def _layer_entries(config: object, what: str) -> list[dict[str, Any]]:
    if not isinstance(config, dict) or config.get("class_name") not in (
        "Sequential",
        "Functional",
        "Model",
    ):
        cls = config.get("class_name") if isinstance(config, dict) else None
        raise FieldError(
            (), f"{what}: expected a Sequential or functional model, got {str(cls)[:60]}"
        )
    inner = config.get("config")
    layers = inner.get("layers") if isinstance(inner, dict) else inner  # Keras 2.0: a list
    if not isinstance(layers, list) or not all(isinstance(e, dict) for e in layers):
        raise FieldError((), f"{what}: the model config lists no layers")
    if len(layers) > 4 * MAX_LAYERS:
        raise FieldError((), f"{what}: {len(layers)} layers, more than {4 * MAX_LAYERS}")
    return layers


def _check_chain(entry: dict[str, Any], name: str, previous: str | None, what: str) -> None:
    """A functional model must be a chain: each layer called once, on the layer before."""
    inbound = _inbound_names(entry.get("inbound_nodes", []))
    if previous is None:
        if inbound:
            raise FieldError((name,), "the first layer reads another layer")
        return
    if inbound != [previous]:
        raise FieldError(
            (name,),
            f"reads {inbound or 'nothing'}, not just {previous!r}: only a chain of layers is "
            "supported (no branches, no layer used twice)",
        )


def _inbound_names(nodes: object, depth: int = 0) -> list[str]:
    """Layer names a layer's inbound nodes read: Keras 3's keras_history, Keras 2's [name, …]."""
    if depth > 12:
        return []
    out: list[str] = []
    if isinstance(nodes, dict):
        config = nodes.get("config")
        if nodes.get("class_name") == "__keras_tensor__" and isinstance(config, dict):
            history = config.get("keras_history")
            if isinstance(history, list) and history and isinstance(history[0], str):
                return [history[0]]
        for value in nodes.values():
            out += _inbound_names(value, depth + 1)
    elif isinstance(nodes, list):
        if len(nodes) >= 3 and isinstance(nodes[0], str) and isinstance(nodes[1], int):
            return [nodes[0]]
        for value in nodes:
            out += _inbound_names(value, depth + 1)
    return out


def _model(with_weights: list[KerasLayer], notes: list[str], what: str) -> KerasModel:
    head = with_weights[-1] if with_weights and with_weights[-1].kind == "dense" else None
    rec = with_weights[:-1] if head else with_weights
    if not rec:
        raise FieldError((), f"{what}: no LSTM or SimpleRNN layer in the model")
    if len(rec) > MAX_LAYERS:
        raise FieldError((), f"{what}: {len(rec)} recurrent layers, more than {MAX_LAYERS}")
    for layer in rec:
        if layer.kind == "dense":
            raise FieldError(
                (layer.name,), "a Dense layer below a recurrent one: only a head on top"
            )
    kinds = {layer.kind for layer in rec}
    if len(kinds) > 1:
        raise FieldError((), f"{what}: mixes LSTM and SimpleRNN layers; the engine stacks one kind")
    cell = kinds.pop()
    linear = {_recurrent_options(layer, top=layer is rec[-1], notes=notes) for layer in rec}
    if len(linear) > 1:
        raise FieldError((), f"{what}: layers with tanh and with linear activations; choose one")
    variant = ("NIAF+NOAF+NP" if linear.pop() else "NP") if cell == "lstm" else "vanilla"
    loss = None
    if head is not None:
        activation = head.config.get("activation", "linear")
        if activation not in _HEAD_LOSS:
            raise FieldError(
                (head.name, "activation"),
                f"{str(activation)[:40]!r}: the readout is linear (mse) or softmax (cross-entropy)",
            )
        loss = _HEAD_LOSS[activation]
    return KerasModel(cell, variant, tuple(rec), head, loss, tuple(notes))


def _recurrent_options(layer: KerasLayer, top: bool, notes: list[str]) -> bool:
    """Check a recurrent layer's options; True when its activation is linear (LSTM only)."""
    cfg, name = layer.config, layer.name
    activation = cfg.get("activation", "tanh")
    linear = activation == "linear" and layer.kind == "lstm"
    if activation != "tanh" and not linear:
        engine = "tanh (LSTM: or linear)" if layer.kind == "lstm" else "tanh"
        raise FieldError(
            (name, "activation"), f"{str(activation)[:40]!r}: the engine computes {engine}"
        )
    if layer.kind == "lstm":
        recurrent = cfg.get("recurrent_activation", "sigmoid")
        if recurrent == "hard_sigmoid":
            raise FieldError(
                (name, "recurrent_activation"),
                "'hard_sigmoid' (the default of older Keras) is not computed by the engine, "
                "whose gates use the logistic sigmoid; retrain with recurrent_activation='sigmoid'",
            )
        if recurrent != "sigmoid":
            raise FieldError(
                (name, "recurrent_activation"),
                f"{str(recurrent)[:40]!r}: the engine's gates use the logistic sigmoid",
            )
    if cfg.get("go_backwards"):
        raise FieldError((name, "go_backwards"), "a layer that reads the sequence backwards")
    if not cfg.get("return_sequences", False):
        if not top:
            raise FieldError(
                (name, "return_sequences"),
                "false below the top layer: the next layer needs every step",
            )
        notes.append(
            f"{name}: return_sequences=False, so the Dense head was trained on the last step "
            "only; the engine's readout reads every step"
        )
    if cfg.get("dropout") or cfg.get("recurrent_dropout"):
        notes.append(f"{name}: dropout is not modelled (it is off at inference)")
    if cfg.get("stateful"):
        notes.append(f"{name}: stateful; the engine starts each sequence from its initial state")
    return linear


def _snake(name: str) -> str:
    """Keras's naming.to_snake_case: 'SimpleRNN' → 'simple_rnn', 'InputLayer' → 'input_layer'."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def _unique(name: str, used: dict[str, int]) -> str:
    """'lstm', then 'lstm_1', 'lstm_2' … as Keras's saving_lib numbers repeated names."""
    if name not in used:
        used[name] = 0
        return name
    used[name] += 1
    return f"{name}_{used[name]}"
