"""`robustness ablate`: train LSTM variants differing from a base in one factor each, compare them on the
same cases, and report each factor's effect on accuracy and robustness (ablation.json + compare.*).

    robustness ablate --config ablate.yml --data imdb.tar.gz --out runs/ablate --sample 500

Finished variants in OUT/models are reused, so an interrupted ablation continues where it stopped.
"""

from __future__ import annotations

from pathlib import Path

import click

from robustness.cli.progress import progress_option
from robustness.cli.text_table import text_table


@click.command("ablate")
@click.option("--config", "config_path", required=True, type=click.Path(path_type=Path),
              help="Ablation config (YAML/JSON): base, overrides, factors, train, suite, seed.")
@click.option("--data", "data_path", type=click.Path(path_type=Path), default=None,
              help="aclImdb tarball/directory (train split to train, test split to compare; default: local IMDB).")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Directory to write.")
@click.option("--sample", type=click.IntRange(min=1), default=None, help="Compare on a seeded sample of N test reviews.")
@click.option("--seed", type=int, default=None, help="Seed for training, sampling and perturbations (default: config's).")
@click.option("--threads", type=click.IntRange(min=1), default=None, help="torch threads for training.")
@progress_option
def ablate(config_path, data_path, out_dir, sample, seed, threads, progress):
    """Train one-factor LSTM variants and report each factor's effect on accuracy and robustness."""
    from robustness.cli.suite_options import load_suite_data
    from robustness.compare.ablate import build_variants, load_ablation_config, run_ablation
    from robustness.data.datasets import has_splits
    from robustness.data.download import resolve_imdb
    from robustness.errors import DataError
    from robustness.suite.config import load_config

    spec = load_ablation_config(config_path)
    build_variants(spec)  # every variant and the suite validated before data is loaded or anything is trained
    load_config(spec["suite"])
    if data_path is not None and not has_splits(data_path):
        raise DataError(f"{data_path}: ablation trains on the train split and tests on the test split; "
                        f"pass the aclImdb archive or an aclImdb/ directory")
    data_path = data_path or resolve_imdb()
    train, _ = load_suite_data(data_path, "train")
    test, _ = load_suite_data(data_path, "test")
    summary = run_ablation(spec, train, test, out_dir, sample=sample, seed=seed, threads=threads,
                           progress=progress)
    click.echo(format_effects(summary))
    click.echo(f"wrote {Path(out_dir) / 'ablation.json'} and {Path(out_dir) / 'compare.html'}")


def format_effects(summary: dict) -> str:
    rows = [("variant", "accuracy", "Δacc", "mean pass", "Δmean", "worst pass", "Δworst", "p(clean)", "p(robust)")]
    fmt = lambda v, signed=False: "-" if v is None else (f"{v:+.3f}" if signed else f"{v:.3f}")  # noqa: E731
    for e in summary["effects"]:
        rows.append((e["variant"], fmt(e["accuracy"]), fmt(e["delta_accuracy"], True), fmt(e["mean_pass_rate"]),
                     fmt(e["delta_mean_pass_rate"], True), fmt(e["worst_pass_rate"]),
                     fmt(e["delta_worst_pass_rate"], True), fmt(e["mcnemar_clean_p"]), fmt(e["mcnemar_robustness_p"])))
    return "\n".join(text_table(rows))
