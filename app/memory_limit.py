"""How much memory a session of given sizes keeps, checked before anything is allocated.

A session keeps its whole trace: every forward quantity and every error of every step (so that
stepping back replays instead of recomputing), plus a trainer's copy while it trains. Measured
with tracemalloc, an LSTM session stepped to the end both ways and trained holds about 30
floats per time step and hidden unit (the simple RNN about 7); its RSS, allocator slack and a
trace download in flight included, about 60. The estimate takes the LSTM's larger figure, so
`max_sessions × max_session_bytes` bounds what the sessions can hold in all.
"""

from __future__ import annotations

from lstm_explorer.app.settings import Settings
from lstm_explorer.engine.errors import FieldError, Loc

FLOATS_PER_STEP_AND_UNIT = 64  # forward (z̄ … y), errors, scratch, trainer copy, slack
FLOATS_PER_STEP_AND_IO = 6  # x, dx, v, y_hat, targets
PARAM_COPIES = 8  # params, grads, Adam m and v, trainer params, snapshots in flight


def session_bytes(sizes: tuple[int, int, int, int], num_layers: int = 1) -> int:
    """Estimated bytes a session of (D, H, O, T) and L layers keeps once stepped to the end and
    trained: every layer keeps its own trace and parameters (layer l ≥ 1 reads H inputs, and its
    x is the layer below's y; each keeps an unused readout buffer of O per step)."""
    d, h, o, T = sizes
    L = num_layers
    per_step = L * FLOATS_PER_STEP_AND_UNIT * h + FLOATS_PER_STEP_AND_IO * (d + L * (o + h))
    layer_params = 4 * h * (d + h + 1) + 3 * h + (L - 1) * (4 * h * (2 * h + 1) + 3 * h)
    params = layer_params + o * (h + 1)
    return 8 * (T * per_step + PARAM_COPIES * params)


def check_session_memory(
    settings: Settings,
    sizes: tuple[int, int, int, int],
    loc: Loc = ("hidden_size",),
    num_layers: int = 1,
) -> None:
    """FieldError at `loc` (where H comes from) naming the sizes and max_session_bytes when a
    session would be too large."""
    need = session_bytes(sizes, num_layers)
    limit = settings.max_session_bytes
    if need > limit:
        d, h, o, T = sizes
        layers = f" in {num_layers} layers" if num_layers > 1 else ""
        raise FieldError(
            loc,
            f"H={h}{layers} over T={T} steps (D={d}, O={o}) needs about "
            f"{need / 2**20:.0f} MiB, more than the limit max_session_bytes={limit} "
            f"({limit / 2**20:.0f} MiB); use a smaller hidden size, fewer layers or a shorter sequence",
        )
