"""Bad inputs fail with a ReportError naming the field (a DataError once read or written through
robustness.suite.report_files); good ones are written atomically, all or nothing."""

from __future__ import annotations

import json

import pytest

from reports import ReportError, render_suite_html
from robustness.errors import DataError
from robustness.suite.report_files import read_loop_summary, read_results, write_loop_reports, write_suite_reports


@pytest.mark.parametrize("change, message", [
    (lambda r: r.update(schema_version=2), "'schema_version' is 2"),
    (lambda r: r.update(kind="loop_summary"), "'kind' is 'loop_summary'"),
    (lambda r: r.update(tests={}), "'tests' must be a list"),
    (lambda r: r["tests"][1].update(status="passed"), "'tests[1].status' is 'passed'"),
    (lambda r: r["tests"][0].pop("name"), "'tests[0].name'"),
    (lambda r: r["tests"][2].update(pass_rate=92.3), "'tests[2].pass_rate' must be a number between 0 and 1"),
    (lambda r: r["tests"][0].update(examples="none"), "'tests[0].examples' must be a list"),
])
def test_bad_results_name_the_field(suite_results, change, message):
    change(suite_results)
    with pytest.raises(ReportError, match=message.replace("[", r"\[").replace("]", r"\]")):
        render_suite_html(suite_results)


@pytest.mark.parametrize("change, message", [
    (lambda s: s.pop("after"), "'after' is missing"),
    (lambda s: s["before"]["tests"][0].update(status="ok"), r"before: field 'tests\[0\].status'"),
    (lambda s: s.update(paired=[]), "'paired' must be an object"),
    (lambda s: s["paired"]["tests"][1].update(fixed=-1), r"'paired.tests\[1\].fixed' must be a count"),
    (lambda s: s.update(seeds=[7]), "'seeds' must be an object"),
])
def test_bad_loop_summary_names_the_field(loop_summary, tmp_path, change, message):
    change(loop_summary)
    with pytest.raises(DataError, match=message):
        write_loop_reports(loop_summary, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_read_results_file_errors(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        read_results(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(DataError, match="not valid JSON"):
        read_results(bad)
    bad.write_text("[1, 2]")
    with pytest.raises(DataError, match="must hold a JSON object"):
        read_loop_summary(bad)


def test_write_suite_reports(suite_results, tmp_path):
    (tmp_path / "results.json").write_text(json.dumps(suite_results))
    results = read_results(tmp_path / "results.json")
    paths = write_suite_reports(results, tmp_path)
    assert {k: p.name for k, p in paths.items()} == {"html": "report.html", "markdown": "report.md",
                                                     "junit": "junit.xml"}
    assert all(p.stat().st_size > 200 for p in paths.values())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junit.xml", "report.html", "report.md", "results.json"]


def test_write_loop_reports(loop_summary, tmp_path):
    paths = write_loop_reports(loop_summary, tmp_path / "loop")
    assert sorted(p.name for p in (tmp_path / "loop").iterdir()) == ["before_after.html", "before_after.md", "junit.xml"]
    assert paths["html"].read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_json_round_trip_with_unicode_reviews(builders, tmp_path):
    test = builders["make_test"]("add_typo", 100, 10)
    test["examples"][0].update(original="Ce film était génial 🎬 — vraiment", perturbed="Ce film était génal 🎬 — vraiment")
    test["examples"][0].pop("edits")
    results = builders["make_results"]([test])
    paths = write_suite_reports(json.loads(json.dumps(results)), tmp_path)
    html = paths["html"].read_text(encoding="utf-8")
    assert "<del>génial</del>" in html and "<ins>génal</ins>" in html and "🎬" in html
