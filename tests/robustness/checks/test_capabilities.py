"""Capability guards: shipped templates, seeded expansion, failure rates, and case-by-case comparison."""

from __future__ import annotations

import pytest

from model_adapters.callable_adapter import CallableModel
from robustness.checks.templates import (
    CapabilityConfig,
    capability_config_from_dict,
    compare_capabilities,
    expand_cases,
    load_capabilities,
    run_capabilities,
)
from robustness.errors import ConfigError, DataError
from tests.robustness.capability_models import word_counter

REQUIRED = ("vocabulary", "intensity", "negation_of_positive", "negation_of_negative", "change_over_time", "contrast",
            "neutral_filler")


@pytest.fixture(scope="module")
def bag_of_words():
    return CallableModel(word_counter, labels=("negative", "positive"), name="bag-of-words")


def test_shipped_templates_name_their_source_and_cover_the_issue():
    data = load_capabilities()
    assert "CheckList" in data.source and "Ribeiro" in data.source and "this project" in data.source
    assert set(REQUIRED) <= set(data.capabilities)


def test_expansion_is_seeded_balanced_and_keyed_by_words():
    data = load_capabilities()
    vocabulary = data.capabilities["vocabulary"]
    cases = expand_cases(vocabulary, data.lexicons, 40, seed=3)
    assert len(cases) == 40 and len({c.case_id for c in cases}) == 40
    assert [c.template for c in cases[:8]] == [0, 1, 2, 3, 0, 1, 2, 3]  # round-robin: labels stay balanced
    assert cases == expand_cases(vocabulary, data.lexicons, 40, seed=3)
    assert cases != expand_cases(vocabulary, data.lexicons, 40, seed=4)
    bigger = expand_cases(vocabulary, data.lexicons, 80, seed=3)
    assert bigger[:40] == cases  # a larger sample extends the smaller one: ids pair across sizes
    assert all(c.text.format() == c.text for c in cases)  # every slot filled


def test_failure_rates_read_what_a_model_cannot_do(bag_of_words):
    results = run_capabilities(bag_of_words, CapabilityConfig(seed=1, sample=60))
    rates = {c["name"]: c for c in results["capabilities"]}
    assert set(rates) >= set(REQUIRED) and results["seed"] == 1
    assert rates["vocabulary"]["failure_rate"] == 0.0                       # it knows the words...
    assert rates["negation_of_positive"]["failure_rate"] == 1.0             # ...and reads no "not"
    assert rates["intensity"]["failure_rate"] == 0.0                        # "very good" no less sure than "good"
    for row in rates.values():
        assert row["n"] == 60 and 0.0 <= row["ci_low"] <= row["failure_rate"] <= row["ci_high"] <= 1.0
    assert len(results["cases"]) == 60 * len(rates)
    case = results["cases"][0]
    assert {"case_id", "capability", "text", "label", "predicted", "p_positive", "passed"} <= set(case)


def test_a_threshold_fails_a_capability_and_names_it(bag_of_words):
    config = capability_config_from_dict({"sample": 30, "tests": {"negation_of_positive": {"max_failure_rate": 0.2},
                                                                  "vocabulary": {"max_failure_rate": 0.2}}})
    results = run_capabilities(bag_of_words, config)
    assert [c["name"] for c in results["capabilities"]] == ["negation_of_positive", "vocabulary"]
    assert results["failed"] == ["negation_of_positive"] and not results["passed"]
    assert results["capabilities"][0]["examples"]


def test_tiny_lstm_runs_every_capability(tiny_lstm_dir, one_torch_thread):
    from model_adapters import load_model

    results = run_capabilities(load_model(tiny_lstm_dir), CapabilityConfig(sample=20))
    assert all(c["n"] == 20 and c["failure_rate"] is not None for c in results["capabilities"])


def test_comparison_pairs_cases_and_flags_a_significant_regression(bag_of_words):
    before = run_capabilities(bag_of_words, CapabilityConfig(sample=40))
    same = compare_capabilities(before, before)
    assert all(r["fixed"] == r["regressed"] == 0 and r["mcnemar_p"] == 1.0 for r in same)
    broken = CallableModel(lambda texts: [[0.9, 0.1] for _ in texts], labels=("negative", "positive"))
    after = run_capabilities(broken, CapabilityConfig(sample=40))  # says negative to everything
    rows = {r["capability"]: r for r in compare_capabilities(before, after)}
    assert rows["vocabulary"]["regressed"] == 20 and rows["vocabulary"]["significantly_worse"]
    assert rows["negation_of_positive"]["fixed"] == 40 and not rows["negation_of_positive"]["significantly_worse"]


@pytest.mark.parametrize("data, message", [
    ({"tests": {"negaton_of_positive": {}}}, r"unknown capability 'negaton_of_positive'; did you mean 'negation_of_positive'"),
    ({"tests": {"vocabulary": {"max_failure_rate": 2}}}, r"tests.vocabulary.max_failure_rate: input should be less"),
    ({"sampel": 3}, r"sampel: unknown key"),
])
def test_config_errors_name_the_field(data, message):
    with pytest.raises(ConfigError, match=message):
        capability_config_from_dict(data, "suite.yml: capability")


def test_a_templates_file_without_a_source_or_with_a_stray_slot_is_refused(tmp_path):
    path = tmp_path / "mine.yml"
    path.write_text("lexicons: {x: [a]}\ncapabilities: {c: {templates: [{text: '{x}', label: positive}]}}\n")
    with pytest.raises(DataError, match="source"):
        load_capabilities(path)
    path.write_text("source: mine\nlexicons: {x: [a]}\ncapabilities: {c: {templates: [{text: '{y}', label: positive}]}}\n")
    with pytest.raises(DataError, match=r"capabilities.c.templates\[0\]: slot '\{y\}'"):
        load_capabilities(path)
