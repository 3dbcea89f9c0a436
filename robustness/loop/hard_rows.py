"""Augmented rows the model gets wrong, first: failure-driven augmentation.

A random train review is one the model already fits (train accuracy is ~97%), so most of its perturbed
copies pass the test already and teach little. The chooser perturbs `pool` times as many train reviews as
the budget needs, asks the model, and keeps the copies it fails (INV: the label flips; DIR: the label the
change points away from does not lose log-odds), then the passing ones that came closest to failing.
`tests` limits it to some tests (the others take their seeded order): hard rows help some tests and cost others.
Rows are judged with the settings of the suite that asked for them (`suite`: DIR epsilon and scale, each test's
mode), so a "failure" here is exactly what that suite counts as one.
"""

from __future__ import annotations

import copy
from typing import Sequence

import numpy as np

import perturbations
from model_adapters import checked_proba
from robustness.data.datasets import Dataset
from robustness.errors import DataError
from robustness.models.labels import display_labels, resolve_polarity
from robustness.suite.config import SuiteConfig, config_from_dict
from robustness.suite.scoring import drop, judge, log_odds


def suite_config_of(results: dict, where: str = "results") -> SuiteConfig:
    """The suite config a results.json was run with (written there by run_suite), to judge rows the same way;
    each test keeps the mode its entry was judged in (the langtest engine judges every test in its own mode)."""
    if not isinstance(results.get("config"), dict):
        raise DataError(f"{where}: field 'config' is missing; regenerate the file with `robustness test`")
    config = copy.deepcopy(results["config"])
    specs = (config.get("tests") or {}).get("robustness") or {}
    for test in results.get("tests") or []:
        if isinstance(specs.get(test.get("name")), dict) and test.get("mode") is not None:
            specs[test["name"]]["mode"] = test["mode"]
    return config_from_dict(config, f"{where}: config")


class FailuresFirst:
    def __init__(self, model, train: Dataset, pool: int = 3, tests: Sequence[str] = (), *, suite: SuiteConfig):
        self.model = model
        self.tests = frozenset(tests)
        self.train = train
        self.pool = pool
        self.harness = suite.harness
        self.modes = {test.name: test.mode for test in suite.tests}  # a test the suite lacks: the harness default
        self.labels = tuple(display_labels(model.labels))  # as the suite names them, so row labels match
        self.polarity = resolve_polarity(self.labels, self.harness.positive_label, self.harness.negative_label,
                                         f"{suite.source}: harness")
        self._original: np.ndarray | None = None
        self.found: dict[str, dict] = {}  # per test: candidates seen and failures among them, for the summary

    def handles(self, test: str) -> bool:
        return not self.tests or test in self.tests

    def pick(self, test: str, candidates: Sequence, wanted: int) -> list:
        """`wanted` candidates: failures in their seeded order, then passes by how close they came to failing."""
        if not candidates:
            return []
        info = perturbations.get_perturbation(test)
        original = self._original_proba()[[c.source_index for c in candidates]]
        perturbed = checked_proba(self.model, [c.row.text for c in candidates])
        mode = self.modes.get(test, self.harness.mode)
        directional = info.expectation == "DIR" and mode == "ours"  # DIR in langtest mode: the label must hold
        keyed = []
        for order, (candidate, before, after) in enumerate(zip(candidates, original, perturbed)):
            lowered = None  # INV, or a DIR test without a direction: judged on the predicted label, as the suite does
            if directional and info.direction is not None:
                lowered = self.polarity.lowered_column(_pointed(candidate.row.label, self.polarity))
            verdict = judge(info.expectation, mode, before, after, self.labels, True, self.harness.dir_epsilon,
                            lowered, self.harness.dir_scale)
            margin = (_margin(directional, before, after, lowered, self.harness.dir_scale) if verdict.passed
                      else 0.0)
            keyed.append((verdict.passed, margin, order))
        keyed.sort()
        self.found[test] = {"candidates": len(candidates), "failing": sum(not k[0] for k in keyed)}
        return [candidates[order] for _, _, order in keyed[:wanted]]

    def _original_proba(self) -> np.ndarray:
        if self._original is None:
            self._original = checked_proba(self.model, self.train.texts)
        return self._original


def _pointed(row_label: str, polarity) -> str | None:
    """Where a DIR row's change points ("positive"/"negative"), read back from the label it was given."""
    return {polarity.positive: "positive", polarity.negative: "negative"}.get(row_label)


def _margin(directional: bool, before, after, lowered: int | None, dir_scale: str) -> float:
    """How far a passing case is from failing: the log-odds of the label it kept (INV), or how much the lowered
    label (by default the predicted one) lost on the suite's scale (DIR)."""
    column = int(np.argmax(before)) if lowered is None else lowered
    if not directional:
        return log_odds(after, column)
    return drop(before, after, column, dir_scale)
