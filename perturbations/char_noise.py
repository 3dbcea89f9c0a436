"""Character-noise family in the manner of nlpaug's KeyboardAug, OcrAug and RandomCharAug.

nlpaug draws from the global `random`/numpy state, so instead of calling it we reimplement its word/char
selection (aug_word_p, aug_char_p, min/max counts, min_char) on the seeded rng passed in, using nlpaug's
shipped keyboard-neighbour and OCR-confusion tables (copied into lexicons/, MIT). Deterministic per seed.
"""

from __future__ import annotations

import math
import re
import string
from functools import cache

from perturbations.base import Edit, Perturbed, from_edits
from perturbations.lexicon_data import load
from perturbations.registry import Param, register
from perturbations.words import tokenize

_RANDOM_CHARS = string.ascii_letters + string.digits
_ANY = re.compile(r"\w")


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


def _choose_words(text, rng, word_prob, max_words, min_chars, eligible: re.Pattern):
    """nlpaug's word selection: words of at least `min_chars` with a character that can change."""
    tokens = tokenize(text)
    spans = [(s, e) for s, e, word in zip(tokens.starts, tokens.ends, tokens.tokens)
             if e - s >= min_chars and not word.startswith(("<", "&")) and eligible.search(word)]
    return sorted(rng.sample(spans, _count(len(spans), word_prob, max_words)))


@cache
def _eligible(name: str) -> re.Pattern:
    """Characters `_table(name)` can replace, in either case."""
    keys = set(_table(name)) | {k.upper() for k in _table(name)}
    return re.compile("[" + "".join(re.escape(k) for k in sorted(keys) if len(k) == 1) + "]")


def _substitute(text, rng, word_prob, char_prob, max_words, max_chars, min_chars, name) -> Perturbed:
    edits = []
    table = _table(name)
    eligible = _eligible(name)
    for start, end in _choose_words(text, rng, word_prob, max_words, min_chars, eligible):
        positions = [m.start() for m in eligible.finditer(text, start, end)]
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
    return _substitute(text, rng, word_prob, char_prob, max_words, max_chars, min_chars, "nlpaug_keyboard")


@register("ocr_char_typo", family="char_noise", params=_params(1))
def ocr_char_typo(text, rng, word_prob, char_prob, max_words, max_chars, min_chars) -> Perturbed:
    """Replace characters with OCR look-alikes (0 -> o, l -> 1) in a share of the words (nlpaug OcrAug)."""
    return _substitute(text, rng, word_prob, char_prob, max_words, max_chars, min_chars, "nlpaug_ocr")


@register("random_char_edit", family="char_noise", params=_params(4) + (
    Param("action", str, "substitute", choices=("insert", "substitute", "swap", "delete"),
          help="what happens to each chosen character (nlpaug RandomCharAug action)"),
))
def random_char_edit(text, rng, word_prob, char_prob, max_words, max_chars, min_chars, action) -> Perturbed:
    """Insert, substitute, swap or delete random characters in a share of the words (nlpaug RandomCharAug)."""
    edits = []
    for start, end in _choose_words(text, rng, word_prob, max_words, min_chars, _ANY):
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
