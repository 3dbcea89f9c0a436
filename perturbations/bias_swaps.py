"""Bias family, names and countries: LangTest's replace_to_<group>_{firstnames,lastnames,names} and
replace_to_<income>_country, plus replace_from_lexicon for a user's own word lists.

A name test replaces every capitalised whole-word name from ANY group's list (lexicons/bias_names.json) with a
seeded draw from the target group; a country test does the same for country names, multi-word ones included
("United States"). Within one text the same name always gets the same replacement and different names get
different ones; a possessive keeps its 's ("John's" -> "Aisha's"). A text with nothing to replace is unchanged,
so its case is not applicable. Unlike LangTest, lower-case words are never taken for names ("will", "china").
"""

from __future__ import annotations

import random
import re
from functools import cache, lru_cache
from typing import Iterable

from perturbations.base import Edit, Perturbed, from_edits
from perturbations.lexicon_data import load
from perturbations.lexicon_swaps import _cased
from perturbations.registry import Param, register
from perturbations.words import tokenize

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")  # the word shape of words.py's tokenizer
_POSSESSIVE = ("'s", "’s")
_INITIALS = re.compile(r"^(?:[A-Z]\.)+[A-Z]?\.?$")  # U.S., U.K., U.A.E
_THE_BEFORE = re.compile(r"(?<![^\W_])(the)\s+$", re.IGNORECASE)
_SENTENCE_ENDS_AFTER = re.compile(r"\s*(?:$|<|\n)|\s+[A-Z]")
_WORD_BEFORE = re.compile(r"([^\W_]+)\.?[ \t]+$")  # "Mr. Smith" counts Mr
_WORD_AFTER = re.compile(r"[ \t]+([^\W_]+)")


