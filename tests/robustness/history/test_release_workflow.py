"""The release workflow through the commands: runs are recorded, tagged, gated against `latest-passing` (paired
McNemar on the same cases, a regression fails the gate and is marked in report.md and junit.xml), and the history
commands list, show, diff and chart them."""

from __future__ import annotations

import gzip
import json
import xml.etree.ElementTree as ET

import pytest

from robustness.history.baseline import compare_to_baseline
from robustness.history.store import RunStore
from tests.robustness.helpers import assert_user_error, run_cli

LENIENT = "tests:\n  defaults: {min_pass_rate: 0.5, min_cases: 5}\n  robustness:\n    add_typo: {}\n    uppercase: {}\n"
STRICT = LENIENT.replace("0.5", "1.0")


@pytest.fixture()
def suites(tmp_path):
    (tmp_path / "lenient.yml").write_text(LENIENT, encoding="utf-8")
    (tmp_path / "strict.yml").write_text(STRICT, encoding="utf-8")
    return tmp_path / "lenient.yml", tmp_path / "strict.yml"


def _test(capsys, model, config, out, history, *extra):
    return run_cli(["test", "--model", model, "--config", config, "--sample", 60, "--seed", 3, "--out", out,
                    "--history", history, "--no-progress", *extra], capsys)


def test_runs_are_recorded_tagged_and_latest_passing_is_the_newest_that_passed(tiny_lstm_dir, suites, tmp_path,
                                                                                 capsys):
    lenient, strict = suites
    history = tmp_path / "h.sqlite"
    code, _, err = _test(capsys, tiny_lstm_dir, lenient, tmp_path / "r1", history, "--tag", "release-1.2")
    assert code == 0 and "recorded as run 1" in err and "release-1.2" in err
    assert _test(capsys, tiny_lstm_dir, lenient, tmp_path / "r2", history)[0] == 0
    assert _test(capsys, tiny_lstm_dir, strict, tmp_path / "r3", history)[0] == 1  # fails its gate: not a baseline
    code, out, err = _test(capsys, tiny_lstm_dir, lenient, tmp_path / "r4", history, "--baseline", "latest-passing")
    assert code == 0, err
    results = json.loads((tmp_path / "r4" / "results.json").read_text())
    assert results["baseline"]["source"].startswith("run 2 ")  # run 3 failed, run 2 is the newest that passed
    assert results["baseline"]["results"] == str(tmp_path / "r2" / "results.json")
    assert {row["method"] for row in results["baseline"]["tests"]} == {"mcnemar"}  # same seed, same cases
    assert results["baseline"]["regressions"] == [] and "no test significantly worse" in out
    code, _, _ = _test(capsys, tiny_lstm_dir, lenient, tmp_path / "r5", history, "--baseline", "release-1.2")
    assert json.loads((tmp_path / "r5" / "results.json").read_text())["baseline"]["source"].startswith("run 1 [release-1.2]")
    with RunStore(history) as store:
        runs = store.runs(newest_first=False)
    assert [run["passed"] for run in runs] == [1, 1, 0, 1, 1]
    assert len({run["model_fingerprint"] for run in runs}) == 1 and runs[0]["data_fingerprint"]
    assert runs[0]["git_commit"] is not None  # the tests run inside this project's git checkout

    code, out, _ = run_cli(["history", "list", "--history", history], capsys)
    assert code == 0 and out.splitlines()[1].split()[0] == "5" and "release-1.2" in out
    code, out, _ = run_cli(["history", "show", "1", "--history", history], capsys)
    assert code == 0 and "add_typo" in out and "model_fingerprint:" in out
    code, out, _ = run_cli(["history", "diff", "1", "3", "--history", history], capsys)
    assert code == 0 and "pass -> fail" in out
    code, out, _ = run_cli(["history", "trend", "--test", "add_typo", "--history", history, "--html",
                            tmp_path / "trend.html"], capsys)
    assert code == 0 and "add_typo" in out and (tmp_path / "trend.html").read_text().count("<circle") == 5


def test_a_corrupt_store_costs_one_line_and_the_run_keeps_its_results(tiny_lstm_dir, suites, tmp_path, capsys):
    history = tmp_path / "broken.sqlite"
    history.write_bytes(b"garbage, not SQLite" * 50)
    code, _, err = _test(capsys, tiny_lstm_dir, suites[0], tmp_path / "run", history)
    assert code == 0 and (tmp_path / "run" / "results.json").is_file() and (tmp_path / "run" / "junit.xml").is_file()
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and str(history) in warnings[0] and "not in the history" in warnings[0]


