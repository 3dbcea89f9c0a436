"""The HTML pages without a browser: escaping, self-containment, the SVG chart and what the tables say."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from reports import render_before_after_html, render_suite_html
from reports.charts import Bar, ChartRow, pass_rate_chart

SVG = "{http://www.w3.org/2000/svg}"


def _svg(html: str) -> ET.Element:
    match = re.search(r"<svg .*?</svg>", html, re.S)
    return ET.fromstring(match.group(0))


def _self_contained(html: str) -> None:
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert "@import" not in html and "url(" not in html
    assert "<link" not in html.lower()


def test_suite_page_escapes_reviews_and_config(suite_results, builders):
    suite_results["tests"][0] = builders["make_test"]("add_typo", 195, 120, examples=4)
    html = render_suite_html(suite_results)
    _self_contained(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=" in html
    assert "&lt;b&gt;gripping&lt;/b&gt;" in html  # markup inside a review stays text too


def test_suite_page_table_and_chart(suite_results):
    html = render_suite_html(suite_results)
    assert html.count('<tr class="status-') == 5
    assert 'data-test="add_typo"' in html and "GATE FAILED" in html
    svg = _svg(html)
    bars = svg.findall(f".//{SVG}rect[@class='bar']")
    thresholds = svg.findall(f".//{SVG}line[@class='threshold']")
    assert len(bars) == 5 and len(thresholds) == 5 + 1  # one per test plus the legend key
    # the bar of add_typo (61.5%) is shorter than the threshold mark at 70%
    width = float(bars[0].get("width"))
    x_threshold = float(thresholds[1].get("x1"))
    assert float(bars[0].get("x")) + width < x_threshold
    assert "61.5%" in bars[0].find(f"{SVG}title").text


def test_suite_page_against_baseline_marks_regressions(suite_results, baseline_results):
    html = render_suite_html(suite_results, baseline_results)
    assert html.count('class="badge regressed"') == 2 and html.count('class="badge improved"') == 1
    assert "−25.6 pt" in html and "+16.7 pt" in html
    assert "Baseline" in html


def test_suite_page_lists_tests_dropped_since_the_baseline(suite_results, baseline_results, builders):
    baseline_results["tests"].append(builders["make_test"]("gone_test", 100, 90))
    html = render_suite_html(suite_results, baseline_results)
    assert "Not run this time (in the baseline only): gone_test" in html


def test_test_without_applicable_cases_renders(builders):
    empty = builders["make_test"]("no_change", 0, 0, n_cases=50)
    assert empty["pass_rate"] is None and empty["status"] == "insufficient"
    html = render_suite_html(builders["make_results"]([empty]))
    assert "n/a" in html and "nan" not in html.lower()


def test_highlighting_uses_edits_and_falls_back(suite_results):
    html = render_suite_html(suite_results)
    assert "<del>a</del>" in html and "<ins>amazng</ins>" in html  # from edits
    assert "changes found by word diff" in html  # the examples built without edits


def test_before_after_page(loop_summary):
    html = render_before_after_html(loop_summary)
    _self_contained(html)
    assert html.index('id="verdict"') < html.index('id="tests"') < html.index("<svg")
    assert "RELEASE GATE: FAIL" in html
    assert html.count('<tr class="status-') == 5
    assert 'id="paired"' in html and "significantly worse" in html and "significantly better" in html
    assert "86.1%" in html and "85.7%" in html and "−0.4 pt" in html
    svg = _svg(html)
    assert len(svg.findall(f".//{SVG}rect[@class='bar']")) == 10  # before and after per test
    assert len(svg.findall(f".//{SVG}g[@class='whisker']")) == 10
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    # fresh_before: the original model on the fresh-seed cases, shown beside the fresh-seed result
    assert f"before {loop_summary['fresh_before']['tests'][0]['pass_rate']:.1%}" in html
    assert "<th>dir policy</th>" in html and "proportional" in html
    for seed in ("fresh_suite", "augment", "train"):
        assert f"<th>{seed}</th>" in html


def test_before_after_verdict_passes_only_when_fresh_passes_too(builders):
    summary = builders["make_loop_summary"]()
    for test in summary["after"]["tests"]:
        if test["status"] == "fail":
            test["status"] = "pass"
    summary["after"]["gate"].update(passed=True, failed_tests=[])
    assert "RELEASE GATE: FAIL" in render_before_after_html(summary)  # fresh still fails swap_synonym
    summary["fresh"]["gate"].update(passed=True, failed_tests=[])
    assert "RELEASE GATE: PASS" in render_before_after_html(summary)
    summary["fresh"] = None
    html = render_before_after_html(summary)
    assert "RELEASE GATE: PASS" in html and "Fresh seed" not in html and "No fresh-seed check" in html


def test_before_after_without_optional_sections(builders):
    summary = builders["make_loop_summary"](with_fresh=False)
    for key in ("clean", "augmentation", "models", "config", "seeds", "versions", "timings"):
        summary.pop(key)
    html = render_before_after_html(summary)
    assert "86.0%" in html  # falls back to the suites' own clean metrics
    assert "No augmentation summary." in html


def test_chart_escapes_labels_and_handles_missing_rates():
    rows = [ChartRow("<b>x</b>", 0.7, (Bar("run", None, None, None, "insufficient"),)),
            ChartRow("y", None, (Bar("run", 1.2, 0.9, 1.0, "pass"),))]
    svg = ET.fromstring(str(pass_rate_chart(rows, "t & t")))
    assert svg.find(f"{SVG}title").text == "t & t"
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "<b>x</b>" in texts and any("n/a" in (t or "") for t in texts)
    bar = svg.find(f".//{SVG}rect[@class='bar']")
    assert float(bar.get("x")) + float(bar.get("width")) <= 760  # clamped to 100%
    assert ET.fromstring(str(pass_rate_chart([], "empty"))) is not None
    long = ET.fromstring(str(pass_rate_chart([ChartRow("replace_to_hispanic_lastnames", 0.9, ())], "t")))
    label = next(t for t in long.iter(f"{SVG}text") if t.get("class") == "label")
    assert label.text == "replace_to_hispanic_las…" and label.find(f"{SVG}title").text == "replace_to_hispanic_lastnames"


def test_gate_failing_only_on_insufficient_tests_says_why(builders):
    summary = builders["make_loop_summary"](with_fresh=False)
    after = summary["after"]
    for test in after["tests"]:
        if test["status"] == "fail":
            test["status"] = "pass"
    after["gate"].update(passed=False, failed_tests=[], fail_on_insufficient=True)
    html = render_before_after_html(summary)
    assert "RELEASE GATE: FAIL" in html and "failing add_contraction" in html
    assert "too few applicable cases also fails the gate" in html


def test_an_example_without_texts_still_renders_and_a_capability_case_shows_one_sentence(builders):
    """Examples are shown as one sentence only for a capability test (metric failure_rate); a perturbation
    example missing its texts still renders as original/perturbed instead of failing."""
    from reports import render_suite_html, render_suite_markdown

    results = builders["make_results"]([builders["make_test"]("add_typo", 40, 20)])
    results["tests"][0]["examples"] = [{"case_id": "c1", "expected": "positive", "actual": "negative"}]
    html = render_suite_html(results)
    assert "c1" in html and 'class="example-body single"' not in html
    group = {"group": "failure_rate", "n": 40, "score": 0.5, "ci_low": 0.35, "ci_high": 0.65, "threshold": 0.2,
             "status": "fail"}
    capability = {**results["tests"][0], "name": "contrast", "kind": "score", "metric": "failure_rate",
                  "groups": [group], "score": 0.5, "ci_low": 0.35, "ci_high": 0.65, "threshold": 0.2,
                  "comparison": "max", "threshold_key": "max_failure_rate", "category": "capability",
                  "examples": [{"case_id": "contrast/0", "original": "Good, but bad.", "perturbed": "Good, but bad.",
                                "expected": "negative", "actual": "positive", "p_positive": 0.7}]}
    results["tests"].append(capability)
    html = render_suite_html(results)
    assert 'class="example-body single"' in html and "P(positive) 0.70" in html
    assert "_sentence:_ Good, but bad." in render_suite_markdown(results)


def test_the_html_says_when_the_chosen_model_never_trained_on_the_rows(loop_summary):
    from tests.reports.loop_blocks import with_fix

    html = render_before_after_html(with_fix(loop_summary))  # normalize chosen
    assert 'id="augmentation-not-chosen"' in html and "normalize, was not trained on them" in html
    loop_summary["fix"]["chosen"] = "augment"
    assert 'id="augmentation-not-chosen"' not in render_before_after_html(loop_summary)
