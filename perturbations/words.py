"""Word spans outside markup, case transfer, and phrase-lexicon matching shared by the word-level families.

One regex pass finds words and skips HTML tags / entities, so "<br />" is never typo'd or swapped and every
edit is a span of the ORIGINAL text (no offsets that drift). Lexicon lookups are dict lookups per word,
never a loop over the dictionary per text.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import accumulate, compress
from typing import Mapping, Sequence

from perturbations.base import Edit, Perturbed

# Markup to leave alone, then words: letters/digits with inner apostrophes or hyphens ("don't",
# "well-known"), so a compound is swapped whole or not at all. Split with one capturing group, the
# parts alternate gap, token, gap, token, ..., gap and their offsets come from a C-level accumulate.
_TOKEN_PATTERN = r"<[^<>]{0,400}>|&#?[0-9A-Za-z]{1,10};|[^\W_]+(?:['’-][^\W_]+)*"
_SPLIT = re.compile(f"({_TOKEN_PATTERN})")
_MARKUP = re.compile(r"<[^<>]{0,400}>|&#?[0-9A-Za-z]{1,10};")
_MARKUP_START = ("<", "&")  # a word never starts with these, a markup token always does


class Tokens:
    """A text split into tokens (words and markup) and the gaps between them, with offsets.

    Token i is `tokens[i]` at text[starts[i]:ends[i]]; `is_markup(i)` tells HTML from words.
    """

    __slots__ = ("text", "parts", "offsets", "tokens", "starts", "ends", "has_markup")

    def __init__(self, text: str):
        self.text = text
        self.parts = _SPLIT.split(text)
        self.offsets = list(accumulate(map(len, self.parts), initial=0))
        self.tokens = self.parts[1::2]
        self.starts = self.offsets[1::2]
        self.ends = self.offsets[2::2]
        self.has_markup = "<" in text or "&" in text

    def is_markup(self, i: int) -> bool:
        return self.has_markup and self.tokens[i].startswith(_MARKUP_START)

    def word_indices(self) -> list[int]:
        if not self.has_markup:
            return list(range(len(self.tokens)))
        return [i for i, t in enumerate(self.tokens) if not t.startswith(_MARKUP_START)]


@lru_cache(maxsize=256)
def tokenize(text: str) -> Tokens:
    """Tokens of `text`, cached: a suite applies ~20 perturbations to each review, and splitting is
    the largest shared cost. Callers must not mutate the returned lists."""
    return Tokens(text)


def word_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every word outside HTML tags and entities, in order."""
    tokens = tokenize(text)
    return [(tokens.starts[i], tokens.ends[i]) for i in tokens.word_indices()]


def markup_spans(text: str) -> list[tuple[int, int]]:
    """Spans of HTML tags and entities; empty (and cheap) for text without '<' or '&'."""
    if "<" not in text and "&" not in text:
        return []
    return [m.span() for m in _MARKUP.finditer(text)]


def inside_any(position: int, spans: Sequence[tuple[int, int]]) -> bool:
    """Whether `position` falls strictly inside one of the sorted `spans` (binary search)."""
    lo, hi = 0, len(spans)
    while lo < hi:
        mid = (lo + hi) // 2
        if spans[mid][1] <= position:
            lo = mid + 1
        else:
            hi = mid
    return lo < len(spans) and spans[lo][0] < position < spans[lo][1]


def match_case(source: str, replacement: str) -> str:
    """Give `replacement` the case pattern of `source`: GOOD -> GREAT, Good -> Great, good -> great."""
    if not replacement or source.islower():
        return replacement
    if source.isupper() and len(source) > 1:
        return replacement.upper()
    if source[:1].isupper():
        return replacement[0].upper() + replacement[1:]
    return replacement


class PhraseLexicon:
    """Case-insensitive lookup of words and multi-word phrases ("do not", "by the way") over word spans.

    Matching is leftmost-longest and non-overlapping; a phrase matches only when its separators appear
    exactly as in the lexicon (so "do  not" with two spaces is left alone rather than re-spaced).
    """

    def __init__(self, entries: Mapping[str, Sequence[str]]):
        self.entries = {}
        for key, values in entries.items():
            key = key.lower()
            options = tuple(dict.fromkeys(v for v in values if v.strip() and v.lower() != key))
            if key.strip() and options:  # every candidate is a real change
                self.entries[key] = options
        lengths: dict[str, set[int]] = {}  # first word -> word counts of the phrases it starts
        for key in self.entries:
            parts = _SPLIT.split(key)  # not tokenize(): lexicon keys must not crowd reviews out of its cache
            if len(parts) > 3:  # more than one token
                lengths.setdefault(parts[1], set()).add(len(parts) // 2)
        self.phrase_lengths = {first: tuple(sorted(ns, reverse=True)) for first, ns in lengths.items()}  # longest first

    def matches(self, text: str) -> list[tuple[int, int, str, tuple[str, ...]]]:
        """(start, end, matched_text, candidate_replacements) left to right, without overlaps."""
        tokens = tokenize(text)
        lower = list(map(str.lower, tokens.tokens))
        entries, starts, ends = self.entries, tokens.starts, tokens.ends
        n = len(lower)
        hits = [(i, 1, entries[lower[i]]) for i in compress(range(n), map(entries.__contains__, lower))]
        phrase_lengths = self.phrase_lengths
        if phrase_lengths:
            for i in compress(range(n), map(phrase_lengths.__contains__, lower)):
                for k in phrase_lengths[lower[i]]:
                    if i + k > n:
                        continue
                    found = entries.get(text[starts[i]:ends[i + k - 1]].lower())
                    if found:
                        hits.append((i, k, found))
                        break
            hits.sort(key=lambda hit: (hit[0], -hit[1]))
        result, free = [], 0
        for i, k, found in hits:
            if i >= free and not tokens.is_markup(i):
                start, end = starts[i], ends[i + k - 1]
                result.append((start, end, text[start:end], found))
                free = i + k
        return result


def finish(original: str, edits: Sequence[Edit]) -> Perturbed:
    """Perturbed from edits already sorted, non-overlapping and each a real change (the hot-path
    alternative to base.from_edits, which re-checks all of that)."""
    pieces, cursor = [], 0
    for edit in edits:
        pieces.append(original[cursor:edit.start])
        pieces.append(edit.replacement)
        cursor = edit.end
    pieces.append(original[cursor:])
    return Perturbed(original=original, text="".join(pieces), edits=tuple(edits))


def sample_share(rng, items: Sequence, share: float) -> list:
    """A random `share` of the ordered `items`, kept in order: rounded, but at least one when `share` > 0
    (AugLy's aug_p with aug_min=1) so a short text still gets noise; a share of 0 picks nothing."""
    if share <= 0 or not items:
        return []
    count = min(len(items), max(1, round(share * len(items))))
    return list(items) if count == len(items) else sorted(rng.sample(items, count))
