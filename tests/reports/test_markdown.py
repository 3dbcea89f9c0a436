"""Markdown for PR comments: the verdict on top, one table row per test, every value inert."""

from __future__ import annotations

from reports import render_before_after_markdown, render_suite_markdown


def _table_rows(markdown: str, header_start: str) -> list[list[str]]:
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return rows


def test_suite_markdown_verdict_and_rows(suite_results):
    md = render_suite_markdown(suite_results)
    assert md.startswith("## Robustness gate: ❌ FAILED")
    rows = _table_rows(md, "| Test |")
    assert [r[0] for r in rows] == ["add\\_typo", "swap\\_synonym", "lowercase", "antonym", "add\\_contraction"]
    assert all(len(r) == len(rows[0]) for r in rows)
    assert rows[0][2] == "61.5%" and rows[0][-1].startswith("❌ fail")
    assert rows[-1][-1] == "⚪ insufficient"


def test_suite_markdown_with_baseline_marks_regressions(suite_results, baseline_results):
    md = render_suite_markdown(suite_results, baseline_results)
    assert "**2 regressions: add\\_typo, antonym**" in md
    rows = {r[0]: r for r in _table_rows(md, "| Test |")}
    assert rows["add\\_typo"][6] == "−25.6 pt" and rows["add\\_typo"][-1].endswith("**regressed**")
    assert rows["swap\\_synonym"][6] == "+16.7 pt"


def test_review_text_cannot_inject_html_or_break_tables(builders):
    test = builders["make_test"]("add_typo", 100, 10)
    test["examples"][0]["original"] = "great | film\n\n# heading <script>alert(1)</script> **bold** [x](http://e)"
    test["examples"][0]["perturbed"] = "grate | film\n\n# heading <script>alert(1)</script> **bold** [x](http://e)"
    test["examples"][0].pop("edits", None)
    md = render_suite_markdown(builders["make_results"]([test]))
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert "\n# heading" not in md and "\\*\\*bold\\*\\*" in md and "\\[x\\]" in md
    quoted = [line for line in md.splitlines() if line.startswith("> _original:_")]
    assert quoted and "\\|" in quoted[0]
    assert "~~great~~" in quoted[0]


def test_passing_suite_without_examples(builders):
    results = builders["make_results"]([builders["make_test"]("a", 100, 100)])
    md = render_suite_markdown(results)
    assert md.startswith("## Robustness gate: ✅ passed") and "<details>" not in md


def test_before_after_markdown(loop_summary):
    md = render_before_after_markdown(loop_summary)
    assert md.startswith("## Release gate after the fix: ❌ FAIL")
    assert "**significantly worse on swap\\_synonym**" in md
    assert "Clean accuracy 86.1% → 85.7% (−0.4 pt)" in md
    rows = {r[0]: r for r in _table_rows(md, "| Test | n |")}
    assert len(rows) == 5
    assert rows["add\\_typo"][2:4] == ["61.5%", "87.2%"] and rows["add\\_typo"][-1] == "❌ fail → ✅ pass"
    paired = {r[0]: r for r in _table_rows(md, "| Test | Paired |")}
    assert paired["swap\\_synonym"][2:4] == ["8", "38"]
    assert paired["add\\_contraction"][-1] == "–"  # no discordant pairs: no p-value
    assert "&lt;script&gt;" in md and "<script>" not in md


def test_before_after_markdown_names_the_fix_stage_winner_and_every_candidate(loop_summary):
    from tests.reports.loop_blocks import with_fix

    text = render_before_after_markdown(with_fix(loop_summary))
    assert text.startswith("## Release gate after the fix (normalize): ")
    assert "- Fix stage: **normalize** won (normalize: held-out failure rate" in text
    table = text.split("<summary>Fix candidates", 1)[1]
    assert "| normalize (chosen) |" in table and "| augment |" in table
    assert "no: held-out failure rate not significantly lower; clean validation accuracy down 1.00 pt" in table


def test_a_group_gap_shows_its_gap_before_and_after_not_n_a(loop_summary):
    from reports import render_before_after_html

    def gap(score, low, high):
        return {"name": "group_gap_ethnicity", "category": "bias", "kind": "score", "expectation": "MAX",
                "metric": "max_group_gap_p_positive", "score": score, "ci_low": low, "ci_high": high,
                "pass_rate": None, "min_pass_rate": None, "threshold": 0.05, "status": "fail", "n_applicable": 11520,
                "n_cases": 11520}

    loop_summary["before"]["tests"].append(gap(0.106, 0.093, 0.118))
    loop_summary["after"]["tests"].append(gap(0.081, 0.070, 0.093))
    row = next(line for line in render_before_after_markdown(loop_summary).splitlines()
               if line.startswith("| group\\_gap\\_ethnicity |"))  # Markdown-escaped
    assert "| 10.6% | 8.1% | 7.0%–9.3% | 5% | −2.5 pt |" in row, row
    html = render_before_after_html(loop_summary)
    cell = html.split('data-test="group_gap_ethnicity"', 1)[1].split("</tr>", 1)[0]
    assert "10.6%" in cell and "8.1%" in cell and "n/a" not in cell
