"""Adjective family (LangTest `adjective_synonym_swap` INV, `adjective_antonym_swap` DIR, and our
`sentiment_antonym_swap` DIR).

Swaps words found in LangTest's adjective synonym / antonym tables, keeping the case pattern
(Good -> Bad, GOOD -> BAD). LangTest's antonym table mixes sentiment-bearing pairs (good -> bad) with neutral
ones (first -> last, black -> white, old -> new), so `adjective_antonym_swap` often makes no change a model
should react to. `sentiment_antonym_swap` swaps only positive adjectives for antonyms that a sentiment lexicon
(VADER) rates negative, so "P(positive) drops" is what every one of its cases should show.
"""

from __future__ import annotations

import random
import re

from perturbations.base import Perturbed
from perturbations.common_params import prob
from perturbations.lexicon_data import phrase_lexicon, sentiment_antonym_lexicon
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


@register("sentiment_antonym_swap", family="adjectives", expectation="DIR", params=(_PROB,), lowers_positive=True,
          randomized=False)
def sentiment_antonym_swap(text: str, rng: random.Random, prob: float) -> Perturbed:
    """Replace positive adjectives with negative antonyms (good -> bad, useful -> useless); P(positive) should drop."""
    return swap_from_lexicon(text, rng, sentiment_antonym_lexicon(), prob, skip=_negated)


# "not good" -> "not bad" moves meaning toward positive, so negated adjectives are left alone.
_NEGATION = re.compile(r"\b(?:not|no|never|hardly|barely|nothing|neither|nor|without|\w+n't)\W+(?:\w+\W+){0,2}$",
                       re.IGNORECASE)


def _negated(text: str, start: int) -> bool:
    """A negator among the three words before `start` (within the same sentence)."""
    window = text[max(0, start - 40):start]
    window = re.split(r"[.!?;]", window)[-1]
    return _NEGATION.search(window) is not None
