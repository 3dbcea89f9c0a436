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


def status_of(test: dict, rule: str) -> str:
    """insufficient when too few applicable cases to judge; else pass iff the gate value meets the threshold."""
    value = gate_value(test, rule)
    if test["n_applicable"] < test["min_cases"] or value is None:
        return "insufficient"
    # Rates are k/n floats; a hair of tolerance keeps 0.7 == 7/10 from failing on rounding.
    return "pass" if value >= test["min_pass_rate"] - 1e-12 else "fail"


def apply_gate(tests: list[dict], rule: str, fail_on_insufficient: bool = False) -> dict:
    """Fill in each test's gate_value and status (in place) and return the results' `gate` block."""
    for test in tests:
        test["gate_value"] = gate_value(test, rule)
        test["status"] = status_of(test, rule)
    failed = [t["name"] for t in tests if t["status"] == "fail"]
    insufficient = [t["name"] for t in tests if t["status"] == "insufficient"]
    passed = not failed and not (fail_on_insufficient and insufficient)
    return {"passed": passed, "rule": rule, "failed_tests": failed, "insufficient_tests": insufficient,
            "fail_on_insufficient": fail_on_insufficient}


def regate(results: dict, rule: str | None = None) -> dict:
    """Re-apply the gate to a loaded results dict (optionally under another rule); returns it updated."""
    previous = results.get("gate", {})
    rule = rule or previous.get("rule", "point")
    results["gate"] = apply_gate(results["tests"], rule, previous.get("fail_on_insufficient", False))
    return results