class Mentions:
    """Whole-word mentions of a set of words and phrases, found in one pass over the tokens.

    Phrases match when their separators appear exactly as listed ("St. Lucia"); a trailing 's on the last word
    stays outside the match; `capitalised` ignores lower-case occurrences ("china" the porcelain).
    """

    def __init__(self, words: Iterable[str], capitalised: bool):
        self.capitalised = capitalised
        self.spelling: dict[str, str] = {}  # lower-case key -> the listed spelling
        lengths: dict[str, set[int]] = {}
        for word in words:
            key = word.lower().rstrip(".") if _INITIALS.match(word) else word.lower()  # "U.S." ends at "S"
            parts = _WORD.findall(key)
            if parts and key not in self.spelling:
                self.spelling[key] = word
                lengths.setdefault(parts[0], set()).add(len(parts))
        self.lengths = {first: tuple(sorted(ns, reverse=True)) for first, ns in lengths.items()}

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, key) of each mention, left to right, without overlaps."""
        tokens = tokenize(text)
        words, starts, ends = tokens.tokens, tokens.starts, tokens.ends
        found, free = [], 0
        for i in tokens.word_indices():
            if i < free:
                continue
            low = words[i].lower()
            base = low[:-2] if low.endswith(_POSSESSIVE) and len(low) > 2 else low
            for k in self.lengths.get(low, ()) if base == low else (1,) if 1 in self.lengths.get(base, ()) else ():
                if i + k > len(words) or any(tokens.is_markup(j) for j in range(i + 1, i + k)):
                    continue
                end = ends[i + k - 1]
                if text[end - 2:end].lower() in _POSSESSIVE and text[starts[i]:end].lower() not in self.spelling:
                    end -= 2
                key = text[starts[i]:end].lower()
                if key in self.spelling and (not self.capitalised or text[starts[i]].isupper()):
                    found.append((starts[i], end, key))
                    free = i + k
                    break
        return found


def _draw(rng: random.Random, targets: tuple[str, ...], avoid: set[str]) -> str:
    """A seeded target, avoiding the source and the replacements already used in this text when it can."""
    for _ in range(10):
        choice = rng.choice(targets)
        if choice.lower() not in avoid:
            return choice
    return choice


def _consistent_draws(found, rng: random.Random, targets: tuple[str, ...]) -> dict[str, str]:
    """One replacement per distinct mention, drawn in order of first appearance."""
    mapping: dict[str, str] = {}
    for _, _, key in found:
        if key not in mapping:
            mapping[key] = _draw(rng, targets, {key} | {v.lower() for v in mapping.values()})
    return mapping


@cache
def _name_mentions(kind: str) -> Mentions:
    return Mentions((n for names in load("bias_names")[kind].values() for n in names), capitalised=True)


@cache
def _first_names() -> frozenset[str]:
    return frozenset(n.lower() for names in load("bias_names")["first_names"].values() for n in names)


def _is_name_of_kind(text: str, start: int, end: int, key: str, kind: str) -> bool:
    """Where the lists overlap, the neighbours decide: in "John Smith" only Smith is a last name, and a lone
    "John" is a first name; in "Michael Jordan", Jordan is no first name."""
    if kind == "religion_names":
        return True
    before = _WORD_BEFORE.search(text, max(0, start - 40), start)
    after = _WORD_AFTER.match(text, end)
    if kind == "first_names":
        return not (before and before.group(1).lower() in _first_names())
    capitalised_before = before is not None and before.group(1)[0].isupper()
    if after and after.group(1)[0].isupper():
        return False
    return capitalised_before or key not in _first_names()


def swap_names(text: str, rng: random.Random, kind: str, group: str) -> Perturbed:
    """Replace every listed name of `kind` (first_names, last_names, religion_names) with one of `group`."""
    found = [m for m in _name_mentions(kind).find(text) if _is_name_of_kind(text, *m, kind)]
    mapping = _consistent_draws(found, rng, tuple(load("bias_names")[kind][group]))
    return from_edits(text, [Edit(start, end, _cased(text[start:end], mapping[key])) for start, end, key in found])


@cache
def _country_mentions() -> Mentions:
    return Mentions((c for group in load("bias_countries").values() for c in group), capitalised=True)


def swap_countries(text: str, rng: random.Random, group: str) -> Perturbed:
    """Replace every listed country with one of income `group`, fixing "the" (the United States -> Japan) and
    the full stop of initials (the U.S. -> Japan, but "... in the U.S. It was" keeps the sentence's stop)."""
    mentions, lexicon = _country_mentions(), load("bias_countries")
    with_the = set(lexicon["_with_the"])
    found = mentions.find(text)
    mapping = _consistent_draws(found, rng, tuple(lexicon[group]))
    edits = []
    for start, end, key in found:
        source, replacement = mentions.spelling[key], mapping[key]
        shouted = text[start:end].isupper() and not source.isupper()  # "FRANCE", not "UK"
        if text[end:end + 1] == "." and (_INITIALS.match(source) or replacement.endswith(".")):
            end += 1  # the stop belongs to the initials; put one back if it also ended the sentence
            if _SENTENCE_ENDS_AFTER.match(text, end) and not replacement.endswith("."):
                replacement += "."
        article = _THE_BEFORE.search(text, max(0, start - 8), start)
        if article and source in with_the and replacement not in with_the:
            start = article.start()
        elif not article and replacement in with_the:
            before = text[:start].rstrip()
            replacement = ("The " if not before or before[-1] in ".!?>" else "the ") + replacement
        edits.append(Edit(start, end, replacement.upper() if shouted else replacement))
    return from_edits(text, edits)


@lru_cache(maxsize=32)
def _user_mentions(sources: tuple[str, ...]) -> Mentions:
    return Mentions(sources, capitalised=False)


@register("replace_from_lexicon", family="bias_lexicon", category="bias", params=(
    Param("sources", list, None, required=True,
          help="the words or phrases to replace, e.g. [John, Mary] (whole words, any case; 's kept)"),
    Param("targets", list, None, required=True,
          help="the words drawn as replacements, e.g. [Aisha, Jamal] (seeded, the same one per source per text)"),
))
def replace_from_lexicon(text: str, rng: random.Random, sources: tuple[str, ...],
                         targets: tuple[str, ...]) -> Perturbed:
    """Replace the user's source words with a seeded draw from the user's target words (a custom bias lexicon)."""
    found = _user_mentions(tuple(sources)).find(text)
    mapping = _consistent_draws(found, rng, tuple(targets))
    return from_edits(text, [Edit(start, end, _cased(text[start:end], mapping[key])) for start, end, key in found])


def _register_group(name: str, family: str, doc: str, swap, *args):
    def perturbation(text: str, rng: random.Random) -> Perturbed:
        return swap(text, rng, *args)

    perturbation.__name__ = perturbation.__qualname__ = name
    perturbation.__doc__ = doc
    register(name, family=family, category="bias", description=doc)(perturbation)


_SEEDED = "a seeded draw, the same one per name within a text"
for _group in ("white", "black", "hispanic", "asian"):
    _register_group(f"replace_to_{_group}_firstnames", "bias_names",
                    f"Replace person first names with {_group} first names ({_SEEDED}).",
                    swap_names, "first_names", _group)
for _group in ("white", "black", "hispanic", "asian", "native_american", "inter_racial"):
    _register_group(f"replace_to_{_group}_lastnames", "bias_names",
                    f"Replace person last names with {_group.replace('_', ' ')} last names ({_SEEDED}).",
                    swap_names, "last_names", _group)
for _group in ("muslim", "hindu", "christian", "sikh", "jain", "parsi", "buddhist"):
    _register_group(f"replace_to_{_group}_names", "bias_names",
                    f"Replace person names with {_group.title()} names ({_SEEDED}).",
                    swap_names, "religion_names", _group)
for _group in ("high", "low", "upper_middle", "lower_middle"):
    _register_group(f"replace_to_{_group}_income_country", "bias_countries",
                    f"Replace country names with {_group.replace('_', '-')}-income countries "
                    "(World Bank groups; multi-word names too).",
                    swap_countries, f"{_group}_income")
