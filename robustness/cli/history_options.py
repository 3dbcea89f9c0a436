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
