"""The registry contract: pinned names, helpful unknown-name errors, validated parameters."""

from __future__ import annotations

import random

import pytest

import perturbations
from perturbations import PerturbationParameterError, UnknownPerturbationError
from perturbations.registry import register

# Snapshot: renaming or dropping a perturbation breaks user configs, so it must be a deliberate change here.
EXPECTED_NAMES = [
    "add_abbreviation", "add_context", "add_contraction", "add_new_lines", "add_ocr_typo", "add_punctuation",
    "add_slangs", "add_speech_to_text_typo", "add_tabs", "add_typo", "adjective_antonym_swap",
    "adjective_synonym_swap", "american_to_british", "british_to_american", "dyslexia_word_swap", "fun_font", "homoglyph_swap",
    "insert_punctuation", "keyboard_typo", "leetspeak", "lowercase", "merge_words",
    "multiple_perturbations", "number_to_word", "ocr_char_typo", "random_char_edit", "repeat_letters", "repeat_word",
    "replace_from_lexicon", "replace_to_asian_firstnames", "replace_to_asian_lastnames",
    "replace_to_black_firstnames", "replace_to_black_lastnames", "replace_to_buddhist_names",
    "replace_to_christian_names", "replace_to_female_pronouns", "replace_to_high_income_country",
    "replace_to_hindu_names", "replace_to_hispanic_firstnames", "replace_to_hispanic_lastnames",
    "replace_to_inter_racial_lastnames", "replace_to_jain_names", "replace_to_low_income_country",
    "replace_to_lower_middle_income_country", "replace_to_male_pronouns", "replace_to_muslim_names",
    "replace_to_native_american_lastnames", "replace_to_neutral_pronouns", "replace_to_parsi_names",
    "replace_to_sikh_names", "replace_to_upper_middle_income_country", "replace_to_white_firstnames",
    "replace_to_white_lastnames",
    "sentiment_antonym_swap", "split_word",
    "strip_all_punctuation", "strip_punctuation", "titlecase", "uppercase", "zero_width_insert",
]


def test_registered_names_snapshot():
    assert list(perturbations.registered_names()) == EXPECTED_NAMES


def test_expectations():
    directional = [n for n in EXPECTED_NAMES if perturbations.get_perturbation(n).expectation == "DIR"]
    assert directional == ["adjective_antonym_swap", "sentiment_antonym_swap"]
    directed = [n for n in EXPECTED_NAMES if perturbations.get_perturbation(n).direction is not None]
    assert directed == ["adjective_antonym_swap", "sentiment_antonym_swap"]


def test_a_direction_is_refused_on_an_invariance_test():
    with pytest.raises(ValueError, match="only makes sense for a DIR test"):
        register("never_registered", family="x", direction=lambda original, edits: "negative")


def test_unknown_name_suggests_the_closest():
    with pytest.raises(UnknownPerturbationError) as caught:
        perturbations.get_perturbation("add_typoo")
    assert str(caught.value) == "unknown perturbation 'add_typoo'; did you mean 'add_typo'?"
    assert isinstance(caught.value, KeyError)


def test_unknown_name_without_close_match_lists_valid_names():
    with pytest.raises(UnknownPerturbationError, match="valid names: add_abbreviation, "):
        perturbations.perturb("zzzz", "text", seed=0)


@pytest.mark.parametrize("params, message", [
    ({"probability": 0.5}, "unknown parameter 'probability' for perturbation 'add_typo'; valid parameters: prob, typos"),
    ({"prob": 1.5}, "parameter 'prob' of perturbation 'add_typo' is 1.5; expected a float in [0.0, 1.0]"),
    ({"prob": "high"}, "parameter 'prob' of perturbation 'add_typo' is 'high'; expected a float in [0.0, 1.0]"),
    ({"typos": 0}, "parameter 'typos' of perturbation 'add_typo' is 0; expected an int in [1, 10000]"),
    ({"typos": 2.5}, "parameter 'typos' of perturbation 'add_typo' is 2.5; expected an int in [1, 10000]"),
    ({"typos": True}, "parameter 'typos' of perturbation 'add_typo' is True"),
])
def test_parameter_validation_names_parameter_and_range(params, message):
    info = perturbations.get_perturbation("add_typo")
    with pytest.raises(PerturbationParameterError) as caught:
        info.validate_params(params)
    assert message in str(caught.value)
    assert isinstance(caught.value, ValueError)
    with pytest.raises(PerturbationParameterError):
        info.apply("some text here", random.Random(0), **params)


