"""`robustness evaluate`: gold-label metrics of a model, side by side with a TF-IDF baseline.

The baseline is trained on the train split of the same source, so the report answers the first question
anyone should ask of an LSTM: does it beat a bag of words? Heavy imports live inside the functions.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

import click

from robustness.cli.data_options import data_layout_options
from robustness.cli.model_options import MODEL_HELP, model_spec_options
from robustness.errors import UsageError

EVALUATION_SCHEMA_VERSION = 1


@click.command()
@click.option("--model", "model_dir", required=True, help=MODEL_HELP)
@model_spec_options
@click.option("--data", "data_path", type=click.Path(path_type=Path), default=None,
              help="aclImdb tarball/directory or a labeled CSV/TSV/JSONL. Default: the local IMDB archive.")
@click.option("--split", default="test", show_default=True,
              help="Split to evaluate on: train/test/all for aclImdb, or a saved DatasetDict's split (ignored for files).")
@data_layout_options
@click.option("--output", type=click.Path(path_type=Path), default=None, help="Write the evaluation as JSON here.")
@click.option("--no-baseline", is_flag=True, help="Skip training the TF-IDF baseline.")
@click.option("--baseline-kind", type=click.Choice(["logreg", "nbsvm"]), default="logreg", show_default=True,
              help="TF-IDF + logistic regression, or with naive-Bayes feature scaling (NB-SVM).")
@click.option("--max-rows", type=click.IntRange(min=1), default=None,
              help="Evaluate on a seeded sample of this many reviews.")
@click.option("--baseline-max-rows", type=click.IntRange(min=1), default=None,
              help="Train the baseline on a seeded sample of this many train reviews (default: all).")
@click.option("--save-baseline", type=click.Path(path_type=Path), default=None,
              help="Save the trained baseline here (JSON + npz, no pickle); `--model DIR` loads it again.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for sampling and the baseline.")
@click.option("--batch-size", type=click.IntRange(min=1), default=256, show_default=True)
def evaluate(model_dir, model_options, data_path, split, output, no_baseline, baseline_kind, max_rows,
             baseline_max_rows, save_baseline, seed, batch_size, layout):
    """Accuracy, per-class and macro F1, confusion matrix and accuracy by review length, beside a baseline."""
    from robustness.data.datasets import has_splits, load_dataset, sample_dataset
    from robustness.versions import versions

    if output is not None:
        _check_output(output)
    if save_baseline is not None:
        from robustness.files import ensure_writable_dir

        if no_baseline:
            raise UsageError("--save-baseline needs the baseline; drop --no-baseline")
        ensure_writable_dir(save_baseline)
    data_path = _resolve_data(data_path)
    resolved = model_options.load(model_dir)
    model = resolved.model
    note = _baseline_skip_reason(no_baseline, data_path, split, has_splits(data_path))
    # One pass over the archive gives both splits when the baseline needs train as well.
    everything = load_dataset(data_path, "all", layout=layout) if not note else None
    available = _split_of(everything, split) if everything is not None else load_dataset(data_path, split, layout=layout)
    dataset = sample_dataset(available, max_rows, seed)
    result = {
        "schema_version": EVALUATION_SCHEMA_VERSION,
        "kind": "evaluation",
        "created_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seed": seed,
        "model": _model_info(model, model_dir) | resolved.record(),
        "data": {"path": str(data_path), "split": split if has_splits(data_path) else None,
                 "n_available": len(available), "n_sampled": len(dataset), "sample_seed": seed},
        "metrics": evaluate_model(model, dataset, batch_size),
        "baseline": None,
        "baseline_note": None,
        "comparison": None,
        "versions": versions(),
    }
    if note:
        result["baseline_note"] = note
    else:
        train = sample_dataset(_split_of(everything, "train"), baseline_max_rows, seed)
        result["baseline"] = train_and_evaluate_baseline(train, dataset, seed, baseline_kind, batch_size,
                                                         save_to=save_baseline)
        result["comparison"] = compare(result["metrics"], result["baseline"]["metrics"])
    for metrics in (result["metrics"], (result["baseline"] or {}).get("metrics", {})):
        metrics.pop("correct", None)  # per-review outcomes served the paired test; too bulky for the JSON
    if output is not None:
        from robustness.files import write_json

        write_json(output, result)
    click.echo(render_table(result))
    if output is not None:
        click.echo(f"wrote {output}")


def evaluate_model(model, dataset, batch_size: int = 256) -> dict:
    """Predict every review once (batched, through checked_proba) and score against the gold labels."""
    from model_adapters.protocol import checked_proba
    from robustness.models.predictor import CachedPredictor
    from robustness.suite.metrics import classification_metrics

    unknown = sorted(set(dataset.labels) - set(model.labels))
    if unknown:
        from robustness.errors import ModelError

        raise ModelError(f"the data has label(s) {unknown} that model labels {list(model.labels)} do not include; "
                         f"evaluate a model trained on these labels")
    started = time.perf_counter()
    predictor = CachedPredictor(model, batch_size=batch_size)
    proba = predictor.predict(list(dataset.texts)) if len(dataset) else checked_proba(model, [])
    predicted = [model.labels[i] for i in proba.argmax(axis=1)]
    metrics = classification_metrics(list(dataset.labels), predicted, labels=model.labels, texts=list(dataset.texts))
    metrics["predict_s"] = round(time.perf_counter() - started, 3)
    metrics["correct"] = [bool(p == g) for p, g in zip(predicted, dataset.labels)]
    return metrics


def train_and_evaluate_baseline(train, dataset, seed: int, kind: str = "logreg", batch_size: int = 256,
                                save_to: Path | None = None) -> dict:
    from model_adapters.sklearn_adapter import save_tfidf_model
    from robustness.models.baseline import train_tfidf_baseline

    started = time.perf_counter()
    baseline = train_tfidf_baseline(train, seed=seed, kind=kind)
    fit_s = time.perf_counter() - started
    if save_to is not None:
        save_tfidf_model(baseline, save_to)
    return {"name": baseline.name, "kind": kind, "seed": seed, "n_train": len(train), "train_source": train.source,
            "train_split": "train", "fit_s": round(fit_s, 2), "n_features": baseline.info["n_features"],
            "saved_to": str(save_to) if save_to is not None else None,
            "metrics": evaluate_model(baseline, dataset, batch_size)}


def compare(model_metrics: dict, baseline_metrics: dict) -> dict:
    """Accuracy difference and McNemar's exact test on the paired right/wrong outcomes."""
    from robustness.stats import mcnemar_exact

    model_right, baseline_right = model_metrics["correct"], baseline_metrics["correct"]
    only_model = sum(m and not b for m, b in zip(model_right, baseline_right))
    only_baseline = sum(b and not m for m, b in zip(model_right, baseline_right))
    accuracy_gap = None
    if model_metrics["accuracy"] is not None and baseline_metrics["accuracy"] is not None:
        accuracy_gap = model_metrics["accuracy"] - baseline_metrics["accuracy"]
    return {"accuracy_difference": accuracy_gap, "model_only_correct": only_model,
            "baseline_only_correct": only_baseline, "mcnemar_p": mcnemar_exact(only_model, only_baseline)}


