"""Unicode and typing noise: each family's change can be read back to the original, and only that changes."""

from __future__ import annotations

import unicodedata

import pytest

from perturbations import perturb
from perturbations.typing_noise import LEET, PUNCTUATION_MARKS
from perturbations.unicode_noise import FONTS, ZERO_WIDTH, font, homoglyphs
from perturbations.words import word_spans

TEXT = ("The acting was GOOD, but the plot was not great and it's a well-known story.<br /><br />"
        "Still, I'd watch it again &amp; again in 2024 because the soundtrack is wonderful")
NEW_NAMES = ("homoglyph_swap", "zero_width_insert", "fun_font", "insert_punctuation", "split_word", "merge_words",
             "leetspeak", "repeat_letters", "repeat_word")


def without(text: str, chars) -> str:
    return "".join(c for c in text if c not in chars)


@pytest.mark.parametrize("name", NEW_NAMES)
def test_a_share_of_zero_changes_nothing_and_seeds_reproduce(name):
    assert not perturb(name, TEXT, 0, prob=0.0).changed
    assert perturb(name, TEXT, "s:1") == perturb(name, TEXT, "s:1")
    assert len({perturb(name, TEXT, seed).text for seed in range(5)}) > 1
    full = perturb(name, TEXT, 0, prob=1.0).text
    assert full.count("<br />") == 2 and "&amp;" in full


def test_homoglyphs_look_alike_keep_case_and_map_back():
    table = homoglyphs()
    assert table["o"] == ("о", "ο", "օ") and "ο" in table["o"]  # Cyrillic, Greek, Armenian o
    for letter, options in table.items():
        for option in options:
            assert option != letter and option.isalpha() and option.isupper() == letter.isupper()
            assert not option.isascii()
    back = {option: letter for letter, options in table.items() for option in options}
    result = perturb("homoglyph_swap", TEXT, 1, prob=1.0, char_prob=1.0)
    assert result.text != TEXT and len(result.text) == len(TEXT)
    assert "".join(back.get(c, c) for c in result.text) == TEXT
    assert all(unicodedata.name(e.replacement).split()[0] in ("CYRILLIC", "GREEK", "ARMENIAN", "LATIN")
               for e in result.edits)


def test_zero_width_insert_leaves_the_visible_text_identical():
    result = perturb("zero_width_insert", TEXT, 2, prob=1.0)
    assert result.text != TEXT and without(result.text, ZERO_WIDTH) == TEXT
    assert all(e.start == e.end and e.replacement in ZERO_WIDTH for e in result.edits)
    assert len(result.edits) == len([1 for s, e in word_spans(TEXT) if e - s >= 2])  # each word of 2+ characters
    assert all(TEXT[e.start - 1].isalnum() and TEXT[e.start] not in " <" for e in result.edits)


@pytest.mark.parametrize("style", sorted(FONTS))
def test_fun_fonts_normalise_back_to_the_letters_with_their_case(style):
    table = font(style)
    assert all(unicodedata.normalize("NFKC", styled) == letter and styled.isupper() == letter.isupper()
               for letter, styled in table.items())
    result = perturb("fun_font", TEXT, 3, prob=1.0, style=style)
    assert result.text != TEXT and unicodedata.normalize("NFKC", result.text) == TEXT
    assert "2024" in result.text  # digits stay plain


def test_insert_punctuation_only_adds_marks_at_or_inside_words():
    text = "the plot was great and the cast was wonderful"
    result = perturb("insert_punctuation", text, 4, prob=1.0)
    assert without(result.text, PUNCTUATION_MARKS) == text
    assert len(result.edits) == len(text.split())
    assert perturb("insert_punctuation", text, 4, marks=["~"]).text.replace("~", "") == text


def test_split_and_merge_keep_the_letters_identical():
    split = perturb("split_word", TEXT, 5, prob=1.0)
    merged = perturb("merge_words", TEXT, 5, prob=1.0)
    for result in (split, merged):
        assert result.text != TEXT and result.text.replace(" ", "") == TEXT.replace(" ", "")
    assert all(e.replacement == " " and TEXT[e.start - 1].isalnum() and TEXT[e.start].isalnum() for e in split.edits)
    assert "wellknown" not in merged.text and "<br /><br />Still" in merged.text
    assert perturb("merge_words", "good movie", 0).text == "goodmovie"
    assert not perturb("split_word", "a fun day", 0).changed  # shorter than min_chars


def test_leetspeak_maps_back_and_touches_only_its_letters():
    result = perturb("leetspeak", TEXT, 6, prob=1.0, char_prob=1.0)
    back = {digit: letter for letter, digit in LEET.items()}
    assert result.text != TEXT and len(result.text) == len(TEXT)
    for e in result.edits:
        assert LEET[TEXT[e.start]] == e.replacement and back[e.replacement].lower() == TEXT[e.start].lower()
    assert "2024" in result.text and "GOOD" not in result.text and "G00D" in result.text


def test_repeat_letters_stretches_one_letter_per_word():
    result = perturb("repeat_letters", "so good", 7, prob=1.0)
    assert len(result.edits) == 2
    for e in result.edits:
        assert e.start == e.end and 2 <= len(e.replacement) <= 4 and set(e.replacement) == {"so good"[e.start - 1]}
    assert perturb("repeat_letters", "GREAT", 7).text.isupper()
    assert not perturb("repeat_letters", "I 42", 0, prob=1.0).changed  # no letter to stretch


def test_repeat_word_doubles_words_but_never_a_negation():
    result = perturb("repeat_word", "it was not good and I don't care", 8, prob=1.0)
    assert result.text == "it it was was not good good and and I I don't care care"
    assert all(e.replacement == " " + result.original[:e.start].split()[-1] for e in result.edits)
