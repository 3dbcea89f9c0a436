"""--history, --no-history and --tag on every command that makes a run (`test`, `loop`, `compare`), and the line
each prints once the run is (or could not be) recorded."""

from __future__ import annotations

import click

HISTORY_HELP = "Run store (SQLite) to record in and read from (default: $ROBUSTNESS_HISTORY, else the cache directory)."


def history_options(command):
    options = [
        click.option("--history", "history_path", default=None, metavar="PATH", help=HISTORY_HELP),
        click.option("--no-history", is_flag=True, help="Do not record this run in the run store."),
        click.option("--tag", "tags", multiple=True, metavar="TAG",
                     help="Tag the recorded run (e.g. release-1.3; repeatable): `--baseline TAG` finds it."),
        click.option("--mlflow", "mlflow_uri", is_flag=False, flag_value="", default=None, metavar="[URI]",
                     help="Also log the run to MLflow (params, per-test metrics, reports as artifacts); URI: a "
                          "tracking server or sqlite:///mlflow.db (default: MLflow's own). Needs the [mlflow] extra."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def record_runs(runs, tags, history_path, no_history: bool) -> None:
    """Record (run row, test rows) pairs and say so on stderr; a store that cannot take them costs one line."""
    if no_history:
        if tags:
            click.echo("warning: --tag is ignored with --no-history (nothing is recorded)", err=True)
        return
    from robustness.history.record import remember

    ids, problem = remember(runs, tags, history_path)
    if problem:
        click.echo(f"warning: {problem}", err=True)
    else:
        click.echo(f"recorded as run {', '.join(map(str, ids))} in the history"
                   + (f" (tags: {', '.join(tags)})" if tags else ""), err=True)


def log_mlflow(mlflow_uri, results: dict, run_dir, kind: str, tags, **extra) -> None:
    """Log to MLflow when --mlflow was given; a tracking server that fails costs one line, not the run."""
    if mlflow_uri is None:
        return
    from robustness.history.tracking import log_to_mlflow

    try:
        run_id = log_to_mlflow(mlflow_uri or None, results, run_dir, kind, tags, **extra)
    except Exception as exc:  # noqa: BLE001 - MLflow raises many kinds; the run's own files are written already
        if type(exc).__name__ == "UsageError":
            raise
        from model_adapters.http_adapter import redact_url

        shown = redact_url(mlflow_uri) if mlflow_uri else "its default URI"  # a URI may carry user:token@
        click.echo(f"warning: MLflow at {shown} did not take the run "
                   f"({type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}); "
                   f"the run's own files are written", err=True)
        return
    click.echo(f"logged to MLflow as run {run_id}", err=True)


def check_history_options(mlflow_uri) -> None:
    """What --mlflow needs is there before the run starts."""
    if mlflow_uri is not None:
        from robustness.history.tracking import check_mlflow

        check_mlflow()
