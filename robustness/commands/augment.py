"""`robustness augment`: augmented training data from a suite run's failures (or from a config alone)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(help="Write augmented training rows (text,label,source_id,test,seed) targeted at failing tests.")
@click.option("--results", "results_path", type=click.Path(path_type=Path), default=None,
              help="results.json of a suite run: failing tests get budget by how far they miss their threshold.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help="Without --results: spread the budget evenly over this suite config's tests.")
@click.option("--data", "data_path", type=click.Path(path_type=Path), default=None,
              help="Training data: aclImdb archive/directory (train split) or CSV/TSV/JSONL (default: local IMDB).")
@click.option("--out", "out_path", type=click.Path(path_type=Path), required=True, help="augmented.csv or .jsonl")
@click.option("--model", "model_dir", type=click.Path(path_type=Path), default=None,
              help="The model the results came from (recorded; with --select failures, asked which rows it fails).")
@click.option("--select", type=click.Choice(["random", "failures"]), default="random", show_default=True,
              help="Which train reviews to perturb: a seeded sample, or (with --model) the ones the model fails first.")
@click.option("--pool", type=click.IntRange(1, 20), default=3, show_default=True,
              help="With --select failures: candidates perturbed per row wanted.")
@click.option("--failures-for", "failures_for", multiple=True, metavar="TEST",
              help="With --select failures: only this test takes failure-driven rows (repeatable; default: every test).")
@click.option("--variants", type=click.IntRange(1, 10), default=1, show_default=True,
              help="Perturbed copies of one train review per test, each with its own seed, for tests whose budget "
                   "outgrows the reviews they can change (antonym swaps).")
@click.option("--ratio", type=float, default=0.3, show_default=True, help="Augmented rows per training row, in total.")
@click.option("--mode", type=click.Choice(["proportional", "langtest"]), default="proportional", show_default=True,
              help="Budget per test: by distance below threshold, or LangTest's step mapping.")
@click.option("--seed", type=int, default=11, show_default=True, help="Augmentation seed (separate from the suite's).")
@click.option("--dir-policy", type=click.Choice(["exclude", "flip", "directed"]), default="directed", show_default=True,
              help="DIR tests (antonym swaps): leave their rows out, label them where their swaps point (directed; neutral swaps dropped), or also label DIR tests that cannot say where against the gold label (flip).")
@click.option("--margin", type=float, default=0.0, show_default=True,
              help="Aim this far above each threshold: tests passing by less also get rows (e.g. 0.02).")
@click.option("--validation-fraction", type=float, default=0.1, show_default=True,
              help="Held-out share that `robustness train` will carve; those reviews are never augmented.")
@click.option("--split-seed", type=int, default=13, show_default=True, help="The --seed `robustness train` will use.")
def augment(results_path, config_path, data_path, out_path, model_dir, select, pool, failures_for, variants, ratio, mode, seed, dir_policy,
            margin, validation_fraction, split_seed):
    import json

    from robustness import augment as aug
    from robustness.config import load_config
    from robustness.data import load_dataset, train_validation_split
    from robustness.download import resolve_imdb
    from robustness.errors import UsageError

    aug.check_output_path(out_path)
    if select == "failures" and model_dir is None:
        raise UsageError("--select failures needs --model MODEL_DIR: that model says which perturbed rows it fails")
    if failures_for and select != "failures":
        raise UsageError("--failures-for names the tests that take failure-driven rows; it needs --select failures")
    _check_test_names(failures_for)
    if (results_path is None) == (config_path is None):
        raise UsageError("pass exactly one of --results RUN_DIR/results.json or --config SUITE.yml")
    if results_path is not None:
        from reports import read_results

        if results_path.is_dir():
            results_path = results_path / "results.json"
        needs = aug.needs_from_results(read_results(results_path))
        include_passing = False
    else:
        config = load_config(config_path)
        needs = [aug.TestNeed(t.name, t.expectation, dict(t.parameters), None, t.min_pass_rate) for t in config.tests]
        include_passing = True
    train, _ = train_validation_split(load_dataset(data_path or resolve_imdb(), "train"), validation_fraction, split_seed)
    needs = aug.augmentable(needs, dir_policy)
    budget = aug.plan_budget(needs, len(train), ratio, mode, include_passing, margin)
    chooser = None
    if select == "failures":
        from model_adapters import load_model
        from robustness.hard_rows import FailuresFirst

        chooser = FailuresFirst(load_model(model_dir), train, pool, failures_for)
    rows = aug.generate_augmented(train, needs, budget, seed, dir_policy, chooser, variants)
    summary = aug.summarize(rows, budget, len(train), seed, mode, ratio, dir_policy, margin, variants) | {
        "select": select, "failures_for": list(failures_for) or None, "failing_candidates": chooser.found if chooser else None,
        "results": str(results_path) if results_path else None, "config": str(config_path) if config_path else None,
        "model": str(model_dir) if model_dir else None, "validation_fraction": validation_fraction,
        "split_seed": split_seed,
    }
    aug.write_augmented(rows, out_path)
    summary_path = out_path.with_name(out_path.name.rsplit(".", 1)[0] + ".summary.json")
    aug.write_summary(summary, summary_path)
    if not rows:
        click.echo("every test meets its threshold: nothing to augment (wrote an empty file)")
    click.echo(f"wrote {len(rows):,} augmented rows to {out_path} ({json.dumps(summary['rows_per_test'])}); "
               f"summary {summary_path}")


def _check_test_names(names) -> None:
    import perturbations

    from robustness.errors import UsageError

    for name in names:
        try:
            perturbations.get_perturbation(name)
        except KeyError as exc:
            raise UsageError(f"--failures-for: {exc}") from None
