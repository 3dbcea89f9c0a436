"""Keyboard typo family (LangTest `add_typo`): one weighted keyboard slip per text by default.

LangTest's semantics: with probability `prob` the text gets a typo; 90% of typos replace a letter with one
a typist plausibly hits instead (weights from LangTest's TYPO_FREQUENCY table), 10% swap two adjacent
letters; texts under 5 characters are left alone. Positions are drawn by rejection sampling, so a 20,000
word review costs the same as a tweet. Markup (<br />, &amp;) is never touched.
"""

from __future__ import annotations

import itertools
import random
from functools import cache

from perturbations.base import Edit, Perturbed, from_edits
from perturbations.common_params import prob
from perturbations.lexicon_data import load
from perturbations.registry import Param, register
from perturbations.words import inside_any, markup_spans

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_SWAP_SHARE = 0.1
_TRIES = 40


@cache
def _cumulative_weights() -> dict[str, list[float]]:
    """letter -> cumulative weights over _LETTERS, never choosing the letter itself."""
    table = {}
    for letter, weights in load("typo_frequency").items():
        weights = [0 if other == letter else w for other, w in zip(_LETTERS, weights)]
        if sum(weights) > 0:
            table[letter] = list(itertools.accumulate(weights))
    return table


def _pick_position(text: str, rng: random.Random, ok, taken: set[int]) -> int | None:
    """A random index i with ok(i); rejection sampling first, a full scan only for letter-poor texts."""
    n = len(text)
    for _ in range(_TRIES):
        i = rng.randrange(n)
        if i not in taken and ok(i):
            return i
    eligible = [i for i in range(n) if i not in taken and ok(i)]
    return rng.choice(eligible) if eligible else None


def keyboard_typos(text: str, rng: random.Random, count: int) -> list[Edit]:
    table = _cumulative_weights()
    markup = markup_spans(text)
    taken: set[int] = set()
    edits: list[Edit] = []

    def replaceable(i: int) -> bool:
        return text[i].lower() in table and not inside_any(i, markup)

    def swappable(i: int) -> bool:
        return (i + 1 < len(text) and i + 1 not in taken and text[i] != text[i + 1]
                and text[i].isalpha() and text[i + 1].isalpha()
                and not inside_any(i, markup) and not inside_any(i + 1, markup))

    for _ in range(count):
        if rng.random() < _SWAP_SHARE:
            i = _pick_position(text, rng, swappable, taken)
            if i is not None:
                taken.update((i, i + 1))
                edits.append(Edit(i, i + 2, text[i + 1] + text[i]))
                continue
        i = _pick_position(text, rng, replaceable, taken)
        if i is None:
            break
        char = text[i]
        new = rng.choices(_LETTERS, cum_weights=table[char.lower()])[0]
        taken.add(i)
        edits.append(Edit(i, i + 1, new.upper() if char.isupper() else new))
    return sorted(edits, key=lambda e: e.start)


@register("add_typo", family="typos", params=(
    prob(1.0, "probability that the text gets typos at all"),
    Param("typos", int, 1, low=1, high=10_000, help="keyboard typos per text (LangTest: 1)"),
))
def add_typo(text: str, rng: random.Random, prob: float, typos: int) -> Perturbed:
    """Add a keyboard typo: a letter replaced by a likely neighbour, or two adjacent letters swapped."""
    if len(text) < 5 or (prob < 1.0 and rng.random() >= prob):
        return from_edits(text, ())
    return from_edits(text, keyboard_typos(text, rng, typos))
