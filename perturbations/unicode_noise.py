"""Unicode noise family: look-alike letters, invisible characters and "fun fonts" (AugLy's
replace_similar_unicode_chars, insert_zero_width_chars and replace_fun_fonts, reimplemented on the seeded rng).

A person reads the same words; a model reading code points sees unknown ones. Only letters inside the chosen
words change, never their case; spacing, punctuation and markup stay byte-for-byte.
"""

from __future__ import annotations

import random
import unicodedata
from functools import cache

from perturbations.base import Edit, Perturbed
from perturbations.common_params import prob
from perturbations.lexicon_data import load
from perturbations.registry import Param, register
from perturbations.words import finish, sample_share, word_spans

ZERO_WIDTH = ("\u200b", "\u200c", "\u200d")  # zero-width space, non-joiner, joiner
_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
# Style -> its word in the Unicode names of the Mathematical Alphanumeric Symbols ("MATHEMATICAL BOLD SMALL A").
FONTS = {"bold": "BOLD", "italic": "ITALIC", "bold_italic": "BOLD ITALIC", "script": "SCRIPT",
         "bold_script": "BOLD SCRIPT", "fraktur": "FRAKTUR", "double_struck": "DOUBLE-STRUCK",
         "sans_serif": "SANS-SERIF", "sans_serif_bold": "SANS-SERIF BOLD", "monospace": "MONOSPACE"}


@cache
def homoglyphs() -> dict[str, tuple[str, ...]]:
    """Latin letter -> look-alike letters of the same case (lexicons/homoglyphs.json)."""
    return {letter: tuple(options) for letter, options in load("homoglyphs").items()}


@cache
def font(style: str) -> dict[str, str]:
    """ASCII letter -> its letter in `style`. The block's holes are letters Unicode had already encoded
    elsewhere (script B is SCRIPT CAPITAL B, Fraktur C is BLACK-LETTER CAPITAL C, italic h is PLANCK CONSTANT)."""
    table = {}
    for letter in sorted(_ASCII_LETTERS):
        case = "CAPITAL" if letter.isupper() else "SMALL"
        older = f"{FONTS[style]} {case} {letter.upper()}".replace("FRAKTUR", "BLACK-LETTER")
        for name in (f"MATHEMATICAL {FONTS[style]} {case} {letter.upper()}", older):
            try:
                table[letter] = unicodedata.lookup(name)
                break
            except KeyError:
                continue
        else:  # only italic h: PLANCK CONSTANT is the one hole not named after its font
            table[letter] = "\u210e"
    return table


@register("homoglyph_swap", family="unicode_noise", params=(
    prob(0.3, "share of the words that get look-alike letters (AugLy aug_word_p)"),
    Param("char_prob", float, 0.3, low=0.0, high=1.0,
          help="share of a chosen word's replaceable letters swapped, at least one (AugLy aug_char_p)"),
))
def homoglyph_swap(text: str, rng: random.Random, prob: float, char_prob: float) -> Perturbed:
    """Swap Latin letters for look-alike Cyrillic / Greek ones ("frее", Cyrillic е), as filter-dodging spam does."""
    table = homoglyphs()
    words = [(s, e) for s, e in word_spans(text) if not table.keys().isdisjoint(text[s:e])]
    edits = []
    for start, end in sample_share(rng, words, prob):
        positions = [i for i in range(start, end) if text[i] in table]
        edits.extend(Edit(i, i + 1, rng.choice(table[text[i]])) for i in sample_share(rng, positions, char_prob))
    return finish(text, edits)


@register("zero_width_insert", family="unicode_noise", params=(
    prob(0.3, "share of the words (2+ characters) that get an invisible character inside"),
))
def zero_width_insert(text: str, rng: random.Random, prob: float) -> Perturbed:
    """Insert an invisible zero-width space / non-joiner / joiner inside words, as copy-paste and evasion leave."""
    words = [(s, e) for s, e in word_spans(text) if e - s >= 2]
    return finish(text, [Edit(i, i, rng.choice(ZERO_WIDTH))
                         for s, e in sample_share(rng, words, prob) for i in (rng.randrange(s + 1, e),)])


@register("fun_font", family="unicode_noise", params=(
    prob(0.3, "share of the words (with an ASCII letter) written in the font"),
    Param("style", str, "random", choices=("random",) + tuple(FONTS),
          help="the Unicode math-letter font; 'random' picks one per text (AugLy replace_fun_fonts)"),
))
def fun_font(text: str, rng: random.Random, prob: float, style: str) -> Perturbed:
    """Write words in Unicode "fun fonts" (𝐛𝐨𝐥𝐝, 𝓈𝒸𝓇𝒾𝓅𝓉, 𝕕𝕠𝕦𝕓𝕝𝕖) as social-media posts do."""
    if style == "random":
        style = rng.choice(tuple(FONTS))
    table = font(style)
    words = [(s, e) for s, e in word_spans(text) if not _ASCII_LETTERS.isdisjoint(text[s:e])]
    return finish(text, [Edit(s, e, "".join(table.get(c, c) for c in text[s:e]))
                         for s, e in sample_share(rng, words, prob)])
