"""GET /api/v1/presets: the tasks, variants and options a session can be made of."""

from fastapi import APIRouter
from lstm_explorer.app.deps import SettingsDep
from lstm_explorer.app.schemas import PresetsPublic
from lstm_explorer.app.schemas.presets import LimitsPublic
from lstm_explorer.engine.init import RECURRENT_SCHEMES, SCHEMES
from lstm_explorer.engine.tasks import TASKS
from lstm_explorer.engine.variants import VARIANT_DESCRIPTIONS, Variant

router = APIRouter(tags=["presets"])

CELLS = {
    "lstm": "Greff's LSTM block: gates, a cell highway, peepholes (the variants switch parts off).",
    "rnn": "The simple RNN of Goodfellow et al., ch. 10: h = tanh(b + W h(t−1) + U x).",
}
LOSSES = {
    "mse": "½‖y_hat − target‖² summed over the steps with a target (y_hat = v).",
    "cross_entropy": "−log softmax(v)[label] summed over the steps with a label.",
}
OPTIMIZERS = {
    "sgd": "Stochastic gradient descent, with optional momentum.",
    "adam": "Adam (Kingma & Ba 2015): per-parameter step sizes from gradient moments.",
}


@router.get("/presets", response_model=PresetsPublic)
def read_presets(settings: SettingsDep) -> PresetsPublic:
    """List tasks (with options and defaults), variants (with their switches) and limits."""
    tasks = [
        {
            "name": info.name,
            "description": info.description,
            "task_type": info.task_type,
            "loss": info.loss,
            "input_size": info.input_size,
            "output_size": info.output_size,
            "hidden_size": info.hidden_size,
            "options": [vars(o) for o in info.options],
        }
        for info in TASKS.values()
    ]
    variants = [
        {"key": key, "description": text, "structure": Variant.parse(key).structure()}
        for key, text in VARIANT_DESCRIPTIONS.items()
    ]
    limits = {name: getattr(settings, name) for name in LimitsPublic.model_fields}
    return PresetsPublic.model_validate(
        {
            "tasks": tasks,
            "variants": variants,
            "cells": CELLS,
            "losses": LOSSES,
            "optimizers": OPTIMIZERS,
            "init_schemes": list(SCHEMES),
            "recurrent_schemes": list(RECURRENT_SCHEMES),
            "limits": limits,
        }
    )
