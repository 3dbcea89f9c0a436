"""The one progress flag every long command takes (train, test, loop, compare, ablate)."""

from __future__ import annotations

import click

progress_option = click.option(
    "--progress/--no-progress", default=True, show_default=True,
    help="Progress on stderr: a bar on a terminal, a plain line every 30 s otherwise (CI logs).")
