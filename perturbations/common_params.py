"""Parameter declarations shared by many perturbations, so ranges and wording stay consistent."""

from __future__ import annotations

from perturbations.registry import Param


def prob(default: float = 1.0, help: str = "probability of perturbing each candidate word") -> Param:
    return Param("prob", float, default, low=0.0, high=1.0, help=help)
