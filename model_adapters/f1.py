"""The one macro-F1 of the project: training's validation score, the suite's clean score and `evaluate` all
call it, so a number means the same thing wherever it is printed.

Rule: the mean F1 over the labels that occur in the gold labels or in the predictions. A label absent from
both has no F1 (0/0) and is skipped instead of counted as 0, so the score does not depend on which labels a
model could have predicted (scikit-learn's rule when no `labels=` is given). A label present in only one of
the two scores 0. No pairs at all: None.
"""

from __future__ import annotations

from typing import Hashable, Sequence

import numpy as np

from model_adapters.errors import DataError


def macro_f1(gold: Sequence[Hashable], predicted: Sequence[Hashable]) -> float | None:
    """Macro-averaged F1 of `predicted` against `gold` (label names or ids, any hashable), by the rule above."""
    gold, predicted = list(gold), list(predicted)
    if len(gold) != len(predicted):
        raise DataError(f"got {len(gold)} gold labels but {len(predicted)} predictions; they must pair up")
    if not gold:
        return None
    index: dict = {}
    g = np.array([index.setdefault(label, len(index)) for label in gold], dtype=np.int64)
    p = np.array([index.setdefault(label, len(index)) for label in predicted], dtype=np.int64)
    k = len(index)  # every label here occurs at least once, so no denominator below is 0
    true_positives = np.bincount(g[g == p], minlength=k)
    # 2·TP + FP + FN = (times in gold) + (times predicted)
    f1 = 2 * true_positives / (np.bincount(g, minlength=k) + np.bincount(p, minlength=k))
    return float(f1.mean())


__all__ = ["macro_f1"]
