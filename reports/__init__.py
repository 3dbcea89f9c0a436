"""Reports: results dicts in, HTML / Markdown / JUnit text out. Never runs a model, never reads
or writes a data file (robustness.suite.report_files does) and imports nothing from the other packages.

Inputs are described in docs/results-schema.md (one suite run) and docs/loop-schema.md (before/after).
A dict without the promised shape raises ReportError, naming the field.
"""

from reports.compare import render_compare_html, render_compare_markdown
from reports.errors import ReportError
from reports.inputs import check_loop_summary, check_results
from reports.junit import render_junit, render_loop_junit
from reports.render import (
                            render_before_after_html,
                            render_before_after_markdown,
                            render_suite_html,
                            render_suite_markdown,
)

__all__ = [
    "ReportError", "render_compare_html", "render_compare_markdown", "check_loop_summary", "check_results",
    "render_before_after_html", "render_before_after_markdown", "render_junit", "render_loop_junit",
    "render_suite_html", "render_suite_markdown",
]
