"""The reports' files: read a results.json or loop summary, write the rendered reports atomically.

`reports/` only turns dicts into text and raises its own ReportError; here, at the engine's edge, that error
becomes a DataError (exit 2, same one-line message), and every file goes through the one atomic writer.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator

from reports import (
    check_loop_summary,
    check_results,
    render_before_after_html,
    render_before_after_markdown,
    render_compare_html,
    render_compare_markdown,
    render_junit,
    render_loop_junit,
    render_suite_html,
    render_suite_markdown,
)
from reports.errors import ReportError
from robustness.errors import DataError
from robustness.files import ensure_writable_dir, read_json_object, write_text

FIX = "pass the file a run wrote, or regenerate it"


@contextlib.contextmanager
def report_errors() -> Iterator[None]:
    """Turn a ReportError (a bad input dict) into the engine's DataError, message unchanged."""
    try:
        yield
    except ReportError as exc:
        raise DataError(str(exc)) from None


def read_results(path: str | os.PathLike) -> dict:
    """Load and check a results.json (for `robustness report` and `robustness augment --results`)."""
    with report_errors():
        return check_results(read_json_object(path, "results", DataError, FIX), where=str(path))


def read_loop_summary(path: str | os.PathLike) -> dict:
    with report_errors():
        return check_loop_summary(read_json_object(path, "loop summary", DataError, FIX), where=str(path))


def write_suite_html(results: dict, out_path: str | os.PathLike, baseline: dict | None = None) -> Path:
    """One suite report as HTML at `out_path`, regressions against `baseline` marked."""
    with report_errors():
        html = render_suite_html(results, baseline=baseline)
    return write_text(out_path, html)


def write_suite_reports(results: dict, run_dir: str | os.PathLike, baseline: dict | None = None) -> dict[str, Path]:
    """report.html, report.md and junit.xml in `run_dir`; returns their paths by kind."""
    directory = ensure_writable_dir(run_dir)
    with report_errors():  # render everything first, so a bad input leaves no partial set of files behind
        documents = {
            "html": ("report.html", render_suite_html(results, baseline)),
            "markdown": ("report.md", render_suite_markdown(results, baseline)),
            "junit": ("junit.xml", render_junit(results)),
        }
    return {kind: write_text(directory / name, text) for kind, (name, text) in documents.items()}


def write_loop_reports(summary: dict, out_dir: str | os.PathLike) -> dict[str, Path]:
    """before_after.html, before_after.md and junit.xml in `out_dir`; returns their paths by kind."""
    directory = ensure_writable_dir(out_dir)
    with report_errors():
        documents = {
            "html": ("before_after.html", render_before_after_html(summary)),
            "markdown": ("before_after.md", render_before_after_markdown(summary)),
            "junit": ("junit.xml", render_loop_junit(summary)),
        }
    return {kind: write_text(directory / name, text) for kind, (name, text) in documents.items()}


def write_compare_reports(comparison: dict, out_dir: str | os.PathLike) -> dict[str, Path]:
    """compare.html and compare.md in `out_dir`; returns their paths by kind."""
    directory = ensure_writable_dir(out_dir)
    with report_errors():
        documents = {"html": ("compare.html", render_compare_html(comparison)),
                     "markdown": ("compare.md", render_compare_markdown(comparison))}
    return {kind: write_text(directory / name, text) for kind, (name, text) in documents.items()}


__all__ = ["report_errors", "read_results", "read_loop_summary", "write_suite_html", "write_suite_reports",
           "write_loop_reports", "write_compare_reports"]
