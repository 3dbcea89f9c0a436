"""The `noise_train` candidate's noise: a fresh noisy copy of every training review each epoch, from the suite's
trained families, for consistency training (model_adapters/lstm/finetune.py: consistency_loss).

Fixed augmented rows are one draw of each generator, and a model fine-tuned on them can learn those very strings.
Here every epoch draws anew (a review's family and its edits), so the model sees many more variants of each kind
of noise and is asked only that a noisy copy predict what its clean review predicts. Held-out families are never
drawn: the fix is judged on them.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from typing import Sequence

import perturbations
from robustness.errors import ConfigError


@dataclass(frozen=True)
class FreshNoise:
    """epoch -> one noisy copy per text: row i of epoch e takes the family and edits drawn by a
    random.Random seeded with (seed, e, i), so a resumed run, any process, any machine draws the same copies."""

    texts: tuple[str, ...]
    families: tuple[tuple[str, tuple], ...]  # (perturbation name, its parameters as sorted items)
    seed: int

    def __call__(self, epoch: int) -> list[str]:
        out = []
        for i, text in enumerate(self.texts):
            rng = random.Random(f"noise_train:{self.seed}:{epoch}:{i}")
            name, params = self.families[rng.randrange(len(self.families))]
            out.append(perturbations.get_perturbation(name).apply(text, rng, **dict(params)).text)
        return out

    @property
    def key(self) -> str:
        """What the noise is, for a checkpoint's fingerprint: the families with their parameters and the seed."""
        described = json.dumps([[name, list(params)] for name, params in self.families], sort_keys=True, default=str)
        return f"seed={self.seed};families={hashlib.sha256(described.encode()).hexdigest()[:16]}"


def trained_families(results: dict, held_out: Sequence[str]) -> tuple[tuple[str, tuple], ...]:
    """The suite run's robustness tests that expect no change (INV) and are not held out, with the parameters
    they ran with: the noise a fix may learn from."""
    held = set(held_out)
    families = []
    for test in results.get("tests", []):
        name = test.get("name")
        if (test.get("category") != "robustness" or test.get("kind") in ("score", "skipped")
                or test.get("expectation", "INV") != "INV" or name in held):
            continue
        info = perturbations.get_perturbation(name)
        params = info.validate_params(test.get("parameters") or {})
        families.append((name, tuple(sorted(params.items()))))
    if not families:
        raise ConfigError("fix candidate noise_train: the suite has no robustness test outside holdout that expects "
                          "no change (INV), so there is no noise to train on; drop noise_train from fix.candidates")
    return tuple(families)
