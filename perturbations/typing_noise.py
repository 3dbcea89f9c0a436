"""Typing-noise family: what people type that is neither a typo nor a new word (AugLy's insert_punctuation_chars
and split_words, TextFlint's SpaceError; merged words, leetspeak, elongation, a doubled word).

Every change is an insertion, a deleted space or a one-for-one character swap inside chosen words, so the
original letters can be read back; markup and the case of letters are never touched.
"""

from __future__ import annotations

import random

from perturbations.base import Edit, Perturbed
from perturbations.common_params import prob
from perturbations.errors import PerturbationParameterError
from perturbations.registry import Param, register
from perturbations.words import finish, sample_share, tokenize, word_spans

PUNCTUATION_MARKS = (".", ",", "!", "?", "-", ";", ":", "'", "*")
LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7", "A": "4", "E": "3", "I": "1", "O": "0",
        "S": "5", "T": "7"}
_VOWELS = frozenset("aeiouyAEIOUY")
# Doubling these reads as a double negative ("not not good"), not as a slip of the keyboard.
_NEGATORS = frozenset({"no", "not", "never", "nor", "none", "nothing", "nobody", "neither", "nowhere"})


def _mark(where: str, value):
    """One punctuation character, and never one that could start markup ('<', '&')."""
    if (not isinstance(value, str) or len(value) != 1 or value.isalnum() or value.isspace()
            or value in "<>&"):
        raise PerturbationParameterError(f"{where}: item {value!r} must be one punctuation character other than < > &")
    return value


@register("insert_punctuation", family="typing_noise", params=(
    prob(0.2, "share of the words that get a punctuation mark inside or right after them"),
    Param("marks", list, PUNCTUATION_MARKS, item_check=_mark, help="punctuation characters to insert"),
))
def insert_punctuation(text: str, rng: random.Random, prob: float, marks: tuple[str, ...]) -> Perturbed:
    """Insert a stray punctuation mark inside or right after words ("gr.eat", "movie,"), as hurried typing does."""
    return finish(text, [Edit(i, i, rng.choice(marks))
                         for s, e in sample_share(rng, word_spans(text), prob) for i in (rng.randint(s + 1, e),)])


@register("split_word", family="typing_noise", params=(
    prob(0.1, "share of the long-enough words split in two"),
    Param("min_chars", int, 4, low=2, high=100, help="words shorter than this are never split (AugLy min_char)"),
))
def split_word(text: str, rng: random.Random, prob: float, min_chars: int) -> Perturbed:
    """Insert a space inside words ("mo vie"), a missed or extra space bar press."""
    words = [(s, e) for s, e in word_spans(text) if e - s >= min_chars]
    edits = []
    for start, end in sample_share(rng, words, prob):
        points = [i for i in range(start + 1, end) if text[i - 1].isalnum() and text[i].isalnum()]
        if points:  # not next to an inner apostrophe or hyphen
            i = rng.choice(points)
            edits.append(Edit(i, i, " "))
    return finish(text, edits)


@register("merge_words", family="typing_noise", params=(
    prob(0.1, "share of the spaces between two words that are dropped"),
))
def merge_words(text: str, rng: random.Random, prob: float) -> Perturbed:
    """Drop the space between two words ("greatmovie"), a missed space bar press."""
    tokens = tokenize(text)
    starts, ends = tokens.starts, tokens.ends
    words = tokens.word_indices()
    gaps = [(ends[i], starts[j]) for i, j in zip(words, words[1:])
            if j == i + 1 and set(text[ends[i]:starts[j]]) == {" "}]  # only spaces between adjacent words
    return finish(text, [Edit(s, e, "") for s, e in sample_share(rng, gaps, prob)])


@register("leetspeak", family="typing_noise", params=(
    prob(0.2, "share of the words (with a, e, i, o, s or t) written in leetspeak"),
    Param("char_prob", float, 0.5, low=0.0, high=1.0, help="share of a chosen word's letters replaced, at least one"),
))
def leetspeak(text: str, rng: random.Random, prob: float, char_prob: float) -> Perturbed:
    """Write letters as look-alike digits (a->4, e->3, i->1, o->0, s->5, t->7: "gr34t"), as gamers and spammers do."""
    words = [(s, e) for s, e in word_spans(text) if not LEET.keys().isdisjoint(text[s:e])]
    edits = []
    for start, end in sample_share(rng, words, prob):
        letters = [i for i in range(start, end) if text[i] in LEET]
        edits.extend(Edit(i, i + 1, LEET[text[i]]) for i in sample_share(rng, letters, char_prob))
    return finish(text, edits)


@register("repeat_letters", family="typing_noise", params=(
    prob(0.1, "share of the words (2+ characters) that get a stretched letter"),
    Param("max_extra", int, 4, low=2, high=20, help="extra copies of the letter: 2 to max_extra"),
))
def repeat_letters(text: str, rng: random.Random, prob: float, max_extra: int) -> Perturbed:
    """Stretch a vowel or the last letter of words for emphasis ("soooo good", "greaaat", "yesss")."""
    edits = []
    for start, end in sample_share(rng, [(s, e) for s, e in word_spans(text) if e - s >= 2], prob):
        letters = [i for i in range(start, end) if text[i] in _VOWELS]
        if not letters and text[end - 1].isalpha():
            letters = [end - 1]
        if letters:
            i = rng.choice(letters)
            edits.append(Edit(i + 1, i + 1, text[i] * rng.randint(2, max_extra)))  # one extra reads as a typo
    return finish(text, edits)


@register("repeat_word", family="typing_noise", params=(
    prob(0.05, "share of the words typed twice"),
))
def repeat_word(text: str, rng: random.Random, prob: float) -> Perturbed:
    """Type a word twice ("the the movie"), the slip proof-readers miss; negations are never doubled."""
    words = [(s, e) for s, e in word_spans(text)
             if text[s:e].lower() not in _NEGATORS and not text[s:e].lower().endswith(("n't", "n’t"))]
    return finish(text, [Edit(e, e, " " + text[s:e]) for s, e in sample_share(rng, words, prob)])
