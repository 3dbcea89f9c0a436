"""Capability tests as a suite category: the CheckList-style minimum functionality tests of
robustness/checks/templates.py (shipped templates: robustness/checks/data/minimum_functionality.yml), run on the
suite's own predictor like the group gaps' template sentences.

    tests:
      capability:
        negation_of_positive: {max_failure_rate: 0.30}
        vocabulary: {max_failure_rate: 0.05, sample: 400}

Each test expands its capability into `sample` cases (seeded by the suite's seed, round-robin over the templates
so positive and negative ones stay balanced), predicts them and judges every case as the loop's capability guards
do (checks/templates.py: judge_cases). The score is the failure rate with its Wilson 95% interval; under lower-bound
gating the test passes only when the interval's upper end is within `max_failure_rate`.
"""

from __future__ import annotations

from pathlib import Path

from robustness.checks.catalogue import ResolvedCheck
from robustness.checks.entries import score_entry, skipped_entry
from robustness.checks.templates import MAX_EXAMPLES, expand_cases, judge_cases, load_capabilities
from robustness.errors import ModelError
from robustness.models.labels import Polarity
from robustness.stats import wilson_interval


def capability_entry(check: ResolvedCheck, predict, polarity: Polarity, seed: int, *,
                     max_examples: int = MAX_EXAMPLES) -> dict:
    """`predict(texts) -> (n, k)` probabilities (the suite's cached predictor); `polarity`: the model's labels as
    the suite names them and which is positive and which negative (the suite's harness). A model without both
    poles gets a skipped entry, not a crash."""
    labels = list(polarity.labels)
    try:
        positive, negative = polarity.poles()
    except ModelError as exc:
        return skipped_entry(check.name, check.category, "MAX", str(exc), threshold=check.threshold)
    data = load_capabilities()
    capability = data.capabilities[check.name]
    cases = expand_cases(capability, data.lexicons, check.sample, seed)
    records = judge_cases(cases, predict, labels, positive, negative)
    n = len(records)
    failed = sum(not r["passed"] for r in records)
    low, high = wilson_interval(failed, n)
    group = {"group": "failure_rate", "n": n, "score": failed / n if n else None, "ci_low": low, "ci_high": high}
    entry = score_entry(check, "failure_rate", [group], n=n,
                        interval={"method": "wilson", "unit": "case", "confidence": 0.95,
                                  "description": "Wilson score 95% interval of the failure rate over the cases"},
                        note="the share of template cases the model gets wrong; a case with a 'than' sentence also "
                             "fails when the model is less sure of the label than on that sentence",
                        n_failed=failed, description=capability.description, source=data.source,
                        templates=Path(data.path).name, seed=seed, sample=check.sample)
    entry["examples"] = [_example(r) for r in records if not r["passed"]][:max_examples]
    return entry


def _example(record: dict) -> dict:
    """A failing case in the shape of a perturbation test's example (original -> perturbed, expected, actual), so
    the reports show it alike: `original` is the `than` sentence where there is one (the word diff then shows the
    intensifier), else the case's own text."""
    return record | {"original": record["than"] or record["text"], "perturbed": record["text"],
                     "gold": record["label"], "expected": record["label"], "actual": record["predicted"],
                     "original_prediction": None if record["than"] else record["predicted"]}
