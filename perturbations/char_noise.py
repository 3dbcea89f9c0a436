"""Character-noise family in the manner of nlpaug's KeyboardAug, OcrAug and RandomCharAug.

nlpaug draws from the global `random`/numpy state, so instead of calling it we reimplement its word/char
selection (aug_word_p, aug_char_p, min/max counts, min_char) on the seeded rng passed in, using nlpaug's
shipped keyboard-neighbour and OCR-confusion tables (copied into lexicons/, MIT). Deterministic per seed.
"""

from __future__ import annotations

import math
import random
import string
from functools import cache

from perturbations.base import Edit, Perturbed, from_edits
from perturbations.lexicon_data import load
from perturbations.registry import Param, register
from perturbations.words import word_spans

_RANDOM_CHARS = string.ascii_letters + string.digits


@cache
def _table(name: str) -> dict[str, list[str]]:
    """nlpaug's table without whitespace replacements (a space would split a word, not misspell it)."""
    table = {k: [c.strip() for c in v if c.strip()] for k, v in load(name).items()}  # en.json has ' t'

    return {k: v for k, v in table.items() if v}


def _count(size: int, share: float, most: int) -> int:
    """nlpaug's _generate_aug_cnt: ceil(share * size), at least 1, at most `most`."""
    return 0 if size == 0 else max(1, min(most, math.ceil(share * size)))


def _params(min_chars: int):
    return (
        Param("word_prob", float, 0.3, low=0.0, high=1.0, help="share of eligible words to change (aug_word_p)"),
        Param("char_prob", float, 0.3, low=0.0, high=1.0, help="share of characters changed per word (aug_char_p)"),
        Param("max_words", int, 10, low=1, high=1_000_000, help="at most this many words changed (aug_word_max)"),
        Param("max_chars", int, 10, low=1, high=1_000, help="at most this many characters per word (aug_char_max)"),
        Param("min_chars", int, min_chars, low=1, high=100, help="words shorter than this are skipped (min_char)"),
    )


def _choose_words(text, rng, word_prob, max_words, min_chars, eligible_char):
    spans = [(s, e) for s, e in word_spans(text)
             if e - s >= min_chars and any(eligible_char(c) for c in text[s:e])]
    return sorted(rng.sample(spans, _count(len(spans), word_prob, max_words)))


def _substitute(text, rng, word_prob, char_prob, max_words, max_chars, min_chars, table) -> Perturbed:
    edits = []
    eligible = lambda c: c in table or c.lower() in table  # noqa: E731
    for start, end in _choose_words(text, rng, word_prob, max_words, min_chars, eligible):
        positions = [i for i in range(start, end) if eligible(text[i])]
        for i in sorted(rng.sample(positions, min(len(positions), _count(end - start, char_prob, max_chars)))):
            char = text[i]
            options = table.get(char) or table[char.lower()]
            new = rng.choice(options)
            if char.isupper() and char not in table:
                new = new.upper()
            edits.append(Edit(i, i + 1, new))
    return from_edits(text, edits)


@register("keyboard_typo", family="char_noise", params=_params(4))
def keyboard_typo(text, rng, word_prob, char_prob, max_words, max_chars, min_chars) -> Perturbed:
    """Replace characters with keyboard neighbours in a share of the words (nlpaug KeyboardAug)."""
    return _substitute(text, rng, word_prob, char_prob, max_words, max_chars, min_chars, _table("nlpaug_keyboard"))


@register("ocr_char_typo", family="char_noise", params=_params(1))
def ocr_char_typo(text, rng, word_prob, char_prob, max_words, max_chars, min_chars) -> Perturbed:
    """Replace characters with OCR look-alikes (0 -> o, l -> 1) in a share of the words (nlpaug OcrAug)."""
    return _substitute(text, rng, word_prob, char_prob, max_words, max_chars, min_chars, _table("nlpaug_ocr"))


@register("random_char_edit", family="char_noise", params=_params(4) + (
    Param("action", str, "substitute", choices=("insert", "substitute", "swap", "delete"),
          help="what happens to each chosen character (nlpaug RandomCharAug action)"),
))
def random_char_edit(text, rng, word_prob, char_prob, max_words, max_chars, min_chars, action) -> Perturbed:
    """Insert, substitute, swap or delete random characters in a share of the words (nlpaug RandomCharAug)."""
    edits = []
    for start, end in _choose_words(text, rng, word_prob, max_words, min_chars, str.isalnum):
        n = _count(end - start, char_prob, max_chars)
        if action == "swap":  # adjacent swaps on disjoint pairs
            pairs = list(range(start, end - 1, 2))
            for i in sorted(rng.sample(pairs, min(n, len(pairs)))):
                edits.append(Edit(i, i + 2, text[i + 1] + text[i]))
            continue
        if action == "delete":  # never delete a whole word
            n = min(n, end - start - 1)
        for i in sorted(rng.sample(range(start, end), min(n, end - start))):
            if action == "insert":
                edits.append(Edit(i, i, rng.choice(_RANDOM_CHARS)))
            elif action == "delete":
                edits.append(Edit(i, i + 1, ""))
            else:
                edits.append(Edit(i, i + 1, rng.choice(_RANDOM_CHARS)))
    return from_edits(text, edits)