def render_table(result: dict) -> str:
    """A plain-text table a person reads at a glance: model and baseline in adjacent columns."""
    model_metrics, baseline = result["metrics"], result["baseline"]
    names = [result["model"]["name"] or "model"] + ([baseline["name"]] if baseline else [])
    columns = [model_metrics] + ([baseline["metrics"]] if baseline else [])
    width = max(12, *(len(name) for name in names))
    buckets = [b for b in model_metrics.get("by_length", []) if b["n"]]
    titles = [f"accuracy {b['bucket']} words (n={b['n']})" for b in buckets]
    title_width = max(24, *(len(t) + 2 for t in titles)) if titles else 24
    data = result["data"]
    lines = [f"data: {data['path']}" + (f" ({data['split']} split)" if data["split"] else "")
             + f", {data['n_sampled']} of {data['n_available']} reviews",
             "", f"{'':<{title_width}}" + "".join(f"{name:>{width + 2}}" for name in names)]

    def row(title, values):
        lines.append(f"{title:<{title_width}}" + "".join(f"{_fmt(v):>{width + 2}}" for v in values))

    row("accuracy", [m["accuracy"] for m in columns])
    row("macro F1", [m["macro_f1"] for m in columns])
    for label in result["model"]["labels"]:
        row(f"F1 {label}", [m["per_class"].get(label, {}).get("f1") for m in columns])
    for title, bucket in zip(titles, buckets):
        row(title, [_bucket_accuracy(m, bucket["bucket"]) for m in columns])
    matrix = model_metrics["confusion_matrix"]
    lines += ["", "confusion matrix of the model (rows gold, columns predicted):",
              f"{'':<12}" + "".join(f"{label:>12}" for label in matrix["labels"])]
    for label, counts in zip(matrix["labels"], matrix["matrix"]):
        lines.append(f"{label:<12}" + "".join(f"{count:>12}" for count in counts))
    if result["comparison"]:
        c = result["comparison"]
        gap = 100 * c["accuracy_difference"]
        position = "above" if gap > 0 else "below" if gap < 0 else "level with"
        amount = f"{abs(gap):.2f} accuracy points {position}" if gap else "level with"
        significance = "a significant difference" if c["mcnemar_p"] < 0.05 else "not a significant difference"
        lines += ["", f"the model is {amount} the bag-of-words baseline "
                      f"(McNemar p{_p_value(c['mcnemar_p'])}: {significance} at 0.05)"]
    if result["baseline_note"]:
        lines += ["", f"note: {result['baseline_note']}"]
    return "\n".join(lines)


