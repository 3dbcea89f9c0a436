"""Test cases: one perturbed copy of each source review per test, each with its own seeded RNG.

`random.Random(f"{seed}:{test}:{source_id}")` makes a case depend only on (seed, test, review), never on
batch size, order or which other tests run; that is what lets two runs be paired case by case.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Iterator

import perturbations
from perturbations.errors import PerturbationParameterError
from robustness.data.datasets import Dataset
from robustness.errors import ConfigError


@dataclass(frozen=True)
class Case:
    case_id: str
    test: str
    source_index: int
    source_id: str
    gold: str
    original: str
    perturbed: str
    edits: tuple[tuple[int, int, str], ...]

    @property
    def applicable(self) -> bool:
        """A perturbation that changed nothing tests nothing: the case is excluded, not passed."""
        return self.perturbed != self.original


def case_rng(seed: int, test: str, source_id: str) -> random.Random:
    return random.Random(f"{seed}:{test}:{source_id}")


def generate_cases(test: str, parameters: dict, dataset: Dataset, seed: int) -> Iterator[Case]:
    """Yield one case per review, lazily, so a 25k-review run never holds a whole test's texts twice."""
    info = perturbations.get_perturbation(test)
    params = dict(parameters)
    for index, (source_id, text, gold) in enumerate(zip(dataset.ids, dataset.texts, dataset.labels)):
        try:
            result = info.apply(text, case_rng(seed, test, source_id), **params)
        except PerturbationParameterError as exc:  # parameters that slipped past config validation
            raise ConfigError(f"test '{test}': {exc}") from None
        yield Case(case_id=f"{test}:{source_id}", test=test, source_index=index, source_id=source_id,
                   gold=gold, original=text, perturbed=result.text, edits=result.edit_spans)