def test_an_unknown_baseline_fails_before_the_run(tiny_lstm_dir, suites, tmp_path, capsys):
    history = tmp_path / "h.sqlite"
    RunStore(history).close()
    assert_user_error(_test(capsys, tiny_lstm_dir, suites[0], tmp_path / "run", history, "--baseline", "release-9"),
                      "--baseline release-9", "no run is tagged 'release-9'")
    assert not (tmp_path / "run").exists()


def test_a_significantly_worse_run_is_a_regression_marked_in_the_reports_and_failing_the_gate(
        tiny_lstm_dir, suites, tmp_path, capsys):
    history = tmp_path / "h.sqlite"
    assert _test(capsys, tiny_lstm_dir, suites[0], tmp_path / "good", history, "--tag", "shipped")[0] == 0
    # the same cases, most of add_typo's passes turned into failures: what a worse model would do
    cases = tmp_path / "good" / "cases.jsonl.gz"
    with gzip.open(cases, "rt", encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle]
    worse = [r | {"passed": False} if r["test"] == "add_typo" and r["applicable"] else r for r in records]
    (tmp_path / "worse").mkdir()
    with gzip.open(tmp_path / "worse" / "cases.jsonl.gz", "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(r) + "\n" for r in worse)
    results = json.loads((tmp_path / "good" / "results.json").read_text())
    block = compare_to_baseline(results, tmp_path / "worse" / "cases.jsonl.gz", tmp_path / "good" / "results.json",
                                "run 1")
    row = {r["test"]: r for r in block["tests"]}["add_typo"]
    assert row["method"] == "mcnemar" and row["regression"] and row["p"] < 0.05 and row["fixed"] == 0
    assert block["regressions"] == ["add_typo"]
    # without shared cases the intervals decide: a pass rate whose interval lies below the baseline's
    lower = results | {"tests": [t | {"ci_low": 0.1, "ci_high": 0.2, "pass_rate": 0.15} for t in results["tests"]]}
    block = compare_to_baseline(lower, None, tmp_path / "good" / "results.json", "run 1")
    assert {r["method"] for r in block["tests"]} == {"intervals"} and len(block["regressions"]) == 2

    from robustness.history.baseline import gate_against_baseline
    from robustness.suite.run import write_reports

    run_dir = tmp_path / "worse"
    worse_results = json.loads(json.dumps(results))
    baseline = gate_against_baseline(worse_results, run_dir / "cases.jsonl.gz", tmp_path / "good" / "results.json",
                                     "run 1 [shipped]")
    from robustness.files import write_json

    write_json(run_dir / "results.json", worse_results)
    write_reports(worse_results, run_dir, baseline=baseline)
    assert worse_results["gate"]["passed"] is False and worse_results["gate"]["regressions"] == ["add_typo"]
    assert json.loads((run_dir / "results.json").read_text())["baseline"]["regressions"] == ["add_typo"]
    report = (run_dir / "report.md").read_text()
    assert "significantly worse than the baseline (fails this gate): **add\\_typo**" in report
    assert "| add\\_typo |" in report and "**regressed**" in report
    failures = [f for f in ET.parse(run_dir / "junit.xml").getroot().iter("failure")
                if f.get("type") == "RegressionAgainstBaseline"]
    assert len(failures) == 1 and "run 1 [shipped]" in failures[0].get("message")


def test_a_run_logged_to_mlflow_is_read_back_with_its_client(tiny_lstm_dir, suites, tmp_path, capsys, monkeypatch):
    mlflow = pytest.importorskip("mlflow")
    from mlflow.tracking import MlflowClient

    monkeypatch.chdir(tmp_path)  # MLflow's default artifact root is ./mlartifacts or ./mlruns: keep it here
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    code, _, err = _test(capsys, tiny_lstm_dir, suites[0], tmp_path / "run", tmp_path / "h.sqlite", "--mlflow", uri,
                         "--tag", "release-1.3")
    assert code == 0, err
    run_id = next(line.split()[-1] for line in err.splitlines() if line.startswith("logged to MLflow as run"))
    client = MlflowClient(tracking_uri=uri)
    run = client.get_run(run_id)
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    add_typo = next(t for t in results["tests"] if t["name"] == "add_typo")
    assert run.data.metrics["pass_rate.add_typo"] == pytest.approx(add_typo["pass_rate"])
    assert run.data.metrics["pass_rate_lower.add_typo"] == pytest.approx(add_typo["ci_low"])
    assert run.data.metrics["clean_accuracy"] == pytest.approx(results["clean"]["accuracy"])
    assert run.data.params["model_spec"] == str(tiny_lstm_dir) and run.data.params["seed"] == "3"
    assert run.data.tags["robustness.tag.release-1.3"] == "true"
    artifacts = {a.path for a in client.list_artifacts(run_id)}
    assert {"report.html", "results.json", "junit.xml"} <= artifacts
    assert mlflow.get_experiment(run.info.experiment_id).name == "robustness"


def test_a_run_written_over_its_own_baseline_compares_with_what_was_there(tiny_lstm_dir, suites, tmp_path, capsys):
    """`--out runs/ci --baseline latest-passing` where the latest passing run is runs/ci itself: the baseline is
    copied before the run writes, so the comparison is with the earlier run, not with itself."""
    history = tmp_path / "h.sqlite"
    assert _test(capsys, tiny_lstm_dir, suites[0], tmp_path / "ci", history, "--seed", 3)[0] == 0
    before = json.loads((tmp_path / "ci" / "results.json").read_text())
    code, _, err = _test(capsys, tiny_lstm_dir, suites[0], tmp_path / "ci", history, "--baseline", "latest-passing",
                         "--seed", 4)
    assert code == 0, err
    after = json.loads((tmp_path / "ci" / "results.json").read_text())
    assert after["seed"] == 4 and after["baseline"]["results"] == str(tmp_path / "ci" / "results.json")
    rows = {row["test"]: row for row in after["baseline"]["tests"]}
    assert rows["add_typo"]["pass_rate_before"] == next(t["pass_rate"] for t in before["tests"] if t["name"] == "add_typo")
    assert {row["method"] for row in rows.values()} == {"intervals"}  # another seed: other cases, nothing paired


def test_a_max_score_regresses_when_its_interval_rises_above_the_baseline(tmp_path):
    from robustness.files import write_json

    def run(low, high):
        return {"kind": "suite_results", "schema_version": 1, "seed": 1, "data": {}, "tests": [
            {"name": "negation_of_positive", "kind": "score", "comparison": "max", "score": (low + high) / 2,
             "pass_rate": None, "n_applicable": 200, "min_pass_rate": None, "expectation": "INV",
             "ci_low": low, "ci_high": high, "status": "pass"}]}

    write_json(tmp_path / "results.json", run(0.30, 0.45))
    better = compare_to_baseline(run(0.05, 0.12), None, tmp_path / "results.json", "run 1")
    worse = compare_to_baseline(run(0.50, 0.62), None, tmp_path / "results.json", "run 1")
    assert better["regressions"] == [] and worse["regressions"] == ["negation_of_positive"]


def test_history_shows_a_count_as_a_count_and_a_rate_change_in_points(tmp_path, capsys):
    from robustness.history.record import test_rows

    def results(count, rate):
        return {"tests": [
            {"name": "min_gender_representation_count", "kind": "score", "metric": "count", "score": count,
             "threshold": 30, "n_applicable": 500, "pass_rate": None, "status": "pass"},
            {"name": "add_typo", "kind": "cases", "pass_rate": rate, "n_applicable": 500, "ci_low": rate - 0.03,
             "ci_high": rate + 0.02, "min_pass_rate": 0.9, "status": "pass"}]}

    history = tmp_path / "history.sqlite"
    with RunStore(history) as store:
        for count, rate in ((1204, 0.95), (1207, 0.93)):
            store.record({"kind": "test", "created_at": "2026-12-06T00:00:00Z"}, test_rows(results(count, rate)))
    code, out, _ = run_cli(["history", "diff", "1", "2", "--history", history], capsys)
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:] if line.strip()}
    assert code == 0
    assert rows["min_gender_representation_count"][1:4] == ["1,204", "1,207", "+3"]
    assert rows["add_typo"][1:3] == ["0.950", "0.930"] and " ".join(rows["add_typo"][3:5]) == "−2.0 pt"
    code, out, _ = run_cli(["history", "trend", "--history", history], capsys)
    assert "+3 " in out and "1,207" in out and "pt" not in out.split("min_gender_representation_count")[1].split("\n")[0]
