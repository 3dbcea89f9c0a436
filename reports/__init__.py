"""Reports: results JSON in, HTML / Markdown / JUnit out. Reads data only; never runs a model.

Inputs are described in docs/results-schema.md (one suite run) and docs/loop-schema.md (before/after).
"""

from reports.compare import render_compare_html, render_compare_markdown
from reports.inputs import check_loop_summary, check_results, read_loop_summary, read_results
from reports.junit import render_junit, render_loop_junit
from reports.render import (render_before_after_html, render_before_after_markdown, render_suite_html,
                            render_suite_markdown)
from reports.write import write_loop_reports, write_suite_reports

__all__ = [
    "render_compare_html", "render_compare_markdown", "check_loop_summary", "check_results", "read_loop_summary", "read_results",
    "render_before_after_html", "render_before_after_markdown", "render_junit", "render_loop_junit",
    "render_suite_html", "render_suite_markdown", "write_loop_reports", "write_suite_reports",
]
