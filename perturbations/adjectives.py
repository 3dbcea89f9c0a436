"""Adjective family (LangTest `adjective_synonym_swap` INV, `adjective_antonym_swap` DIR, and our
`sentiment_antonym_swap` DIR).

Swaps words found in LangTest's adjective synonym / antonym tables, keeping the case pattern
(Good -> Bad, GOOD -> BAD). LangTest's antonym table mixes sentiment-bearing pairs (good -> bad) with neutral
ones (first -> last, black -> white, old -> new), so `adjective_antonym_swap` makes the same swaps as LangTest
but says, case by case, which way they move sentiment (VADER valences, a negated word counting the other way):
toward negative, toward positive, or nowhere (neutral swaps, or swaps pulling both ways), and a case that
points nowhere owes no direction. `sentiment_antonym_swap` swaps only positive adjectives for antonyms that
VADER rates negative, and never after a negation, so "P(positive) drops" is what every one of its cases owes.
"""

from __future__ import annotations

import random
import re

from perturbations.base import Perturbed
from perturbations.common_params import prob
from perturbations.lexicon_data import load, phrase_lexicon, sentiment_antonym_lexicon
from perturbations.lexicon_swaps import swap_from_lexicon
from perturbations.registry import register

_PROB = prob(1.0, "probability of swapping each adjective found in the table")


@register("adjective_synonym_swap", family="adjectives", params=(_PROB,))
def adjective_synonym_swap(text: str, rng: random.Random, prob: float) -> Perturbed:
    """Replace adjectives with synonyms (good -> great)."""
    return swap_from_lexicon(text, rng, phrase_lexicon("adjective_synonyms"), prob)


# A swap moves sentiment when the valences of the two words differ by at least this much (VADER runs -4..+4;
# the same bar chose sentiment_antonyms.json's pairs).
POLARITY = 1.0


def antonym_direction(original: str, edits) -> str | None:
    """The label a set of antonym swaps moves a review toward, or None when they point nowhere or both ways."""
    # "not good" -> "not bad" reads more positive: a negated swap counts the other way
    signs = {(change > 0) != negated for change, negated in polar_swaps(original, edits)}
    return ("positive" if signs.pop() else "negative") if len(signs) == 1 else None


def polar_swaps(original: str, edits):
    """(valence change, negated?) of each swap that moves sentiment by at least POLARITY."""
    valence = load("antonym_valence")
    for start, end, replacement in edits:
        change = valence.get(replacement.lower(), 0.0) - valence.get(original[start:end].lower(), 0.0)
        if abs(change) >= POLARITY:
            yield change, _negated(original, start)


def negated_swap(original: str, edits) -> bool:
    """True when a swap that moves sentiment sits after a negator ("not good" -> "not bad"): the suite judges such
    a case the other way round, but as a training row it mostly teaches that "not" itself means positive."""
    return any(negated for _, negated in polar_swaps(original, edits))


def toward_negative(original: str, edits) -> str:
    return "negative"


@register("adjective_antonym_swap", family="adjectives", expectation="DIR", params=(_PROB,), direction=antonym_direction)
def adjective_antonym_swap(text: str, rng: random.Random, prob: float) -> Perturbed:
    """Replace adjectives with antonyms (good -> bad); sentiment should move the way the swapped words do."""
    return swap_from_lexicon(text, rng, phrase_lexicon("adjective_antonyms"), prob)


@register("sentiment_antonym_swap", family="adjectives", expectation="DIR", params=(_PROB,), direction=toward_negative,
          randomized=False)
def sentiment_antonym_swap(text: str, rng: random.Random, prob: float) -> Perturbed:
    """Replace positive adjectives with negative antonyms (good -> bad, useful -> useless); P(positive) should drop."""
    return swap_from_lexicon(text, rng, sentiment_antonym_lexicon(), prob, skip=_negated)


# "not good" -> "not bad" moves meaning toward positive, so negated adjectives are left alone. ("without" is
# not a negator here: "without doubt the best" is no negated "best".)
_NEGATION = re.compile(r"\b(?:not|no|never|hardly|barely|nothing|neither|nor|\w+n't)\W+(?:\w+\W+){0,2}$",
                       re.IGNORECASE)


def _negated(text: str, start: int) -> bool:
    """A negator among the three words before `start` (within the same sentence)."""
    window = text[max(0, start - 40):start]
    window = re.split(r"[.!?;]", window)[-1]
    return _NEGATION.search(window) is not None
