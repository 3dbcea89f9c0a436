"""Punctuation family: add or strip end-of-text punctuation, or strip punctuation everywhere (LangTest).

Edits touch only punctuation characters: no re-spacing, decimals / dates / ranges and HTML markup kept.
"""

from __future__ import annotations

import random
import re
from functools import cache

from perturbations.base import Edit, Perturbed, from_edits
from perturbations.common_params import prob
from perturbations.errors import PerturbationParameterError
from perturbations.registry import Param, register

_END_PUNCTUATION = ("!", "?", ",", ".", "-", ":", ";")
_ALL_PUNCTUATION = ("!", "?", ",", ".", "-", ":", ";", "/", "'", '"')
_TEXT_PROB = prob(1.0, "probability that the text is perturbed at all")


def _chars(where: str, value):
    if not isinstance(value, str) or len(value) != 1 or value.isalnum() or value.isspace():
        raise PerturbationParameterError(f"{where}: item {value!r} must be one punctuation character")
    return value


def _whitelist(default: tuple[str, ...]) -> Param:
    return Param("whitelist", list, default, item_check=_chars, help="punctuation characters considered")


def _content_end(text: str) -> int:
    """Index just past the last non-whitespace character (0 for blank text)."""
    return len(text.rstrip())


@register("add_punctuation", family="punctuation", params=(_TEXT_PROB, _whitelist(_END_PUNCTUATION)))
def add_punctuation(text: str, rng: random.Random, prob: float, whitelist: tuple[str, ...]) -> Perturbed:
    """Append a punctuation mark after the last character unless the text already ends with one."""
    end = _content_end(text)
    if end == 0 or text[end - 1] in whitelist or (prob < 1.0 and rng.random() >= prob):
        return from_edits(text, ())
    return from_edits(text, (Edit(end, end, rng.choice(whitelist)),))


@register("strip_punctuation", family="punctuation", randomized=False,
          params=(_TEXT_PROB, _whitelist(_END_PUNCTUATION)))
def strip_punctuation(text: str, rng: random.Random, prob: float, whitelist: tuple[str, ...]) -> Perturbed:
    """Remove the punctuation the text ends with ("Great!!!" -> "Great"), trailing whitespace kept."""
    end = _content_end(text)
    start = end
    while start > 0 and text[start - 1] in whitelist:
        start -= 1
    if start == end or (prob < 1.0 and rng.random() >= prob):
        return from_edits(text, ())
    return from_edits(text, (Edit(start, end, ""),))


@cache
def _strip_all_pattern(whitelist: tuple[str, ...]) -> re.Pattern:
    keep = [r"<[^<>]{0,400}>|&#?[0-9A-Za-z]{1,10};",  # HTML markup
            r"\b\d+\.\d+\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b\d{1,2}-\d{1,2}-\d{2,4}\b|\b\d+-\d+\b"]  # numbers
    parts = [f"(?P<keep>{'|'.join(keep)})"]
    if "/" in whitelist:
        parts.append(r"(?P<pair>\b[^\W_]/[^\W_]\b)")
    drop = []
    plain = "".join(re.escape(c) for c in whitelist if c not in "/.-")
    if plain:
        drop.append(f"[{plain}]+")
    if "/" in whitelist:
        drop.append(r"(?<!\d)/|/(?!\d)")  # keep "7/10": a rating, not punctuation (LangTest gives "710")
    if "." in whitelist:
        drop.append(r"(?<!\d)\.(?!\d)")
    if "-" in whitelist:
        drop.append(r"(?<!\d)-(?!\d)")
    if drop:
        parts.append(f"(?P<drop>{'|'.join(drop)})")
    # A cheap first-character gate lets the scanner skip ordinary letters (4x faster on reviews).
    gate = r"[<&\d" + "".join(re.escape(c) for c in whitelist) + "]" + (r"|\w/" if "/" in whitelist else "")
    return re.compile(f"(?=(?:{gate}))(?:{'|'.join(parts)})")


@register("strip_all_punctuation", family="punctuation", randomized=False,
          params=(_TEXT_PROB, _whitelist(_ALL_PUNCTUATION)))
def strip_all_punctuation(text: str, rng: random.Random, prob: float, whitelist: tuple[str, ...]) -> Perturbed:
    """Remove punctuation everywhere, keeping decimals, dates, ranges and ratios; "a/b" becomes "a and b"."""
    if prob < 1.0 and rng.random() >= prob:
        return from_edits(text, ())
    edits = []
    for m in _strip_all_pattern(tuple(whitelist)).finditer(text):
        kind = m.lastgroup
        if kind == "pair":
            edits.append(Edit(m.start() + 1, m.start() + 2, " and "))
        elif kind == "drop":
            edits.append(Edit(m.start(), m.end(), ""))
    return from_edits(text, edits)
