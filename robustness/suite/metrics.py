"""Gold-label metrics: accuracy, per-class and macro precision/recall/F1, a labelled confusion matrix,
and accuracy by review length (LSTMs that truncate long reviews tend to lose accuracy there).

Pure numpy and plain dicts, so results are JSON-ready. An undefined ratio (no predictions of a class)
is reported as 0.0, as scikit-learn does with zero_division=0. Macro averages run over the labels that occur
in gold or predictions, the one rule of model_adapters.f1 (a label absent from both is skipped, not a 0).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from model_adapters.f1 import macro_f1
from robustness.data.datasets import LABELS
from robustness.errors import DataError

# Word-count buckets: [low, high) with None for open ends.
LENGTH_BUCKETS: tuple[tuple[int, int | None], ...] = ((0, 100), (100, 200), (200, 400), (400, 800), (800, None))


def classification_metrics(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str] = LABELS,
                           texts: Sequence[str] | None = None) -> dict:
    """Score predicted labels against gold labels; with `texts`, also accuracy per length bucket. `labels` is the
    label set (any k >= 2, e.g. a model's labels) and orders the per-class scores and the confusion matrix; a label
    outside it is an error, so a misspelt one is never counted silently."""
    labels = tuple(labels)
    gold_idx = _indices(gold, labels, "gold")
    pred_idx = _indices(predicted, labels, "predicted")
    if len(gold_idx) != len(pred_idx):
        raise DataError(f"got {len(gold_idx)} gold labels but {len(pred_idx)} predictions; they must pair up")
    k = len(labels)
    confusion = np.zeros((k, k), dtype=np.int64)
    np.add.at(confusion, (gold_idx, pred_idx), 1)
    n = int(confusion.sum())
    correct = np.diag(confusion)
    support = confusion.sum(axis=1)
    predicted_count = confusion.sum(axis=0)
    precision = _ratio(correct, predicted_count)
    recall = _ratio(correct, support)
    f1 = _ratio(2 * precision * recall, precision + recall)
    present = (support + predicted_count) > 0  # the labels the macro averages run over
    result = {
        "n": n,
        "accuracy": float(correct.sum() / n) if n else None,
        "macro_precision": float(precision[present].mean()) if n else None,
        "macro_recall": float(recall[present].mean()) if n else None,
        "macro_f1": macro_f1(gold, predicted),
        "per_class": {
            label: {"precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i]),
                    "support": int(support[i]), "predicted": int(predicted_count[i])}
            for i, label in enumerate(labels)
        },
        "confusion_matrix": {"labels": list(labels), "rows": "gold", "columns": "predicted",
                             "matrix": confusion.tolist()},
    }
    if texts is not None:
        if len(texts) != n:
            raise DataError(f"got {len(texts)} texts for {n} predictions; pass one text per prediction")
        result["by_length"] = accuracy_by_length(texts, gold_idx == pred_idx)
    return result


def accuracy_by_length(texts: Sequence[str], correct: Sequence[bool]) -> list[dict]:
    """Accuracy per word-count bucket (buckets with no reviews report n=0 and accuracy None)."""
    words = np.array([len(str(text).split()) for text in texts], dtype=np.int64)
    correct = np.asarray(correct, dtype=bool)
    rows = []
    for low, high in LENGTH_BUCKETS:
        inside = (words >= low) & (words < high) if high is not None else (words >= low)
        count = int(inside.sum())
        rows.append({
            "bucket": _bucket_name(low, high),
            "min_words": low, "max_words": high, "n": count,
            "accuracy": float(correct[inside].mean()) if count else None,
        })
    return rows


def _bucket_name(low: int, high: int | None) -> str:
    if high is None:
        return f">={low}"
    return f"<{high}" if low == 0 else f"{low}-{high}"


def _indices(values: Sequence[str], labels: tuple[str, ...], what: str) -> np.ndarray:
    position = {label: i for i, label in enumerate(labels)}
    out = np.empty(len(values), dtype=np.int64)
    for i, value in enumerate(values):
        if value not in position:
            raise DataError(f"{what} label {value!r} at position {i} is not one of {list(labels)}")
        out[i] = position[value]
    return out


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    return np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator > 0)
