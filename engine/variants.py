"""LSTM variants of Greff et al. (2017), section 3, as switches of one cell."""

from __future__ import annotations

from dataclasses import dataclass, fields

from lstm_explorer.engine.errors import FieldError

# One line each, shown by the API presets and the page's variant picker.
VARIANT_DESCRIPTIONS: dict[str, str] = {
    "vanilla": "Greff's vanilla LSTM: three gates, peepholes, tanh for g and h.",
    "NIG": "No input gate: i = 1, every block input is written to the cell.",
    "NFG": "No forget gate: f = 1, the cell only accumulates (the 1997 LSTM).",
    "NOG": "No output gate: o = 1, the cell is always exposed.",
    "NIAF": "No input activation function: g(x) = x.",
    "NOAF": "No output activation function: h(x) = x.",
    "NP": "No peepholes: the gates do not see the cell (PyTorch's and Keras's LSTM).",
    "CIFG": "Coupled input and forget gate: f = 1 − i (as in the GRU).",
    "FGR": "Full gate recurrence: every gate also sees all gates of step t−1.",
}

_SWITCH_OFF = {
    "NIG": "input_gate",
    "NFG": "forget_gate",
    "NOG": "output_gate",
    "NIAF": "input_activation",
    "NOAF": "output_activation",
    "NP": "peepholes",
}
_SWITCH_ON = {"CIFG": "coupled", "FGR": "gate_recurrence"}
_ORDER = ("NIG", "NFG", "NOG", "NIAF", "NOAF", "NP", "CIFG", "FGR")


@dataclass(frozen=True)
class Variant:
    """Structural switches of the Greff LSTM; vanilla has all gates, activations and peepholes."""

    input_gate: bool = True
    forget_gate: bool = True
    output_gate: bool = True
    input_activation: bool = True
    output_activation: bool = True
    peepholes: bool = True
    coupled: bool = False
    gate_recurrence: bool = False

    def __post_init__(self) -> None:
        if self.coupled and not (self.input_gate and self.forget_gate):
            raise FieldError(
                "variant", "CIFG couples f = 1 − i and cannot be combined with NIG or NFG"
            )
        if self.gate_recurrence and not (
            self.input_gate and self.forget_gate and self.output_gate and not self.coupled
        ):
            raise FieldError(
                "variant",
                "FGR needs all three gates with their own parameters (not with NIG, NFG, NOG or CIFG)",
            )

    @classmethod
    def parse(cls, key: str) -> Variant:
        """Parse 'vanilla', 'NP' or a '+'-joined combination such as 'NP+CIFG'."""
        if not isinstance(key, str) or not key.strip():
            raise FieldError("variant", "expected a key such as 'vanilla', 'NP' or 'NP+CIFG'")
        parts = [p.strip() for p in key.split("+")]
        switches: dict[str, bool] = {}
        for part in parts:
            if part == "vanilla" and len(parts) == 1:
                continue
            if part in _SWITCH_OFF:
                switches[_SWITCH_OFF[part]] = False
            elif part in _SWITCH_ON:
                switches[_SWITCH_ON[part]] = True
            else:
                known = ", ".join(("vanilla", *_ORDER))
                raise FieldError("variant", f"unknown key {part!r}; known keys: {known}")
        if len(set(parts)) != len(parts):
            raise FieldError("variant", f"{key!r} names a switch twice")
        return cls(**switches)

    @property
    def key(self) -> str:
        """Canonical key, the inverse of parse()."""
        on = [k for k in _ORDER if self._has(k)]
        return "+".join(on) if on else "vanilla"

    def _has(self, key: str) -> bool:
        if key in _SWITCH_OFF:
            return not getattr(self, _SWITCH_OFF[key])
        return bool(getattr(self, _SWITCH_ON[key]))

    @property
    def has_forget_params(self) -> bool:
        """The forget gate has its own weights (not removed, not coupled to i)."""
        return self.forget_gate and not self.coupled

    @property
    def gates(self) -> tuple[str, ...]:
        """Units with their own weights, in fused-layout order: z first, then sigmoid gates."""
        units = ["z"]
        if self.input_gate:
            units.append("i")
        if self.has_forget_params:
            units.append("f")
        if self.output_gate:
            units.append("o")
        return tuple(units)

    @property
    def peephole_gates(self) -> tuple[str, ...]:
        """Gates with a peephole weight p_<gate>."""
        if not self.peepholes:
            return ()
        return tuple(g for g in self.gates if g != "z")

    def structure(self) -> dict[str, bool]:
        """The switches as a plain dict (sent to the page as `structure`)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


VANILLA = Variant()

# FGR's nine gate-to-gate matrices R_ab: gate a at t−1 into gate b.
FGR_GATES = ("i", "f", "o")
FGR_KEYS = tuple(f"R_{a}{b}" for b in FGR_GATES for a in FGR_GATES)
