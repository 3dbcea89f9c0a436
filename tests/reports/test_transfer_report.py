"""The before/after report's transfer section and capability-guard table."""

from __future__ import annotations

from reports import render_before_after_html, render_before_after_markdown
from tests.reports.loop_blocks import with_transfer


def test_html_shows_the_transfer_section_and_the_guards(builders):
    summary = with_transfer(builders["make_loop_summary"]())
    html = render_before_after_html(summary)
    assert 'id="transfer"' in html and 'id="guards"' in html
    assert "It did not transfer." in html  # 1 fixed, 0 regressed among held-out cases: p = 1
    assert "Pooled held-out failure (flip) rate" in html and "McNemar" in html
    for name in ("lowercase", "add_contraction", "add_typo", "antonym"):  # held out and trained rows
        assert f'data-test="{name}"' in html
    assert 'data-capability="vocabulary"' in html and "significantly better" in html
    assert "No capability got significantly worse" in html


def test_a_guard_that_got_significantly_worse_fails_the_verdict_and_is_named(builders):
    summary = with_transfer(builders["make_loop_summary"](), guard_regresses=True)
    for run in ("after", "fresh"):  # every test passes: only the guard can fail the verdict
        for test in summary[run]["tests"]:
            test["status"] = "pass"
        summary[run]["gate"].update(passed=True, failed_tests=[])
    html = render_before_after_html(summary)
    assert "RELEASE GATE: FAIL" in html and "capability guards significantly worse: contrast" in html
    markdown = render_before_after_markdown(summary)
    assert "Capability guards significantly worse: contrast" in markdown
    assert "Transfer: **it did not transfer**" in markdown and "| contrast | 40 |" in markdown


def test_a_summary_without_the_blocks_renders_as_before(loop_summary):
    html = render_before_after_html(loop_summary)
    assert 'id="transfer"' not in html and 'id="guards"' not in html
