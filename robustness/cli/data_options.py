"""--text-column, --label-column and --label-map, declared once for every command that reads labeled data.

The decorator turns the three options into one `layout` argument (a `TableLayout`) that the command passes to
`load_dataset(..., layout=layout)`; the columns and labels it detects are printed once on stderr. Commands that read
a loop config (`train`, `augment`) map them onto its `data:` fields with `with_layout`.
"""

from __future__ import annotations

import functools

import click


def data_layout_options(command):
    """Add the three options and hand the command `layout=TableLayout(...)` instead of them."""

    @functools.wraps(command)
    def with_layout(*args, text_column, label_column, label_map, **kwargs):
        return command(*args, layout=build_layout(text_column, label_column, label_map), **kwargs)

    options = [
        click.option("--text-column", default=None, metavar="NAME",
                     help="Column holding the review text (default: detect text, review, sentence, content, ...)."),
        click.option("--label-column", default=None, metavar="NAME",
                     help="Column holding the label (default: detect label, sentiment, class, target, polarity, ...)."),
        click.option("--label-map", default=None, metavar="VALUE=LABEL,...",
                     help="Map raw labels to names, e.g. '1=neg,2=neg,4=pos,5=pos'; every value in the data must be mapped."),
    ]
    for option in reversed(options):
        with_layout = option(with_layout)
    return with_layout


def build_layout(text_column: str | None, label_column: str | None, label_map: str | None):
    """The layout the options describe; detections are printed once per command run, on stderr."""
    from model_adapters.labels import parse_label_map
    from robustness.data.layout import TableLayout

    said: set[str] = set()

    def announce(line: str) -> None:
        if line not in said:
            said.add(line)
            click.echo(line, err=True)

    mapping = parse_label_map(label_map, "--label-map") if label_map is not None else None
    return TableLayout(text_column=text_column, label_column=label_column, label_map=mapping, announce=announce)


def with_layout(config, layout):
    """A loop config with the three options mapped onto `data.text_column`, `data.label_column` and
    `data.label_map` (flags win over --set and the file, as --data wins over data.path)."""
    from robustness.loop.config import with_overrides

    given = {("data", "text_column"): layout.text_column, ("data", "label_column"): layout.label_column,
             ("data", "label_map"): layout.label_mapping}
    given = {key: value for key, value in given.items() if value is not None}
    return with_overrides(config, given, "command line") if given else config
