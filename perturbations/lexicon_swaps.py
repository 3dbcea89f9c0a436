"""Lexicon-swap family: replace words or phrases found in a shipped lexicon (slang, abbreviations,
homophones, OCR misreadings, contractions, US->UK spelling, dyslexic confusions).

One pass over the word spans with dict lookups per text; replacements take the case pattern of the word
they replace (Good -> Great, GOOD -> GREAT), and nothing outside the replaced span changes.
"""

from __future__ import annotations

import random
from typing import Callable

from perturbations.base import Edit, Perturbed
from perturbations.common_params import prob
from perturbations.lexicon_data import homophone_lexicon, inverted_lexicon, phrase_lexicon
from perturbations.registry import Param, register
from perturbations.words import PhraseLexicon, finish, match_case


def _cased(source: str, replacement: str) -> str:
    """Keep acronyms and deliberate capitals ("AFG", "I'd") as the lexicon spells them."""
    if replacement != replacement.lower():
        return replacement.upper() if source.isupper() and len(source) > 1 else replacement
    return match_case(source, replacement)


def swap_from_lexicon(text: str, rng: random.Random, lexicon: PhraseLexicon, share: float,
                      max_swaps: int = 0, skip: Callable[[str, int], bool] | None = None) -> Perturbed:
    """Replace each lexicon match with probability `share` (at most `max_swaps` when > 0, chosen at random);
    `skip(text, start)` leaves a match alone (a negated adjective, say)."""
    found = lexicon.matches(text)
    if skip is not None:
        found = [match for match in found if not skip(text, match[0])]
    if max_swaps and len(found) > max_swaps:
        found = sorted(rng.sample(found, max_swaps))
    edits = []
    for start, end, word, options in found:
        if share < 1.0 and rng.random() >= share:
            continue
        choice = options[0] if len(options) == 1 else rng.choice(options)
        edits.append(Edit(start, end, _cased(word, choice)))
    return finish(text, edits)


_PROB = prob(1.0, "probability of replacing each word found in the lexicon")


def _lexicon_perturbation(name: str, lexicon_name: str, doc: str, *, randomized: bool = True):
    """Register a perturbation that swaps every match of one lexicon (with probability `prob`)."""

    def perturbation(text: str, rng: random.Random, prob: float) -> Perturbed:
        return swap_from_lexicon(text, rng, phrase_lexicon(lexicon_name), prob)

    perturbation.__name__ = perturbation.__qualname__ = name
    perturbation.__doc__ = doc
    return register(name, family="lexicon_swaps", params=(_PROB,), description=doc,
                    randomized=randomized)(perturbation)


# randomized=False: one candidate per entry, so at prob=1 the seed does not matter.
add_slangs = _lexicon_perturbation(
    "add_slangs", "slang",
    "Replace standard words with British slang (money -> dosh, excellent -> ace).")
add_abbreviation = _lexicon_perturbation(
    "add_abbreviation", "abbreviations",
    "Replace words and phrases with abbreviations (you -> u, by the way -> btw).", randomized=False)
add_ocr_typo = _lexicon_perturbation(
    "add_ocr_typo", "ocr_typos",
    "Replace words with common OCR misreadings (the -> tle, about -> ab0ut).")
add_contraction = _lexicon_perturbation(
    "add_contraction", "contractions",
    "Contract phrases (do not -> don't, I am -> I'm).", randomized=False)
american_to_british = _lexicon_perturbation(
    "american_to_british", "american_to_british",
    "Respell American English words in British English (color -> colour).", randomized=False)
dyslexia_word_swap = _lexicon_perturbation(
    "dyslexia_word_swap", "dyslexia",
    "Swap words for commonly confused ones (their -> there, than -> then).", randomized=False)


@register("british_to_american", family="lexicon_swaps", randomized=False, params=(_PROB,))
def british_to_american(text: str, rng: random.Random, prob: float) -> Perturbed:
    """Respell British English words in American English (colour -> color)."""
    return swap_from_lexicon(text, rng, inverted_lexicon("american_to_british"), prob)


@register("add_speech_to_text_typo", family="lexicon_swaps", params=(
    prob(1.0, "probability that a word with a homophone is eligible"),
    Param("max_words", int, 1, low=0, high=1_000_000,
          help="homophones substituted per text, chosen at random among eligible words (0 = all)")))
def add_speech_to_text_typo(text: str, rng: random.Random, prob: float, max_words: int) -> Perturbed:
    """Replace a word with a homophone, as speech-to-text would (there -> their, right -> write)."""
    return swap_from_lexicon(text, rng, homophone_lexicon(), prob, max_words)
