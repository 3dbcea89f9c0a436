"""Two runs of the same cases, paired case by case: per test, how many cases each run alone passed, and McNemar's
exact test on those discordant pairs (the loop's before/after, a run against its baseline)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from robustness.stats import mcnemar_exact


def paired_outcomes(before_cases: Path, after_cases: Path) -> list[dict]:
    """Per test, cases applicable in both runs paired on case_id; McNemar's exact test on the discordant pairs."""
    before = {(c["test"], c["case_id"]): c["passed"] for c in _iter_cases(before_cases) if c.get("applicable")}
    counts: dict[str, dict] = {}
    for case in _iter_cases(after_cases):
        key = (case["test"], case["case_id"])
        if not case.get("applicable") or key not in before:
            continue
        row = counts.setdefault(case["test"], {"test": case["test"], "n_paired": 0, "both_pass": 0, "fixed": 0,
                                               "regressed": 0, "still_failing": 0})
        row["n_paired"] += 1
        was, now = bool(before[key]), bool(case["passed"])
        row["both_pass" if was and now else "fixed" if now else "regressed" if was else "still_failing"] += 1
    for row in counts.values():
        discordant = row["fixed"] + row["regressed"]
        row["mcnemar_p"] = mcnemar_exact(row["fixed"], row["regressed"]) if discordant else None
    return list(counts.values())


def _iter_cases(path: Path):
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)
