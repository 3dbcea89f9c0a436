"""Errors raised by the perturbation library; the engine wraps them into its own RobustnessError types.

They subclass the builtin exceptions a caller would naturally catch (a missing name is a KeyError, a bad
parameter a ValueError), so perturbations/ stays independent of robustness/.
"""

from __future__ import annotations


class UnknownPerturbationError(KeyError):
    """A perturbation name that is not registered; the message suggests the closest valid names."""

    def __str__(self) -> str:  # KeyError would otherwise repr() the message, adding quotes
        return str(self.args[0]) if self.args else ""


class PerturbationParameterError(ValueError):
    """A parameter that is unknown, of the wrong type or out of range; the message names it and its range."""
