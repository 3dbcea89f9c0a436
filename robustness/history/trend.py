"""A test's results over the recorded runs, oldest first: the numbers `history trend` prints and charts."""

from __future__ import annotations

from pathlib import Path

from reports.trend import render_trend_html
from robustness.files import write_text
from robustness.history.store import RunStore


def trend_series(store: RunStore, test: str | None = None, kind: str | None = None) -> dict[str, list[dict]]:
    """{test: [one point per run that ran it]}: the run, when, which model, the pass rate (a score test's score)
    with its interval, the threshold and the status."""
    tags = {run["id"]: run["tags"] for run in store.runs(kind=kind, newest_first=False)}
    series: dict[str, list[dict]] = {}
    for row in store.test_series(test, kind):
        value = row["pass_rate"] if row["pass_rate"] is not None else row["score"]
        series.setdefault(row["name"], []).append({
            "run": row["run_id"], "created_at": row["created_at"], "model": row["model_spec"],
            "kind": row["run_kind"], "tags": tags.get(row["run_id"], []), "value": value,
            "ci_low": row["ci_low"], "ci_high": row["ci_high"], "threshold": row["threshold"],
            "status": row["status"], "is_score": row["pass_rate"] is None, "metric": row.get("metric")})
    return series


def write_trend_page(series: dict[str, list[dict]], path: str | Path) -> Path:
    """The self-contained trend page (reports/trend.py), written atomically."""
    return write_text(Path(path), render_trend_html(series))
