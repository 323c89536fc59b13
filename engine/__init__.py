"""NumPy engine of LSTM Explorer: Greff's LSTM and its variants, the simple RNN, BPTT traces."""

from engine.problem import Problem
from engine.runner import BackwardFrame, ForwardFrame, Runner
from engine.sequence import TraceResult, run_trace
from engine.spec import ModelSpec, param_shapes
from engine.variants import VARIANT_DESCRIPTIONS, Variant

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
