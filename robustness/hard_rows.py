"""Augmented rows the model gets wrong, first: failure-driven augmentation.

A random train review is one the model already fits (train accuracy is ~97%), so most of its perturbed
copies pass the test already and teach little. The chooser perturbs `pool` times as many train reviews as
the budget needs, asks the model, and keeps the copies it fails (INV: the label flips; DIR: the label the
change points away from does not lose log-odds), then the passing ones that came closest to failing.
`tests` limits it to some tests (the others take their seeded order): hard rows help some tests and cost others.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from model_adapters import checked_proba
from robustness.config import HarnessSettings
from robustness.data import Dataset
from robustness.scoring import drop, judge, log_odds
from robustness.suite import display_labels, lowered_by, positive_column

HARNESS = HarnessSettings()  # judged with the suite's default DIR epsilon and scale


class FailuresFirst:
    def __init__(self, model, train: Dataset, pool: int = 3, tests: Sequence[str] = ()):
        self.model = model
        self.tests = frozenset(tests)
        self.train = train
        self.pool = pool
        self.labels = tuple(display_labels(model.labels))  # as the suite names them, so row labels match
        self.positive = positive_column(self.labels)
        self._original: np.ndarray | None = None
        self.found: dict[str, dict] = {}  # per test: candidates seen and failures among them, for the summary

    def handles(self, test: str) -> bool:
        return not self.tests or test in self.tests

    def pick(self, test: str, candidates: Sequence, wanted: int) -> list:
        """`wanted` candidates: failures in their seeded order, then passes by how close they came to failing."""
        import perturbations

        if not candidates:
            return []
        info = perturbations.get_perturbation(test)
        original = self._original_proba()[[c.source_index for c in candidates]]
        perturbed = checked_proba(self.model, [c.row.text for c in candidates])
        keyed = []
        for order, (candidate, before, after) in enumerate(zip(candidates, original, perturbed)):
            lowered = None  # INV, or a DIR test without a direction: judged on the predicted label, as the suite does
            if info.expectation == "DIR" and info.direction is not None:
                lowered = lowered_by(candidate.row.label, self.labels, self.positive)
            verdict = judge(info.expectation, "ours", before, after, self.labels, True, HARNESS.dir_epsilon, lowered,
                            HARNESS.dir_scale)
            margin = _margin(info.expectation, before, after, lowered) if verdict.passed else 0.0
            keyed.append((verdict.passed, margin, order))
        keyed.sort()
        self.found[test] = {"candidates": len(candidates), "failing": sum(not k[0] for k in keyed)}
        return [candidates[order] for _, _, order in keyed[:wanted]]

    def _original_proba(self) -> np.ndarray:
        if self._original is None:
            self._original = checked_proba(self.model, self.train.texts)
        return self._original


def _margin(expectation: str, before, after, lowered: int | None) -> float:
    """How far a passing case is from failing: the log-odds of the label it kept (INV), or how much log-odds
    the lowered label (by default the predicted one) lost (DIR)."""
    column = int(np.argmax(before)) if lowered is None else lowered
    if expectation == "INV":
        return log_odds(after, column)
    return drop(before, after, column, HARNESS.dir_scale)
