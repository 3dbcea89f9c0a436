"""The comparison report from a hand-built compare.json: escaping, self-containment, charts, Markdown."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from reports.compare import check_comparison, highlight, render_compare_html, render_compare_markdown
from reports.errors import ReportError
from reports.formatting import md_escape
from robustness.errors import DataError
from robustness.suite.report_files import write_compare_reports

SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="window.__injected=1">'
SVG = "{http://www.w3.org/2000/svg}"


def _test(name, rate, n=50):
    passed = round(rate * n)
    return {"name": name, "expectation": "INV", "n_applicable": n, "n_pass": passed, "pass_rate": passed / n,
            "ci_low": max(0.0, passed / n - 0.1), "ci_high": min(1.0, passed / n + 0.1), "min_pass_rate": 0.8,
            "status": "pass" if passed / n >= 0.8 else "fail", "flip_rate": 1 - passed / n, "accuracy_perturbed": 0.8}


def _failure(original, perturbed):
    def words(text, weight):
        return [{"word": m.group(), "start": m.start(), "end": m.end(), "importance": weight if "terrib" in m.group() else 0.01}
                for m in re.finditer(r"\S+", text)]
    return {"case_id": "add_typo:r1", "test": "add_typo", "gold": "negative", "original": original,
            "perturbed": perturbed, "expected": "negative", "original_prediction": "negative", "actual": "positive",
            "original_proba": [0.8, 0.2], "perturbed_proba": [0.4, 0.6],
            "explanation": {"original": {"label": "negative", "probability": 0.8, "words": words(original, 0.5)},
                            "perturbed": {"label": "negative", "probability": 0.4, "words": words(perturbed, -0.2)}}}


def _model(name, accuracy, rates, speed, history=True, failures=()):
    tests = [_test(t, r) for t, r in zip(("add_typo", "uppercase"), rates)]
    worst = min(tests, key=lambda t: t["pass_rate"])
    return {"name": name, "path": None, "family": "lstm", "info": {}, "parameters": 1000, "training_seconds": 12.5,
            "inference_reviews_per_s": speed, "clean": {"n": 50, "accuracy": accuracy, "macro_f1": accuracy},
            "suite_clean": {}, "gate_passed": False, "worst_test": {"name": worst["name"], "pass_rate": worst["pass_rate"]},
            "tests": tests, "failures": list(failures),
            "history": [{"epoch": e, "train_loss": 0.7 / e, "validation_accuracy": 0.6 + 0.05 * e} for e in (1, 2, 3)] if history else []}


@pytest.fixture
def comparison():
    bad_name = f"lstm {SCRIPT}|x"
    failure = _failure(f"The film was terrible. {SCRIPT} {IMG}", f"The film was terrib1e. {SCRIPT} {IMG}")
    models = [_model(bad_name, 0.82, (0.7, 1.0), 800.0, failures=[failure]), _model("tfidf", 0.9, (0.9, 1.0), 5000.0, history=False),
              _model("nbsvm", 0.91, (0.88, 0.98), 4000.0, history=False)]
    pair = lambda a, b: {"a": a, "b": b, "clean": {"n": 50, "a_only_right": 2, "b_only_right": 6, "p": 0.29},  # noqa: E731
                         "robustness": {"n_shared": 100, "a_only_pass": 1, "b_only_pass": 12, "p": 0.003},
                         "tests": {"add_typo": {"n_shared": 50, "a_only_pass": 0, "b_only_pass": 10, "p": 0.002}}}
    return {"schema_version": 1, "kind": "model_comparison", "created_at": "2026-01-01T00:00:00Z", "seed": 7,
            "sample": 50, "n_cases": 100, "case_ids_match": True, "tests": ["add_typo", "uppercase"],
            "data": {"path": f"data/{SCRIPT}.csv", "n_sampled": 50}, "models": models,
            "pairwise": [pair(bad_name, "tfidf"), pair(bad_name, "nbsvm"), pair("tfidf", "nbsvm")],
            "versions": {"harness": "0.1"}, "config": {}}


def test_html_escapes_everything_and_fetches_nothing(comparison):
    html = render_compare_html(comparison)
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;img src=x onerror=" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert "@import" not in html and "url(" not in html and "<link" not in html.lower()


def test_html_charts_parse_and_have_a_bar_per_model_and_test(comparison):
    html = render_compare_html(comparison)
    svgs = [ET.fromstring(s) for s in re.findall(r"<svg .*?</svg>", html, re.S)]
    assert len(svgs) == 4  # scatter, grouped bars, two training-curve charts
    bars = [s for s in svgs if s.find(f"{SVG}title").text == "pass rate per test, per model"][0]
    assert len(bars.findall(f".//{SVG}rect[@class='bar']")) == 3 * 2
    scatter = [s for s in svgs if s.find(f"{SVG}title").text.startswith("clean accuracy")][0]
    radii = [float(c.get("r")) for c in scatter.findall(f"{SVG}circle")]
    assert len(radii) == 3 and radii[1] == max(radii)  # the fastest model has the biggest marker


def test_failures_highlight_the_words_that_moved_the_prediction(comparison):
    html = render_compare_html(comparison)
    assert re.search(r'<span style="background: rgba\(31,138,76,0\.60\)" title="\+0\.500">terrible\.</span>', html)
    assert re.search(r'<span style="background: rgba\(198,40,40,0\.24\)" title="-0\.200">terrib1e\.</span>', html)


def test_highlight_covers_the_text_exactly():
    text = "  a  bad\tfilm "
    words = [{"word": w, "start": s, "end": e, "importance": i} for w, s, e, i in
             (("a", 2, 3, 0.0), ("bad", 5, 8, 0.4), ("film", 9, 13, -0.1))]
    segments = highlight(text, {"words": words}, 0.4)
    assert "".join(s["text"] for s in segments) == text
    assert [s["text"] for s in segments if s["style"]] == ["bad", "film"]


def test_markdown_escapes_and_has_the_tables(comparison):
    md = render_compare_markdown(comparison)
    assert f"| {md_escape(comparison['models'][0]['name'])} |" in md and "\\|x" in md  # pipes escaped: the table survives
    assert "| tfidf | 90.0% | 90.0% | 1,000 | 12.5 s | 5,000 | add\\_typo (90.0%) |" in md
    assert "| add\\_typo | 70.0% (60.0%–80.0%) | 90.0% (80.0%–100.0%) | 88.0% (78.0%–98.0%) |" in md
    assert md.count("\n| ") >= 3 + 2 + 3 and "terrible. +0.50" in md


def test_bad_input_names_the_field(comparison):
    del comparison["pairwise"]
    with pytest.raises(ReportError, match="'pairwise'"):
        check_comparison(comparison)
    with pytest.raises(ReportError, match="not a model comparison"):
        render_compare_html({"kind": "suite_results"})


def test_the_engine_writes_a_bad_comparison_as_a_data_error(comparison, tmp_path):
    """The command-line path: the same one-line message, as the DataError the CLI maps to exit 2, no files."""
    del comparison["pairwise"]
    with pytest.raises(DataError, match="comparison: field 'pairwise' is missing; re-run `robustness compare`"):
        write_compare_reports(comparison, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_scatter_labels_of_clustered_models_do_not_overlap(comparison):
    from reports.compare_charts import accuracy_vs_robustness

    template = comparison["models"][1]
    comparison["models"] = [dict(template, name=f"model_{k}") for k in range(5)]  # five identical points
    svg = ET.fromstring(str(accuracy_vs_robustness(comparison)))
    ys = [float(t.get("y")) for t in svg.findall(f"{SVG}text[@class='label']")]
    assert len(ys) == 5 and min(b - a for a, b in zip(sorted(ys), sorted(ys)[1:])) >= 14
