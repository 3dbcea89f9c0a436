"""Bias perturbations: pronoun roles and case, name and country swaps, the user lexicon, and lexicon sources."""

from __future__ import annotations

import json
from importlib import resources

import pytest

import perturbations
from perturbations import PerturbationParameterError, perturb

BIAS_NAMES = [n for n in perturbations.registered_names() if n.startswith("replace_")]


def test_every_bias_test_is_an_invariance_test_in_the_bias_category():
    assert len(BIAS_NAMES) == 25
    for name in BIAS_NAMES:
        info = perturbations.get_perturbation(name)
        assert (info.category, info.expectation, info.direction) == ("bias", "INV", None)
    assert perturbations.get_perturbation("add_typo").category == "robustness"


def test_male_to_female_keeps_each_pronoun_role():
    text = "He said his brother liked him and he hurt himself"
    assert perturb("replace_to_female_pronouns", text, 0).text == \
        "She said her brother liked her and she hurt herself"
    assert perturb("replace_to_neutral_pronouns", text, 0).text == \
        "They said their brother liked them and they hurt themselves"


def test_her_is_a_determiner_before_a_noun_and_an_object_otherwise():
    assert perturb("replace_to_male_pronouns", "She gave her book to her", 0).text == "He gave his book to him"
    assert perturb("replace_to_male_pronouns", "I told her that her acting was great.", 0).text == \
        "I told him that his acting was great."
    assert perturb("replace_to_female_pronouns", "The choice was his. His and mine.", 0).text == \
        "The choice was hers. Hers and mine."
    assert not perturb("replace_to_female_pronouns", "She gave her book to her", 0).changed  # already female


def test_pronoun_case_and_contractions_are_kept():
    assert perturb("replace_to_female_pronouns", "He won. HE IS GREAT, he's nice", 0).text == \
        "She won. SHE IS GREAT, she's nice"
    assert perturb("replace_to_neutral_pronouns", "She is kind. He's been fine and he loves it.", 0).text == \
        "They are kind. They've been fine and they love it."


def test_names_keep_possessives_case_and_one_replacement_per_name():
    text = "John's brother met Mary, and John waved. JOHN!"
    result = perturb("replace_to_black_firstnames", text, 5)
    new = result.text.split("'s brother")[0]
    assert new != "John" and result.text.count(new) == 2 and new.upper() + "!" in result.text
    assert result.text.startswith(new + "'s brother met ") and "Mary" not in result.text
    assert perturb("replace_to_black_firstnames", text, 5) == result  # seeded
    assert not perturb("replace_to_black_firstnames", "will he hope for grace?", 5).changed  # words, not names


def test_last_name_tests_replace_the_last_name_of_a_full_name():
    result = perturb("replace_to_asian_lastnames", "I loved John Johnson and Mr. Garcia's film.", 1)
    assert result.text.startswith("I loved John ") and "Johnson" not in result.text and "Garcia" not in result.text
    assert result.text.endswith("'s film.")


def test_countries_multi_word_with_article_and_initials():
    result = perturb("replace_to_low_income_country", "I live in the United States and love France.", 2)
    low = set(json.loads(resources.files("perturbations").joinpath("lexicons", "bias_countries.json")
                         .read_text(encoding="utf-8"))["entries"]["low_income"])
    first, second = result.text.removeprefix("I live in ").removesuffix(".").split(" and love ")
    assert {first, second} <= low  # "the" dropped: low-income names take none
    assert perturb("replace_to_low_income_country", "Made in the U.S. It was great.", 0).text.endswith(
        ". It was great.")
    assert not perturb("replace_to_high_income_country", "Fine china and a turkey.", 0).changed


def test_texts_without_names_pronouns_or_countries_are_not_applicable():
    for name in BIAS_NAMES:
        params = {"sources": ["zebra"], "targets": ["horse"]} if name == "replace_from_lexicon" else {}
        result = perturb(name, "They loved the movie, and so did we.", 0, **params)
        assert not result.changed and result.edits == ()


def test_user_lexicon_swaps_whole_words_with_consistent_seeded_draws():
    params = {"sources": ["movie", "film noir"], "targets": ["picture", "feature"]}
    result = perturb("replace_from_lexicon", "The Movie is a film noir; the movie's end. Moviegoers", 0, **params)
    words = result.text.split()
    assert words[1].lower() == words[6].removesuffix("'s").lower() and words[1] in ("Picture", "Feature")
    assert result.text.endswith(" Moviegoers") and "film noir" not in result.text


@pytest.mark.parametrize("params, parameter", [
    ({"targets": ["Aisha"]}, "sources"),
    ({"sources": ["John"]}, "targets"),
    ({"sources": "John", "targets": ["Aisha"]}, "sources"),
    ({"sources": ["John"], "targets": []}, "targets"),
    ({"sources": ["John"], "targets": ["Aisha"], "lexicon": "x.json"}, "lexicon"),
])
def test_user_lexicon_parameter_errors_name_the_parameter(params, parameter):
    with pytest.raises(PerturbationParameterError, match=f"'{parameter}'"):
        perturbations.get_perturbation("replace_from_lexicon").validate_params(params)


def test_every_lexicon_file_names_its_source():
    for path in resources.files("perturbations").joinpath("lexicons").iterdir():
        if path.name.endswith(".json"):
            data = json.loads(path.read_text(encoding="utf-8"))
            assert isinstance(data.get("_source"), str) and data["_source"].strip(), path.name
    for name in ("bias_names", "bias_countries", "bias_pronouns"):
        data = json.loads(resources.files("perturbations").joinpath("lexicons", f"{name}.json").read_text("utf-8"))
        assert "LangTest 2.7" in data["_source"] and data["_license"]
