"""Augmented rows the model gets wrong, first: failure-driven augmentation.

A random train review is one the model already fits (train accuracy is ~97%), so most of its perturbed
copies pass the test already and teach little. The chooser perturbs `pool` times as many train reviews as
the budget needs, asks the model, and keeps the copies it fails (INV: the label flips; DIR: the label the
change points away from does not lose log-odds), then the passing ones that came closest to failing.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from robustness.data import Dataset
from robustness.scoring import judge, log_odds

DIR_EPSILON = 1e-4


class FailuresFirst:
    def __init__(self, model, train: Dataset, pool: int = 3):
        self.model = model
        self.train = train
        self.pool = pool
        self.labels = tuple(model.labels)
        self.positive = self.labels.index("positive") if "positive" in self.labels else len(self.labels) - 1
        self._original: np.ndarray | None = None
        self.found: dict[str, dict] = {}  # per test: candidates seen and failures among them, for the summary

    def pick(self, test: str, candidates: Sequence, wanted: int) -> list:
        """`wanted` candidates: failures in their seeded order, then passes by how close they came to failing."""
        import perturbations

        from model_adapters import checked_proba

        if not candidates:
            return []
        info = perturbations.get_perturbation(test)
        original = self._original_proba()[[c.source_index for c in candidates]]
        perturbed = checked_proba(self.model, [c.row.text for c in candidates])
        keyed = []
        for order, (candidate, before, after) in enumerate(zip(candidates, original, perturbed)):
            lowered = None
            if info.expectation == "DIR":
                lowered = next(i for i, label in enumerate(self.labels) if label != candidate.row.label)
            verdict = judge(info.expectation, "ours", before, after, self.labels, True, DIR_EPSILON, lowered)
            keyed.append((verdict.passed, 0.0 if not verdict.passed else _margin(before, after, lowered), order))
        keyed.sort()
        self.found[test] = {"candidates": len(candidates), "failing": sum(not k[0] for k in keyed)}
        return [candidates[order] for _, _, order in keyed[:wanted]]

    def _original_proba(self) -> np.ndarray:
        if self._original is None:
            from model_adapters import checked_proba

            self._original = checked_proba(self.model, self.train.texts)
        return self._original


def _margin(before, after, lowered: int | None) -> float:
    """How far a passing case is from failing: the log-odds of the label it kept (INV), or how much log-odds
    the lowered label lost (DIR)."""
    if lowered is None:
        kept = int(np.argmax(before))
        return log_odds(after, kept)
    return log_odds(before, lowered) - log_odds(after, lowered)
