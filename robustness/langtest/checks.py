"""`--engine langtest` for the checks: LangTest's own accuracy, fairness and representation scores (read from
its generated_results()) in our results format, with 95% intervals where per-review outputs allow.

LangTest reports one number per group and no interval. Its accuracy and fairness scores come from the model's
predictions of the clean reviews, which the bridge records, so the interval is our seeded bootstrap over those
same predictions (fairness grouped by LangTest's own GenderClassifier); each group keeps both LangTest's score
(`score`, LangTest rounds it to 2 decimals) and ours (`ours_score`). Representation counts are exact (no
interval). Our group-gap and capability tests and grammar have no LangTest counterpart here: reported as skipped.
"""

from __future__ import annotations

from robustness.checks import accuracy, fairness, representation
from robustness.checks.catalogue import GROUP_GAP_KINDS, normalise_group
from robustness.checks.entries import skipped_entry
from robustness.checks.run import GRAMMAR_SKIP

NOTE = ("score: LangTest's own (rounded by LangTest); interval: a seeded bootstrap over the per-review predictions "
        "LangTest scored (recorded by the bridge); ours_score: the same metric computed by this harness")


def langtest_genders(texts) -> list[str]:
    from langtest.utils.gender_classifier import GenderClassifier

    classifier = GenderClassifier()
    return [classifier.predict(text) for text in texts]


def check_entries(config, frame, texts, gold, predicted, labels, output_labels: dict) -> list[dict]:
    """One results entry per configured check. `output_labels`: display label -> the string LangTest saw."""
    harness = config.harness
    seed, resamples = harness.seed, harness.bootstrap_resamples
    to_ours = {str(shown): label for label, shown in output_labels.items()}
    genders = None
    entries = []
    for check in config.checks:
        ours = ("EEC group gap" if check.name in GROUP_GAP_KINDS else
                "CheckList-style capability test" if check.category == "capability" else None)
        if ours is not None:
            entries.append(skipped_entry(check.name, check.category, "MAX", f"not a LangTest test (this harness's "
                                         f"{ours}); run it with --engine ours", threshold=check.threshold))
            continue
        if check.category == "grammar":
            entries.append(skipped_entry(check.name, check.category, "INV", GRAMMAR_SKIP, threshold=check.threshold))
            continue
        rows = frame[(frame["category"] == check.category) & (frame["test_type"] == check.name)].to_dict("records")
        if not rows:
            entries.append(skipped_entry(check.name, check.category, check.info.comparison.upper(),
                                         "LangTest returned no result for this test", threshold=check.threshold))
            continue
        if check.category == "accuracy":
            entry = accuracy.accuracy_entry(check, gold, predicted, labels, seed=seed, resamples=resamples,
                                            source=config.source)
        elif check.category == "fairness":
            genders = genders if genders is not None else langtest_genders(texts)
            entry = fairness.fairness_entry(check, texts, gold, predicted, labels, seed=seed, resamples=resamples,
                                            genders=genders)
            entry["note"] = "gender inferred by LangTest's GenderClassifier"
        else:
            entry = representation.representation_entry(check, texts, gold, labels)
        entries.append(_with_langtest_scores(entry, rows, to_ours))
    return entries


def _with_langtest_scores(entry: dict, rows: list[dict], to_ours: dict) -> dict:
    by_group = {g["group"]: g for g in entry["groups"]}
    for row in rows:
        case = str(row["test_case"])
        name = "all" if case in ("micro", "macro", "weighted") else to_ours.get(case, normalise_group(case))
        group = by_group.get(name)
        if group is None:  # a group LangTest scores that ours does not: reported as LangTest has it
            group = {"group": name, "n": None, "ci_low": None, "ci_high": None, "threshold": entry["threshold"]
                     if not isinstance(entry["threshold"], dict) else entry["threshold"].get(name)}
            entry["groups"].append(group)
            by_group[name] = group
        group["ours_score"] = group.get("score")
        group["score"] = _number(row["actual_result"])
        group["langtest_pass"] = bool(row["pass"])
    for group in entry["groups"]:
        group.setdefault("ours_score", group.get("score"))
        if "langtest_pass" not in group:  # LangTest did not score it: report ours, do not gate on it
            group["threshold"] = None
    entry["note"] = NOTE if entry.get("interval") else "score: LangTest's own; representation counts are exact"
    entry["langtest_passed"] = all(bool(row["pass"]) for row in rows)
    return entry


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
