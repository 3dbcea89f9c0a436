"""Word spans outside markup, case transfer, and phrase-lexicon matching shared by the word-level families.

One regex pass finds words and skips HTML tags / entities, so "<br />" is never typo'd or swapped and every
edit is a span of the ORIGINAL text (no offsets that drift). Lexicon lookups are dict lookups per word,
never a loop over the dictionary per text.
"""

from __future__ import annotations

import re
from typing import Iterator, Mapping, Sequence

# Markup to leave alone, then words: letters/digits with inner apostrophes or hyphens ("don't",
# "well-known"), so a compound is swapped whole or not at all.
_TOKEN = re.compile(r"(<[^<>]{0,400}>|&#?[0-9A-Za-z]{1,10};)|([^\W_]+(?:['’-][^\W_]+)*)")
_MARKUP = re.compile(r"<[^<>]{0,400}>|&#?[0-9A-Za-z]{1,10};")


def word_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every word outside HTML tags and entities, in order."""
    return [m.span(2) for m in _TOKEN.finditer(text) if m.lastindex == 2]


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
    if not replacement:
        return replacement
    letters = [c for c in source if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return replacement.upper()
    if letters and source.lstrip()[:1].isupper():
        return replacement[0].upper() + replacement[1:]
    return replacement


class PhraseLexicon:
    """Case-insensitive lookup of words and multi-word phrases ("do not", "by the way") over word spans.

    Matching is leftmost-longest and non-overlapping; a phrase matches only when its separators appear
    exactly as in the lexicon (so "do  not" with two spaces is left alone rather than re-spaced).
    """

    def __init__(self, entries: Mapping[str, Sequence[str]]):
        self.entries = {key.lower(): tuple(values) for key, values in entries.items() if key.strip() and values}
        self.max_words = 1
        self.phrase_starts: set[str] = set()
        for key in self.entries:
            n = len(word_spans(key))
            if n > 1:
                self.max_words = max(self.max_words, n)
                first = word_spans(key)[0]
                self.phrase_starts.add(key[first[0]:first[1]])

    def matches(self, text: str) -> Iterator[tuple[int, int, str, tuple[str, ...]]]:
        """Yield (start, end, matched_text, candidate_replacements) left to right."""
        entries, starts = self.entries, self.phrase_starts
        spans = word_spans(text)
        n, i = len(spans), 0
        lowered = text.lower()
        if len(lowered) != len(text):  # e.g. 'İ' lowers to two characters: fall back to per-span lowering
            lowered = None
        while i < n:
            start, end = spans[i]
            first = lowered[start:end] if lowered is not None else text[start:end].lower()
            matched = False
            if first in starts:
                for k in range(min(self.max_words, n - i), 1, -1):
                    stop = spans[i + k - 1][1]
                    key = lowered[start:stop] if lowered is not None else text[start:stop].lower()
                    found = entries.get(key)
                    if found:
                        yield start, stop, text[start:stop], found
                        i += k
                        matched = True
                        break
            if not matched:
                found = entries.get(first)
                if found:
                    yield start, end, text[start:end], found
                i += 1
