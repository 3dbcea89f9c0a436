"""Adjective family (LangTest `adjective_synonym_swap` INV, `adjective_antonym_swap` DIR).

Swaps words found in LangTest's adjective synonym / antonym tables, keeping the case pattern
(Good -> Bad, GOOD -> BAD). An antonym swap is expected to move sentiment toward the opposite label.
"""

from __future__ import annotations

import random

from perturbations.base import Perturbed
from perturbations.common_params import prob
from perturbations.lexicon_data import phrase_lexicon
from perturbations.lexicon_swaps import swap_from_lexicon
from perturbations.registry import register

_PROB = prob(1.0, "probability of swapping each adjective found in the table")


@register("adjective_synonym_swap", family="adjectives", params=(_PROB,))
def adjective_synonym_swap(text: str, rng: random.Random, prob: float) -> Perturbed:
    """Replace adjectives with synonyms (good -> great)."""
    return swap_from_lexicon(text, rng, phrase_lexicon("adjective_synonyms"), prob)


@register("adjective_antonym_swap", family="adjectives", expectation="DIR", params=(_PROB,))
def adjective_antonym_swap(text: str, rng: random.Random, prob: float) -> Perturbed:
    """Replace adjectives with antonyms (good -> bad); sentiment should move toward the opposite label."""
    return swap_from_lexicon(text, rng, phrase_lexicon("adjective_antonyms"), prob)