def _split_of(dataset, split: str):
    """aclImdb ids start with their split ("test/pos/10_9"), so one loaded archive serves both splits."""
    return dataset.subset(i for i, review_id in enumerate(dataset.ids) if review_id.startswith(f"{split}/"))


def _bucket_accuracy(metrics: dict, name: str):
    return next((b["accuracy"] for b in metrics.get("by_length", []) if b["bucket"] == name), None)


def _p_value(p: float) -> str:
    """"=0.0038", or "<1e-300" when the exact p-value underflows a float (it is never truly 0)."""
    return f"={p:.3g}" if p >= 1e-300 else "<1e-300"


def _fmt(value) -> str:
    return "-" if value is None else f"{value:.4f}"


def _baseline_skip_reason(no_baseline: bool, data_path: Path, split: str, splits: bool) -> str | None:
    if no_baseline:
        return "baseline skipped (--no-baseline)"
    if not splits:
        return (f"baseline skipped: {data_path} has no train split to fit it on; "
                f"evaluate on an aclImdb archive or directory to compare against a bag of words")
    if split != "test":
        return f"baseline skipped: it trains on the train split, so evaluating it on split {split!r} would leak"
    return None


def _check_output(output: Path) -> None:
    from robustness.files import ensure_writable_dir

    if output.is_dir():
        raise UsageError(f"--output {output} is a directory; give a file path such as {output / 'evaluation.json'}")
    ensure_writable_dir(output.parent if str(output.parent) else ".")


def _resolve_data(data_path: Path | None) -> Path:
    if data_path is not None:
        return data_path
    from robustness.data.download import find_imdb_archive

    found = find_imdb_archive()
    if found is None:
        raise UsageError("no --data given and no local aclImdb_v1.tar.gz found; pass --data PATH")
    return found


def _model_info(model, model_dir: Path) -> dict:
    info = getattr(model, "info", None)
    return {"path": str(model_dir), "name": getattr(model, "name", None) or Path(model_dir).name,
            "labels": list(model.labels), "info": _jsonable(info) if info else {}}


def _jsonable(value):
    """Model info is free-form; keep what JSON can hold and stringify the rest."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    return str(value)

