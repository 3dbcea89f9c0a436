"""The gate: point vs Wilson-lower rule, insufficient data, and the overall verdict."""

from __future__ import annotations

import pytest

from robustness.errors import ConfigError
from robustness.stats import wilson_interval
from robustness.suite.gate import apply_gate, regate, status_of


def entry(name, n_pass, n_applicable, min_pass_rate=0.8, min_cases=20):
    low, high = wilson_interval(n_pass, n_applicable) if n_applicable else (None, None)
    return {"name": name, "n_pass": n_pass, "n_applicable": n_applicable, "min_cases": min_cases,
            "min_pass_rate": min_pass_rate, "pass_rate": n_pass / n_applicable if n_applicable else None,
            "ci_low": low, "ci_high": high}


def test_point_rule_passes_what_wilson_lower_fails():
    # 85/100 clears 0.8 as a point estimate, but the 95% lower bound (0.767) does not
    tests = [entry("add_typo", 85, 100)]
    gate = apply_gate(tests, "point")
    assert gate["passed"] and tests[0]["status"] == "pass" and tests[0]["gate_value"] == 0.85
    gate = apply_gate(tests, "wilson_lower")
    assert not gate["passed"] and gate["failed_tests"] == ["add_typo"]
    assert tests[0]["gate_value"] == pytest.approx(0.7672, abs=1e-4)


def test_threshold_met_exactly_passes():
    assert status_of(entry("t", 7, 10, min_pass_rate=0.7, min_cases=0), "point") == "pass"


def test_insufficient_cases_are_reported_not_passed():
    tests = [entry("rare", 5, 5, min_cases=20), entry("none", 0, 0, min_cases=0), entry("ok", 95, 100)]
    gate = apply_gate(tests, "point")
    assert [t["status"] for t in tests] == ["insufficient", "insufficient", "pass"]
    assert gate["passed"] and gate["insufficient_tests"] == ["rare", "none"]
    strict = apply_gate(tests, "point", fail_on_insufficient=True)
    assert not strict["passed"] and strict["failed_tests"] == []


def test_regate_a_loaded_run_under_another_rule():
    results = {"gate": {"rule": "point", "fail_on_insufficient": False}, "tests": [entry("add_typo", 85, 100)]}
    assert regate(results)["gate"]["passed"]
    assert not regate(results, "wilson_lower")["gate"]["passed"]
    assert results["tests"][0]["status"] == "fail"


def test_unknown_rule():
    with pytest.raises(ConfigError, match="unknown gate rule 'mean'"):
        apply_gate([entry("t", 1, 1)], "mean")