def test_validate_params_fills_defaults_and_accepts_ints_for_floats():
    info = perturbations.get_perturbation("add_typo")
    assert info.defaults == {"prob": 1.0, "typos": 1}
    assert info.validate_params({"prob": 1}) == {"prob": 1.0, "typos": 1}


def test_choice_and_list_parameters():
    context = perturbations.get_perturbation("add_context")
    with pytest.raises(PerturbationParameterError, match="'strategy'.*one of 'random', 'start', 'end', 'combined'"):
        context.validate_params({"strategy": "middle"})
    with pytest.raises(PerturbationParameterError, match="'starting_context'.*non-empty list"):
        context.validate_params({"starting_context": []})
    with pytest.raises(PerturbationParameterError, match="'whitelist'.*one punctuation character"):
        perturbations.get_perturbation("add_punctuation").validate_params({"whitelist": ["ab"]})


def test_multiple_perturbations_validates_its_steps():
    info = perturbations.get_perturbation("multiple_perturbations")
    with pytest.raises(PerturbationParameterError, match="did you mean 'add_typo'"):
        info.validate_params({"perturbations": ["add_typoo"]})
    with pytest.raises(PerturbationParameterError, match="cannot contain itself"):
        info.validate_params({"perturbations": ["multiple_perturbations"]})
    with pytest.raises(PerturbationParameterError, match="'prob' of perturbation 'uppercase'"):
        info.validate_params({"perturbations": [{"uppercase": {"prob": 2}}]})
    checked = info.validate_params({"perturbations": ["lowercase", {"add_typo": {"typos": 2}}]})
    assert checked["perturbations"] == (("lowercase", {"prob": 1.0}), ("add_typo", {"prob": 1.0, "typos": 2}))


def test_apply_rejects_non_text_and_non_rng():
    info = perturbations.get_perturbation("uppercase")
    with pytest.raises(TypeError):
        info.apply(None, random.Random(0))
    with pytest.raises(TypeError):
        info.apply("text", 0)


def test_perturb_convenience_matches_apply():
    text = "The movie was good, not great."
    assert perturbations.perturb("add_typo", text, seed="s") == \
        perturbations.get_perturbation("add_typo").apply(text, random.Random("s"))


def test_library_is_self_contained_and_offline():
    """perturbations/ imports nothing from the engine and never loads langtest / nlpaug / nltk at run time."""
    import subprocess
    import sys

    code = ("import sys, perturbations\n"
            "for name in perturbations.registered_names():\n"
            "    params = {p.name: ['movie'] for p in perturbations.get_perturbation(name).params if p.required}\n"
            "    perturbations.perturb(name, 'I do not like the color of this GOOD movie, 3 stars.', 0, **params)\n"
            "bad = [m for m in ('robustness', 'model_adapters', 'reports', 'langtest', 'nlpaug', 'nltk', 'numpy')\n"
            "       if m in sys.modules]\n"
            "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_validated_composite_parameters_survive_a_json_round_trip():
    """Configs are stored as JSON in results.json and re-validated by augmentation: the normalised form of
    multiple_perturbations' steps (name, params pairs) must validate again after tuples become lists."""
    import json
    import random

    import perturbations

    info = perturbations.get_perturbation("multiple_perturbations")
    checked = info.validate_params({"perturbations": ["add_contraction", {"add_typo": {"prob": 1.0}}]})
    round_tripped = json.loads(json.dumps(checked))
    assert info.validate_params(round_tripped) == checked
    text = "I do not like it. It is a good film, is it not?"
    assert info.apply(text, random.Random(3), **round_tripped) == info.apply(text, random.Random(3), **checked)


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_numbers_are_refused(value):
    import perturbations
    from perturbations.errors import PerturbationParameterError

    with pytest.raises(PerturbationParameterError, match="finite"):
        perturbations.get_perturbation("add_typo").validate_params({"prob": value})
