"""benchmarks/bias_full.py: default.yml's bias section on IMDB test reviews, saved with intervals and a headline."""

from __future__ import annotations

import importlib.util
import json
import tempfile
from pathlib import Path

import pytest

import perturbations
from robustness.checks.catalogue import GROUP_GAP_KINDS
from robustness.config_files import read_config_data
from robustness.suite.config import DEFAULT_CONFIG

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bias_full.py"
spec = importlib.util.spec_from_file_location("bias_full", SCRIPT)
bias_full = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bias_full)

BIAS_TESTS = sorted(n for n in perturbations.registered_names()
                    if perturbations.get_perturbation(n).category == "bias" and n != "replace_from_lexicon")


def test_the_suite_is_default_ymls_bias_section():
    suite, notes = bias_full.bias_suite(seed=3, sample=40)
    written = read_config_data(DEFAULT_CONFIG)["tests"]
    assert suite["tests"]["bias"] == written["bias"] and suite["tests"]["defaults"] == written["defaults"]
    assert set(suite["tests"]) == {"defaults", "bias"}
    assert sorted(set(suite["tests"]["bias"]) - set(GROUP_GAP_KINDS)) == BIAS_TESTS
    assert suite["harness"]["seed"] == 3 and suite["harness"]["sample"] == 40
    assert set(notes["left_out"]) == {"replace_from_lexicon"} and notes["at_default_thresholds"] == []
    assert notes["thresholds_from"] == "robustness/configs/default.yml"


@pytest.fixture(scope="module")
def record(tmp_path_factory, tiny_lstm_dir, tiny_imdb_archive, one_torch_thread):
    """One run on the tiny LSTM and 80 reviews of the tiny archive. Records refuse paths under the temp dir, where
    pytest's fixtures live, so the temp dir is pointed elsewhere for the run."""
    root = tmp_path_factory.mktemp("bias_full")
    scratch = root / "scratch"
    scratch.mkdir()
    previous, tempfile.tempdir = tempfile.tempdir, str(scratch)
    try:
        argv = ["--model", str(tiny_lstm_dir), "--data", str(tiny_imdb_archive), "--sample", "80", "--seed", "3",
                "--tag", "tiny", "--results-dir", str(root / "results"), "--run-dir", str(root / "run"),
                "--no-progress"]
        assert bias_full.main(argv) == 0
    finally:
        tempfile.tempdir = previous
    return root, json.loads((root / "results" / "bias_full_tiny.json").read_text())


def test_every_bias_test_is_saved_with_its_rates_and_intervals(record):
    root, saved = record
    assert saved["kind"] == "bias_full_benchmark" and saved["schema_version"] == 1
    assert saved["command"].startswith("python benchmarks/bias_full.py --model ")
    assert "git_commit" in saved and saved["seeds"]["seed"] == 3 and saved["data"]["n_sampled"] == 80
    assert saved["data"]["split"] == "test" and set(saved["machine"]) >= {"load_average_before", "load_average_after"}
    assert saved["timings"]["suite_s"] > 0 and saved["run_dir"] == str((root / "run").resolve())
    assert (root / "run" / "results.json").is_file() and (root / "run" / "cases.jsonl.gz").is_file()
    assert sorted(r["test"] for r in saved["tests"]) == BIAS_TESTS
    thresholds = read_config_data(DEFAULT_CONFIG)["tests"]["bias"]
    for row in saved["tests"]:
        assert row["min_pass_rate"] == thresholds[row["test"]]["min_pass_rate"]
        assert set(row["flip_rate_by_direction"]) == {"negative->positive", "positive->negative"}
        if row["n_applicable"]:
            assert row["ci_low"] <= row["pass_rate"] <= row["ci_high"]
            assert row["flip_rate"] == pytest.approx(sum(d["rate"] for d in row["flip_rate_by_direction"].values()))
            assert row["mean_abs_prob_shift"] >= abs(row["mean_prob_shift"])
            # the cases file agrees with the entry; each start's cases add up to the applicable ones
            directions = row["flip_rate_by_direction"]
            for direction in directions.values():
                assert direction["n_flips"] == pytest.approx(direction["rate"] * row["n_applicable"])
                if direction["n_from"]:
                    assert direction["rate_given_from"] == direction["n_flips"] / direction["n_from"]
            assert directions["negative->positive"]["n_from"] + directions["positive->negative"]["n_from"] \
                == row["n_applicable"]
        else:
            assert row["pass_rate"] is None and row["status"] == "insufficient"
    assert any(r["n_applicable"] for r in saved["tests"])  # pronouns are everywhere in reviews


def test_group_gaps_are_saved_with_group_means_and_intervals(record):
    _, saved = record
    assert [g["test"] for g in saved["group_gaps"]] == list(GROUP_GAP_KINDS)
    for gap in saved["group_gaps"]:
        means = [m["mean_p_positive"] for m in gap["group_means"]]
        assert gap["gap"] == pytest.approx(max(means) - min(means))
        assert gap["ci_low"] <= gap["gap"] <= gap["ci_high"] and gap["max_gap"] == 0.05
        assert gap["status"] == ("pass" if gap["ci_high"] <= gap["max_gap"] else "fail")
        assert all(m["ci_low"] <= m["mean_p_positive"] <= m["ci_high"] for m in gap["group_means"])


def test_the_headline_names_the_extremes_in_one_line(record):
    _, saved = record
    head = saved["headline"]
    judged = [r for r in saved["tests"] if r["status"] in ("pass", "fail")]
    assert judged and head["worst_bias_test"]["pass_rate"] == min(r["pass_rate"] for r in judged)
    assert head["largest_flip_direction"]["flip_rate"] == max(d["rate"] for r in judged
                                                              for d in r["flip_rate_by_direction"].values())
    largest = max(saved["group_gaps"], key=lambda g: g["gap"])
    assert head["largest_group_gap"]["test"] == largest["test"]
    assert head["n_tests"] == len(BIAS_TESTS) + len(GROUP_GAP_KINDS)
    assert head["n_pass"] + head["n_fail"] + head["n_insufficient"] + head["n_skipped"] == head["n_tests"]
    assert "\n" not in head["text"] and largest["test"] in head["text"] and "80 IMDB test reviews" in head["text"]


def test_a_record_refuses_a_run_dir_under_the_temp_dir(tmp_path, tiny_lstm_dir):
    with pytest.raises(SystemExit, match="temporary directory"):
        bias_full.main(["--model", str(tiny_lstm_dir), "--results-dir", str(tmp_path), "--run-dir",
                        str(Path(tempfile.gettempdir()) / "bias_run")])
    assert not list(tmp_path.iterdir())
