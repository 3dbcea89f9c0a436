"""Named, seeded text perturbations for robustness tests and augmentation.

    import perturbations
    perturbations.registered_names()
    info = perturbations.get_perturbation("add_typo")
    info.apply(text, random.Random(seed), **params) -> Perturbed   # edits in original coordinates
    perturbations.perturb("add_typo", text, seed=0)

Every perturbation draws randomness only from the `random.Random` passed in, so a case's output depends
only on its seed. Importing this package registers every family module below.
"""

from __future__ import annotations

from perturbations.base import Edit, Perturbed, apply_edits, from_edits
from perturbations.errors import PerturbationParameterError, UnknownPerturbationError
from perturbations.registry import Param, PerturbationInfo, get_perturbation, perturb, registered_names

# Family modules register themselves on import.
from perturbations import (  # noqa: E402,F401
    adjectives, bias_pronouns, bias_swaps, casing, char_noise, composite, lexicon_swaps, numbers, punctuation, typing_noise, typos,
    unicode_noise, whitespace,
)

__all__ = [
    "Edit", "Perturbed", "apply_edits", "from_edits", "Param", "PerturbationInfo",
    "PerturbationParameterError", "UnknownPerturbationError", "get_perturbation", "perturb",
    "registered_names",
]
