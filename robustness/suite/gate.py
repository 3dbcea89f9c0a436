"""The release gate: turn per-test pass rates into pass / fail / insufficient and one overall verdict.

Works on the results.json dicts, so a finished run can be re-gated under another rule without rerunning.
`wilson_lower` is the honest rule: a test passes only if we are 95% sure its true pass rate clears the bar.
"""

from __future__ import annotations

from robustness.errors import ConfigError

GATE_RULES = ("point", "wilson_lower")


def gate_value(test: dict, rule: str) -> float | None:
    if rule not in GATE_RULES:
        raise ConfigError(f"unknown gate rule {rule!r}; choose one of {', '.join(GATE_RULES)}")
    return test["pass_rate"] if rule == "point" else test["ci_low"]


def score_gate_value(group: dict, comparison: str, rule: str) -> float | None:
    """A score test's value under `rule`: the score itself (point), or under lower-bound gating the conservative
    end of its bootstrap interval (ci_low for a min_ test, ci_high for a max_ test); exact scores (counts)
    have no interval and gate on themselves."""
    if rule == "point" or group.get("ci_low") is None:
        return group.get("score")
    return group["ci_low"] if comparison == "min" else group["ci_high"]


def score_status(test: dict, rule: str) -> str:
    """Each group is judged against its threshold (a group without one is only reported): fail if any fails,
    else insufficient if any has fewer than min_cases reviews or no score, else pass. The test's headline
    score and interval become those of its deciding group (the least room to its threshold)."""
    rule = test.get("gate_rule") or rule
    sign = 1 if test["comparison"] == "min" else -1
    statuses, deciding, room = [], None, None
    for group in test["groups"]:
        value = score_gate_value(group, test["comparison"], rule)
        group["gate_value"] = value
        if group.get("threshold") is None:
            group["status"] = None
            continue
        if value is None or group.get("n", 0) < test.get("min_cases", 0):
            group["status"] = "insufficient"
        else:
            group["status"] = "pass" if sign * (value - group["threshold"]) >= -1e-12 else "fail"
            if room is None or sign * (value - group["threshold"]) < room:
                deciding, room = group, sign * (value - group["threshold"])
        statuses.append(group["status"])
    deciding = deciding or next((g for g in test["groups"] if g.get("score") is not None), None)
    if deciding is not None:
        test.update(score=deciding["score"], ci_low=deciding.get("ci_low"), ci_high=deciding.get("ci_high"),
                    gate_value=deciding["gate_value"], deciding_group=deciding["group"])
    test["gate_bound"] = "score" if rule == "point" else ("ci_low" if sign == 1 else "ci_high")
    if "fail" in statuses:
        return "fail"
    return "insufficient" if "insufficient" in statuses or not statuses else "pass"


def status_of(test: dict, rule: str) -> str:
    """insufficient when too few applicable cases to judge; else pass iff the gate value meets the threshold."""
    if test.get("kind") == "skipped":
        return "skipped"
    if test.get("kind") == "score":
        return score_status(test, rule)
    value = gate_value(test, rule)
    if test["n_applicable"] < test["min_cases"] or value is None:
        return "insufficient"
    # Rates are k/n floats; a hair of tolerance keeps 0.7 == 7/10 from failing on rounding.
    return "pass" if value >= test["min_pass_rate"] - 1e-12 else "fail"


def apply_gate(tests: list[dict], rule: str, fail_on_insufficient: bool = False, strict: bool = False) -> dict:
    """Fill in each test's gate_value and status (in place) and return the results' `gate` block. `strict`: a
    skipped test (one this run cannot execute) fails the gate too; it never counts as passed."""
    for test in tests:
        if test.get("kind") not in ("score", "skipped"):
            test["gate_value"] = gate_value(test, rule)
        test["status"] = status_of(test, rule)
    failed = [t["name"] for t in tests if t["status"] == "fail"]
    insufficient = [t["name"] for t in tests if t["status"] == "insufficient"]
    skipped = [t["name"] for t in tests if t["status"] == "skipped"]
    passed = not failed and not (fail_on_insufficient and insufficient) and not (strict and skipped)
    return {"passed": passed, "rule": rule, "failed_tests": failed, "insufficient_tests": insufficient,
            "skipped_tests": skipped, "fail_on_insufficient": fail_on_insufficient, "strict": strict,
            "categories": category_summary(tests)}


def category_summary(tests: list[dict]) -> dict:
    """Per category (in the order tests appear): how many tests passed, failed, were insufficient or skipped."""
    summary: dict[str, dict] = {}
    for test in tests:
        counts = summary.setdefault(test.get("category") or "robustness",
                                    {"n": 0, "passed": 0, "failed": 0, "insufficient": 0, "skipped": 0})
        counts["n"] += 1
        key = {"pass": "passed", "fail": "failed"}.get(test["status"], test["status"])
        counts[key] = counts.get(key, 0) + 1
    return summary


def regate(results: dict, rule: str | None = None) -> dict:
    """Re-apply the gate to a loaded results dict (optionally under another rule); returns it updated."""
    previous = results.get("gate", {})
    rule = rule or previous.get("rule", "point")
    results["gate"] = apply_gate(results["tests"], rule, previous.get("fail_on_insufficient", False),
                                 previous.get("strict", False))
    return results
