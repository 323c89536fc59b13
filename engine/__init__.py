"""NumPy engine of LSTM Explorer: Greff's LSTM and its variants, the simple RNN, BPTT traces."""

from lstm_explorer.engine.problem import Problem
from lstm_explorer.engine.runner import BackwardFrame, ForwardFrame, Runner
from lstm_explorer.engine.sequence import TraceResult, run_trace
from lstm_explorer.engine.spec import ModelSpec, param_shapes
from lstm_explorer.engine.variants import VARIANT_DESCRIPTIONS, Variant

__all__ = [
    "VARIANT_DESCRIPTIONS",
    "BackwardFrame",
    "ForwardFrame",
    "ModelSpec",
    "Problem",
    "Runner",
    "TraceResult",
    "Variant",
    "param_shapes",
    "run_trace",
]
