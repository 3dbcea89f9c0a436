"""`robustness report`: re-render a results.json as HTML, optionally beside a baseline run.

Reads files only (no model), so a report can be rebuilt anywhere, long after the run.
"""

from __future__ import annotations

import json
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
    from robustness.files import write_text

    results = load_results(results_path)
    baseline = load_results(baseline_path) if baseline_path is not None else None
    try:
        from reports import render_suite_html
    except ImportError as exc:
        from robustness.errors import UsageError

        raise UsageError(f"the reports package is not available ({exc}); reinstall the harness") from None
    html = render_suite_html(results, baseline=baseline)
    write_text(out_path, html)
    if baseline is not None:
        for line in regressions(results, baseline):
            click.echo(line)
    click.echo(f"wrote {out_path}")


def load_results(path: Path) -> dict:
    """A results.json, checked enough that rendering cannot fail half-way on a wrong file."""
    from robustness.errors import DataError

    path = Path(path)
    if not path.is_file():
        raise DataError(f"results file {path} does not exist; pass the results.json of a `robustness test` run")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{path}: not valid JSON ({exc}); pass a results.json written by `robustness test`") from None
    if not isinstance(data, dict) or data.get("kind") != "suite_results":
        raise DataError(f"{path}: not a suite results file (kind != 'suite_results'); pass a run's results.json")
    if data.get("schema_version") != 1:
        raise DataError(f"{path}: schema_version {data.get('schema_version')!r} is not supported (expected 1)")
    if not isinstance(data.get("tests"), list):
        raise DataError(f"{path}: field 'tests' is missing or not a list; the file is truncated or hand-edited")
    return data


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
