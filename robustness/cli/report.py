"""`robustness report`: re-render a results.json as HTML, optionally beside a baseline run.

Reads files only (no model), so a report can be rebuilt anywhere, long after the run.
"""

from __future__ import annotations

from pathlib import Path

import click

from robustness.cli.history_options import HISTORY_HELP


@click.command("report")
@click.option("--results", "results_path", required=True, type=click.Path(path_type=Path),
              help="results.json of the run to render.")
@click.option("--baseline", default=None, metavar="latest-passing|TAG|RUN_ID|PATH",
              help="An earlier run (a results.json or run directory, or one the history knows); tests significantly "
                   "worse than there are marked (paired McNemar on the same cases, else non-overlapping intervals).")
@click.option("--history", "history_path", default=None, metavar="PATH", help=HISTORY_HELP)
@click.option("--out", "out_path", required=True, type=click.Path(path_type=Path), help="HTML file to write.")
def report(results_path, baseline, history_path, out_path):
    """Re-render a results JSON as HTML, optionally against a baseline."""
    from robustness.suite.report_files import read_results, write_suite_html

    results = read_results(results_path)
    against = None
    if baseline is not None:
        from robustness.history.baseline import compare_to_baseline, resolve_baseline

        baseline_path, label = resolve_baseline(baseline, history_path)
        results["baseline"] = compare_to_baseline(results, Path(results_path).parent / "cases.jsonl.gz",
                                                  baseline_path, label)
        against = read_results(baseline_path)
    write_suite_html(results, out_path, baseline=against)
    for row in (results.get("baseline") or {}).get("tests", []):
        if row["regression"]:
            click.echo(f"regression: {row['test']} {_rate(row['pass_rate_before'])} -> {_rate(row['pass_rate_after'])} "
                       f"({row['method']}{', p ' + format(row['p'], '.2g') if row.get('p') is not None else ''})")
    click.echo(f"wrote {out_path}")


def _rate(value) -> str:
    return "-" if value is None else f"{value:.3f}"
