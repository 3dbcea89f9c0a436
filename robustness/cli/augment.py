"""`robustness augment`: augmented training data from a suite run's failures, as the loop's augment stage makes it.

Settings come from the loop config's `augment:` section, with `data:` and `model.seed` for the train split the
rows are drawn from (robustness/loop/config.py, one schema with one set of defaults).
"""

from __future__ import annotations

from pathlib import Path

import click

from robustness.cli.data_options import data_layout_options, with_layout
from robustness.cli.model_options import ModelOptions, model_spec_options
from robustness.models.labels import check_data_labels


@click.command(help="Write augmented training rows (text,label,source_id,test,seed) targeted at failing tests.",
               epilog="""\b
Settings: --config reads a loop config (augment:, data:, model.seed, suite.config; docs/loop-config.md);
--set section.field=value changes one field (augment.ratio=0.5, augment.select=failures,
augment.failures_for=[add_typo], data.validation_fraction=0.2). Use the same --config and --set with
`robustness train`, so the rows come from its train part and never from its validation reviews.""")
@click.option("--config", "config_path", default=None, metavar="LOOP_YML",
              help="Loop config file or shipped name (e.g. loop_full_imdb); default: the schema's defaults.")
@click.option("--set", "settings", multiple=True, metavar="SECTION.FIELD=VALUE",
              help="Change one loop config field (repeatable).")
@click.option("--results", "results_path", type=click.Path(path_type=Path), default=None,
              help="results.json of a suite run (or its directory): failing tests get budget by how far they miss "
                   "their threshold. Without it: spread evenly over the tests of suite.config.")
@click.option("--model", "model_spec", default=None,
              help="The model the results came from (default: model.existing), any spec: a directory, hf:, skops:, "
                   "py:module:attr or http(s)://URL. Recorded; with augment.select=failures asked which rows it fails.")
@model_spec_options
@click.option("--data", "data_path", type=click.Path(path_type=Path), default=None,
              help="Training data: aclImdb archive/directory (train split), CSV/TSV/JSONL, Parquet or a `datasets` "
                   "directory (default: data.path, else local IMDB).")
@data_layout_options
@click.option("--out", "out_path", type=click.Path(path_type=Path), required=True, help="augmented.csv or .jsonl")
def augment(config_path, settings, results_path, model_spec, model_options, data_path, layout, out_path):
    import json

    from robustness.data.download import resolve_imdb
    from robustness.errors import UsageError
    from robustness.loop import augment as aug
    from robustness.loop.config import load_loop_config, with_settings
    from robustness.loop.models import open_model
    from robustness.loop.stages import augment_rows, load_train_validation
    from robustness.suite.config import load_config

    aug.check_output_path(out_path)
    config = with_layout(with_settings(load_loop_config(config_path), settings), layout)
    if config.augment.select == "failures" and model_spec is None and config.model.existing is None:
        raise UsageError("augment.select failures needs --model SPEC: that model says which perturbed rows it fails")
    if model_spec is not None or (config.model.existing is not None and model_options != ModelOptions()):
        resolved = model_options.load(model_spec or config.model.existing)  # the flags given win over model.spec
    elif config.model.existing is not None:  # the loop config's model, opened with its model.spec options
        resolved = open_model(config.model.existing, config.model)
    else:
        resolved = None
    if results_path is not None:
        from robustness.loop.hard_rows import suite_config_of
        from robustness.suite.report_files import read_results

        if results_path.is_dir():
            results_path = results_path / "results.json"
        results = read_results(results_path)
        needs, suite = aug.needs_from_results(results), suite_config_of(results, str(results_path))
    else:
        suite = load_config(config.suite.config)
        needs = [aug.TestNeed(t.name, t.expectation, dict(t.parameters), None, t.min_pass_rate) for t in suite.tests]
    data = data_path or (Path(config.data.path) if config.data.path else resolve_imdb())
    train, _ = load_train_validation(config, data, layout.announce)
    if resolved is not None and config.augment.select == "failures":
        check_data_labels(resolved.model, train, data)
    rows, summary = augment_rows(config.augment, train, needs, suite, resolved.model if resolved else None,
                                 evenly=results_path is None,
                                 holdout=config.holdout.all_tests())
    summary |= {"results": str(results_path) if results_path else None, "config": str(config_path) if config_path else None,
                "suite_config": None if results_path else suite.source, "model": resolved.record() if resolved else None,
                "validation_fraction": config.data.validation_fraction, "split_seed": config.model.seed,
                "max_train": config.data.max_train}
    aug.write_augmented(rows, out_path)
    summary_path = out_path.with_name(out_path.name.rsplit(".", 1)[0] + ".summary.json")
    aug.write_summary(summary, summary_path)
    if not rows:
        click.echo("every test meets its threshold: nothing to augment (wrote an empty file)")
    click.echo(f"wrote {len(rows):,} augmented rows to {out_path} ({json.dumps(summary['rows_per_test'])}); "
               f"summary {summary_path}")
