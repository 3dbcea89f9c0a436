"""`robustness history`: the runs the store remembers (list, show, diff, trend, tag)."""

from __future__ import annotations

from pathlib import Path

import click

from reports.formatting import num, pt
from robustness.cli.history_options import HISTORY_HELP
from robustness.cli.text_table import text_table

history_option = click.option("--history", "history_path", default=None, metavar="PATH", help=HISTORY_HELP)


@click.group("history")
def history():
    """Runs remembered across releases: list, show, diff, trend, tag."""


def _store(history_path):
    from robustness.history.store import RunStore, default_path

    return RunStore(Path(history_path) if history_path else default_path(), create=False)


@history.command("list")
@history_option
@click.option("--kind", type=click.Choice(["test", "loop", "compare"]), default=None, help="Only runs of this kind.")
@click.option("--tag", default=None, help="Only runs with this tag.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="Newest runs shown.")
def list_runs(history_path, kind, tag, limit):
    """The newest runs, one line each."""
    with _store(history_path) as store:
        runs = store.runs(kind=kind, tag=tag, limit=limit)
    rows = [("run", "when", "kind", "model", "gate", "clean acc", "fix", "tags")]
    for run in runs:
        rows.append((str(run["id"]), run["created_at"] or "-", run["kind"], _short(run["model_spec"]),
                     _gate(run["passed"]), _num(run["clean_accuracy"]), run["chosen_fix"] or "",
                     ", ".join(run["tags"])))
    click.echo("\n".join(text_table(rows)) if runs else "no runs recorded" + (" with that filter" if kind or tag else ""))


@history.command("show")
@history_option
@click.argument("run_id", type=int)
def show(history_path, run_id):
    """One run: what it tested, where, and every test's result."""
    with _store(history_path) as store:
        run, tests = store.run(run_id), store.tests(run_id)
    for key in ("kind", "created_at", "run_dir", "model_spec", "model_kind", "model_fingerprint", "data_path",
                "data_fingerprint", "config_hash", "seed", "git_commit", "transfer_verdict", "chosen_fix"):
        if run.get(key) is not None:
            click.echo(f"{key}: {run[key]}")
    click.echo(f"gate: {_gate(run['passed'])}; clean accuracy {_num(run['clean_accuracy'])}; "
               f"tags: {', '.join(run['tags']) or '-'}")
    rows = [("test", "n", "pass rate", "95% CI", "min", "score", "status")]
    for test in tests:
        rows.append((test["name"], "-" if test["n"] is None else num(test["n"]), _num(test["pass_rate"]), _ci(test),
                     _num(test["threshold"], test.get("metric")), _num(test["score"], test.get("metric")),
                     (test["status"] or "-").upper()))
    click.echo("\n".join(text_table(rows)))


@history.command("diff")
@history_option
@click.argument("run_a", type=int)
@click.argument("run_b", type=int)
def diff(history_path, run_a, run_b):
    """Two runs test by test: pass rates, the change, and where the intervals no longer overlap."""
    with _store(history_path) as store:
        a, b = store.run(run_a), store.run(run_b)
        tests_a = {t["name"]: t for t in store.tests(run_a)}
        tests_b = store.tests(run_b)
    click.echo(f"run {run_a}: {a['model_spec']} ({a['created_at']}) -> run {run_b}: {b['model_spec']} ({b['created_at']})")
    rows = [("test", f"run {run_a}", f"run {run_b}", "change", "status", "note")]
    for test in tests_b:
        old = tests_a.pop(test["name"], None)
        before, after = _headline(old), _headline(test)
        change = _change(before, after, test.get("metric"))
        note = ""
        if old and test["ci_high"] is not None and old["ci_low"] is not None:
            note = ("worse (intervals apart)" if test["ci_high"] < old["ci_low"]
                    else "better (intervals apart)" if test["ci_low"] > old["ci_high"] else "")
        status = f"{(old or {}).get('status') or '-'} -> {test['status'] or '-'}"
        metric = test.get("metric")
        rows.append((test["name"], _num(before, metric), _num(after, metric), change, status, note if old else "new"))
    rows += [(name, _num(_headline(old), old.get("metric")), "-", "-", f"{old['status']} -> -", "not run")
             for name, old in tests_a.items()]
    click.echo("\n".join(text_table(rows)))


@history.command("trend")
@history_option
@click.option("--test", "test_name", default=None, help="One test (default: every test).")
@click.option("--kind", type=click.Choice(["test", "loop", "compare"]), default=None, help="Only runs of this kind.")
@click.option("--html", "html_path", type=click.Path(path_type=Path), default=None,
              help="Also write a self-contained page with each test's pass rate and interval over the runs.")
def trend(history_path, test_name, kind, html_path):
    """Each test's pass rate over the runs, oldest first."""
    from robustness.history.trend import trend_series

    with _store(history_path) as store:
        series = trend_series(store, test_name, kind)
    if not series:
        raise click.UsageError(f"no recorded results{f' of test {test_name!r}' if test_name else ''}; "
                               f"`robustness history list` shows the runs")
    rows = [("test", "runs", "first", "last", "change", "lowest", "trend")]
    for name, points in series.items():
        values = [p["value"] for p in points if p["value"] is not None]
        if not values:
            continue
        metric = points[-1].get("metric")
        rows.append((name, str(len(points)), _num(values[0], metric), _num(values[-1], metric),
                     _change(values[0], values[-1], metric), _num(min(values), metric), _spark(values)))
    click.echo("\n".join(text_table(rows)))
    if html_path is not None:
        from robustness.history.trend import write_trend_page

        click.echo(f"wrote {write_trend_page(series, html_path)}")


@history.command("tag")
@history_option
@click.argument("run_id", type=int)
@click.argument("tags", nargs=-1, required=True)
def tag(history_path, run_id, tags):
    """Tag a recorded run (e.g. the one you released): `--baseline TAG` finds it."""
    with _store(history_path) as store:
        store.tag(run_id, list(tags))
    click.echo(f"run {run_id} tagged {', '.join(tags)}")


def _headline(test: dict | None):
    if test is None:
        return None
    return test["pass_rate"] if test["pass_rate"] is not None else test["score"]


def _spark(values: list[float]) -> str:
    marks = "▁▂▃▄▅▆▇█"
    low, high = min(values), max(values)
    span = high - low or 1.0
    return "".join(marks[round((v - low) / span * (len(marks) - 1))] for v in values[-20:])


def _gate(passed) -> str:
    return "-" if passed is None else "PASS" if passed else "FAIL"


def _num(value, metric: str | None = None) -> str:
    """A rate or score to 3 decimals; a count (representation tests' min_count) as a whole number."""
    if value is None:
        return "-"
    return num(int(value)) if metric == "count" else f"{value:.3f}"


def _change(before, after, metric: str | None) -> str:
    """The change between two runs: percentage points for rates and shares, plain units for counts."""
    if before is None or after is None:
        return "-"
    return f"{after - before:+,.0f}" if metric == "count" else pt(after - before)


def _ci(test: dict) -> str:
    return "-" if test["ci_low"] is None else f"[{test['ci_low']:.3f}, {test['ci_high']:.3f}]"


def _short(text, width: int = 40) -> str:
    text = str(text or "-")
    return text if len(text) <= width else "…" + text[-(width - 1):]
