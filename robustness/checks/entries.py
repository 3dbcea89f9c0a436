"""The results.json entry of a check: one shape for every score test, so the gate and the reports read them
alike. A check scores one or more groups (labels, genders, ...); each group carries its score, its 95% interval
and its threshold, and the test's headline numbers are those of its deciding group (the one with the least
room to its threshold), so a table row shows what decided the verdict."""

from __future__ import annotations

from robustness.checks.catalogue import ResolvedCheck


def score_entry(check: ResolvedCheck, metric: str, groups: list[dict], *, n: int, interval: dict | None,
                note: str | None = None, **extra) -> dict:
    """`groups`: [{"group", "n", "score", "ci_low", "ci_high"}]; thresholds are filled in from the check."""
    info = check.info
    for group in groups:
        group["threshold"] = check.threshold_for(group["group"])
    return {
        "name": check.name, "category": check.category, "kind": "score",
        "expectation": info.comparison.upper(),  # MIN: the score must reach the threshold; MAX: must not exceed it
        "mode": None, "metric": metric, "parameters": dict(check.parameters),
        "threshold_key": check.key, "threshold": check.threshold, "comparison": info.comparison,
        "gate_rule": check.gate, "min_cases": check.min_cases,
        "n_cases": n, "n_applicable": n, "n_not_applicable": 0,
        "score": None, "pass_rate": None, "min_pass_rate": None, "ci_low": None, "ci_high": None,
        "interval": interval, "note": note, "groups": groups, "deciding_group": None,
        "gate_value": None, "status": None, "examples": [], **extra,
    }


def skipped_entry(name: str, category: str, expectation: str, reason: str, threshold=None, **extra) -> dict:
    """A test this run cannot execute: reported with why, never counted as passed (strict mode fails it)."""
    return {
        "name": name, "category": category, "kind": "skipped", "expectation": expectation, "mode": None,
        "parameters": {}, "threshold": threshold, "min_pass_rate": None, "min_cases": 0,
        "n_cases": 0, "n_applicable": 0, "n_not_applicable": 0, "pass_rate": None, "ci_low": None, "ci_high": None,
        "skip_reason": reason, "gate_value": None, "status": "skipped", "examples": [], **extra,
    }
