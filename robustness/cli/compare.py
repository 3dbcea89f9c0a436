"""`robustness compare`: several models on the very same perturbed cases; accuracy, robustness and speed
side by side, paired McNemar tests, and explained failures. Writes compare.json, compare.html, compare.md.

    robustness compare --models models/keras_b models/attention baselines/tfidf --data imdb.tar.gz --out runs/cmp

Exit codes: 0 written, 2 usage/config/data/model-loading error, 3 a model failed while predicting.
"""

from __future__ import annotations

from pathlib import Path

import click

from robustness.cli.data_options import data_layout_options
from robustness.cli.history_options import check_history_options, history_options, log_mlflow, record_runs
from robustness.cli.model_options import model_spec_options
from robustness.cli.progress import progress_option
from robustness.cli.suite_options import executor_options, load_suite_data, suite_executor, suite_input_options
from robustness.cli.text_table import text_table
from robustness.models.labels import check_data_labels


@click.command("compare")
@click.option("--models", "listed_models", required=True, multiple=True,
              help="Models to compare, two or more after --models (or --models repeated): directories, hf:NAME_OR_DIR, "
                   "skops:FILE, py:module:attr or http(s)://URL.")
@click.argument("more_models", nargs=-1, metavar="[SPEC]...")
@model_spec_options
@suite_input_options
@data_layout_options
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Directory to write.")
@click.option("--examples", type=click.IntRange(min=0), default=6, show_default=True,
              help="Failing cases explained per model (leave-one-word-out).")
@progress_option
@executor_options
@history_options
def compare(listed_models, more_models, model_options, config_path, data_path, out_dir, sample, seed, split, examples,
            progress, layout, executor, ray_address, workers, history_path, no_history, tags, mlflow_uri):
    """Compare models on the same perturbed cases: accuracy, robustness, speed, explanations."""
    from robustness.compare.run import compare_models, load_named_models, write_comparison
    from robustness.suite.config import load_config
    paths = [*listed_models, *more_models]
    check_history_options(mlflow_uri)
    config = load_config(config_path)
    dataset, data_info = load_suite_data(data_path, split, layout)
    executors = [suite_executor(executor, ray_address, workers, model_options, spec) for spec in paths]
    models = load_named_models(paths, load=model_options.load)
    for named in models:
        check_data_labels(named.model, dataset, data_path)
    comparison = compare_models(models, dataset, config, seed=seed, sample=sample, examples_per_model=examples,
                                progress=progress, data_info=data_info, executors=executors)
    written = write_comparison(comparison, out_dir)
    click.echo(format_summary(comparison))
    click.echo(f"wrote {', '.join(str(p) for p in written.values())}")
    from robustness.history.record import compare_runs

    record_runs(compare_runs(comparison, out_dir), tags, history_path, no_history)
    for model in comparison["models"]:  # one MLflow run per model, the comparison's files as its artifacts
        log_mlflow(mlflow_uri, {"model": {"name": model["name"], "spec": model["path"]}, "clean": model["clean"],
                                "gate": {"passed": model["gate_passed"]}, "tests": model["tests"],
                                "seed": comparison["seed"], "config": comparison["config"], "data": comparison["data"]},
                   Path(out_dir), "compare", tags)


def format_summary(comparison: dict) -> str:
    rows = [("model", "accuracy", "macro F1", "params", "reviews/s", "worst test")]
    for m in comparison["models"]:
        worst = m["worst_test"]
        rows.append((m["name"], _f(m["clean"]["accuracy"]), _f(m["clean"]["macro_f1"]), str(m["parameters"] or "-"),
                     str(round(m["inference_reviews_per_s"])) if m["inference_reviews_per_s"] else "-",
                     f"{worst['name']} {worst['pass_rate']:.3f}" if worst else "-"))
    lines = text_table(rows)
    lines.append(f"{comparison['n_cases']} shared cases, seed {comparison['seed']}")
    return "\n".join(lines)


def _f(value) -> str:
    return "-" if value is None else f"{value:.3f}"
