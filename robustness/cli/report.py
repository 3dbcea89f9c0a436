"""`robustness report`: re-render a results.json as HTML, optionally beside a baseline run.

Reads files only (no model), so a report can be rebuilt anywhere, long after the run.
"""

from __future__ import annotations

from pathlib import Path

import click


@click.command("report")
@click.option("--results", "results_path", required=True, type=click.Path(path_type=Path),
              help="results.json of the run to render.")
@click.option("--baseline", "baseline_path", type=click.Path(path_type=Path), default=None,
              help="results.json of an earlier run; regressions against it are marked.")
@click.option("--out", "out_path", required=True, type=click.Path(path_type=Path), help="HTML file to write.")
def report(results_path, baseline_path, out_path):
    """Re-render a results JSON as HTML, optionally against a baseline."""
    from robustness.suite.report_files import read_results, write_suite_html

    results = read_results(results_path)
    baseline = read_results(baseline_path) if baseline_path is not None else None
    write_suite_html(results, out_path, baseline=baseline)
    if baseline is not None:
        for line in regressions(results, baseline):
            click.echo(line)
    click.echo(f"wrote {out_path}")


def regressions(results: dict, baseline: dict) -> list[str]:
    """Tests whose pass rate fell with non-overlapping 95% intervals: a drop that is not just noise."""
    before = {t["name"]: t for t in baseline["tests"]}
    lines = []
    for test in results["tests"]:
        old = before.get(test["name"])
        if not old or test["ci_high"] is None or old["ci_low"] is None:
            continue
        if test["ci_high"] < old["ci_low"]:
            lines.append(f"regression: {test['name']} {old['pass_rate']:.3f} -> {test['pass_rate']:.3f} "
                         f"(intervals do not overlap)")
    return lines
