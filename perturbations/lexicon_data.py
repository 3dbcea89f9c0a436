"""Lazy, cached access to the JSON lexicons shipped in perturbations/lexicons/ (offline, no downloads).

Each file is read once per process on first use, so importing the package stays cheap.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from perturbations.words import PhraseLexicon


@cache
def load(name: str):
    """The `entries` of perturbations/lexicons/<name>.json."""
    path = resources.files("perturbations").joinpath("lexicons", f"{name}.json")
    return json.loads(path.read_text(encoding="utf-8"))["entries"]


@cache
def phrase_lexicon(name: str) -> PhraseLexicon:
    """A PhraseLexicon over a lexicon whose values are a string or a list of strings."""
    entries = load(name)
    return PhraseLexicon({k: [v] if isinstance(v, str) else v for k, v in entries.items()})


@cache
def sentiment_antonym_lexicon() -> PhraseLexicon:
    """positive adjective -> its negative antonym (pairs whose polarity really flips; see build_lexicons.py)."""
    return PhraseLexicon({word: [entry["antonym"]] for word, entry in load("sentiment_antonyms").items()})


@cache
def homophone_lexicon() -> PhraseLexicon:
    """word -> the other words that sound identical (groups precomputed from the CMU dictionary)."""
    table: dict[str, list[str]] = {}
    for group in load("homophones"):
        for word in group:
            table.setdefault(word, []).extend(w for w in group if w != word)
    return PhraseLexicon(table)


@cache
def inverted_lexicon(name: str) -> PhraseLexicon:
    """A one-to-one lexicon read backwards (UK -> US from US -> UK); the first source wins on collisions."""
    table: dict[str, list[str]] = {}
    for source, target in load(name).items():
        table.setdefault(target, [source])
    return PhraseLexicon(table)
