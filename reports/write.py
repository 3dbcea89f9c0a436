"""Write a run's reports next to its results, each file atomically (readers never see half a report)."""

from __future__ import annotations

import os
from pathlib import Path

from robustness.files import ensure_writable_dir, write_text

from reports.junit import render_junit, render_loop_junit
from reports.render import (render_before_after_html, render_before_after_markdown, render_suite_html,
                            render_suite_markdown)


def write_suite_reports(results: dict, run_dir: str | os.PathLike, baseline: dict | None = None) -> dict[str, Path]:
    """report.html, report.md and junit.xml in `run_dir`; returns their paths by kind."""
    directory = ensure_writable_dir(run_dir)
    # Render everything first, so a bad input leaves no partial set of files behind.
    documents = {
        "html": ("report.html", render_suite_html(results, baseline)),
        "markdown": ("report.md", render_suite_markdown(results, baseline)),
        "junit": ("junit.xml", render_junit(results)),
    }
    return {kind: write_text(directory / name, text) for kind, (name, text) in documents.items()}


def write_loop_reports(summary: dict, out_dir: str | os.PathLike) -> dict[str, Path]:
    """before_after.html, before_after.md and junit.xml in `out_dir`; returns their paths by kind."""
    directory = ensure_writable_dir(out_dir)
    documents = {
        "html": ("before_after.html", render_before_after_html(summary)),
        "markdown": ("before_after.md", render_before_after_markdown(summary)),
        "junit": ("junit.xml", render_loop_junit(summary)),
    }
    return {kind: write_text(directory / name, text) for kind, (name, text) in documents.items()}
