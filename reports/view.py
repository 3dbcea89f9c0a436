"""Turn results dicts into the rows the templates print, so templates hold layout and no arithmetic.

Every number here is read from the engine's output; the only arithmetic is differences for display
(deltas), never a statistic the engine should own.
"""

from __future__ import annotations

import json

from reports.charts import Bar, ChartRow
from reports.diff import word_diff


def gate_view(results: dict) -> dict:
    """The gate of one run, summarised for a banner."""
    gate = results.get("gate") or {}
    tests = results.get("tests", [])
    failed = gate.get("failed_tests")
    if failed is None:
        failed = [t["name"] for t in tests if t["status"] == "fail"]
    insufficient = gate.get("insufficient_tests")
    if insufficient is None:
        insufficient = [t["name"] for t in tests if t["status"] == "insufficient"]
    passed = gate.get("passed")
    if passed is None:
        passed = not failed
    strict = bool(gate.get("fail_on_insufficient"))
    return {"passed": bool(passed), "rule": gate.get("rule"), "failed": list(failed),
            "insufficient": list(insufficient), "fail_on_insufficient": strict,
            "blocking": list(failed) + (list(insufficient) if strict else []), "n_tests": len(tests),
            "n_passed": sum(1 for t in tests if t["status"] == "pass")}


def test_rows(results: dict, baseline: dict | None = None) -> list[dict]:
    """One row per test; with a baseline, its pass rate, the delta and whether the test regressed."""
    base = {t["name"]: t for t in (baseline or {}).get("tests", [])}
    rows = []
    for test in results.get("tests", []):
        row = dict(test)
        row["threshold"] = test.get("min_pass_rate")
        old = base.get(test["name"])
        row["baseline"] = old
        row["delta"] = _delta(test.get("pass_rate"), old.get("pass_rate") if old else None)
        row["regressed"] = bool(old and old["status"] == "pass" and test["status"] == "fail")
        row["improved"] = bool(old and old["status"] == "fail" and test["status"] == "pass")
        rows.append(row)
    return rows


def removed_tests(results: dict, baseline: dict | None) -> list[str]:
    """Tests the baseline ran that this run did not: a silent drop would look like a pass."""
    names = {t["name"] for t in results.get("tests", [])}
    return [t["name"] for t in (baseline or {}).get("tests", []) if t["name"] not in names]


def suite_chart_rows(results: dict) -> list[ChartRow]:
    return [ChartRow(t["name"], t.get("min_pass_rate"), (_bar("this run", t),)) for t in results.get("tests", [])]


def before_after_chart_rows(before: dict, after: dict) -> list[ChartRow]:
    old = {t["name"]: t for t in before.get("tests", [])}
    rows = []
    for test in after.get("tests", []):
        bars = []
        if test["name"] in old:
            bars.append(_bar("before", old[test["name"]], neutral=True))
        bars.append(_bar("after", test))
        rows.append(ChartRow(test["name"], test.get("min_pass_rate"), tuple(bars)))
    return rows


def before_after_rows(summary: dict) -> list[dict]:
    """Per test: before, after and fresh-seed results side by side, in the order of the after run."""
    before = {t["name"]: t for t in summary["before"].get("tests", [])}
    fresh = {t["name"]: t for t in (summary.get("fresh") or {}).get("tests", [])}
    fresh_before = {t["name"]: t for t in (summary.get("fresh_before") or {}).get("tests", [])}
    rows = []
    for test in summary["after"].get("tests", []):
        old = before.get(test["name"])
        rows.append({
            "name": test["name"], "category": test.get("category"), "expectation": test.get("expectation"),
            "threshold": test.get("min_pass_rate"), "before": old, "after": test,
            "fresh": fresh.get(test["name"]), "fresh_before": fresh_before.get(test["name"]),
            "delta": _delta(test.get("pass_rate"), old.get("pass_rate") if old else None),
            "regressed": bool(old and old["status"] == "pass" and test["status"] == "fail"),
            "improved": bool(old and old["status"] == "fail" and test["status"] == "pass"),
        })
    return rows


def paired_rows(summary: dict) -> list[dict]:
    """The engine's paired counts, with the significance flag at the engine's alpha."""
    paired = summary.get("paired") or {}
    alpha = paired.get("alpha", 0.05)
    rows = []
    for row in paired.get("tests", []):
        p = row.get("mcnemar_p")
        significant = p is not None and p < alpha
        direction = "better" if row["fixed"] > row["regressed"] else "worse" if row["regressed"] > row["fixed"] else "same"
        rows.append({**row, "significant": significant, "direction": direction})
    return rows


def clean_view(summary: dict) -> dict | None:
    """Clean-text accuracy and macro F1 before/after; falls back to the suites' own clean blocks."""
    clean = summary.get("clean") or {}
    before = clean.get("before") or summary["before"].get("clean")
    after = clean.get("after") or summary["after"].get("clean")
    if not before or not after:
        return None
    metrics = []
    for key, label in (("accuracy", "Accuracy"), ("macro_f1", "Macro F1")):
        metrics.append({"label": label, "before": before.get(key), "after": after.get(key),
                        "delta": _delta(after.get(key), before.get(key))})
    return {"split": clean.get("split"), "n_before": before.get("n"), "n_after": after.get("n"),
            "metrics": metrics}


def verdict_view(summary: dict, paired: list[dict], clean: dict | None) -> dict:
    """The release verdict of docs/loop-schema.md: after passes its gate, and fresh too when present."""
    before, after = gate_view(summary["before"]), gate_view(summary["after"])
    fresh = gate_view(summary["fresh"]) if summary.get("fresh") else None
    passed = after["passed"] and (fresh is None or fresh["passed"])
    significant_regressions = [r["test"] for r in paired if r["significant"] and r["direction"] == "worse"]
    significant_fixes = [r["test"] for r in paired if r["significant"] and r["direction"] == "better"]
    accuracy = next((m for m in (clean or {}).get("metrics", []) if m["label"] == "Accuracy"), None)
    return {"passed": passed, "before": before, "after": after, "fresh": fresh,
            "significant_regressions": significant_regressions, "significant_fixes": significant_fixes,
            "accuracy": accuracy}


def example_groups(results: dict, context: int | None = 160) -> list[dict]:
    """Failing examples per test, each with a word diff of original against perturbed."""
    groups = []
    for test in results.get("tests", []):
        examples = []
        for example in test.get("examples") or []:
            if not isinstance(example, dict):
                continue
            original, perturbed = str(example.get("original", "")), str(example.get("perturbed", ""))
            examples.append({**example, "diff": word_diff(original, perturbed, example.get("edits"), context)})
        if examples:
            groups.append({"test": test["name"], "expectation": test.get("expectation"),
                           "status": test["status"], "examples": examples})
    return groups


def meta_view(results: dict) -> dict:
    """Provenance: what was run, on what, with which seed and versions, and how long it took."""
    return {
        "engine": results.get("engine"), "created_at": results.get("created_at"), "seed": results.get("seed"),
        "model": results.get("model") or {}, "data": results.get("data") or {},
        "versions": results.get("versions") or {}, "timings": results.get("timings") or {},
        "clean": results.get("clean"), "config_json": pretty_json(results.get("config")),
    }


def pretty_json(value) -> str:
    return json.dumps(value if value is not None else {}, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def _bar(series: str, test: dict, neutral: bool = False) -> Bar:
    return Bar(series, test.get("pass_rate"), test.get("ci_low"), test.get("ci_high"), test["status"], neutral)


def _delta(new, old):
    if new is None or old is None:
        return None
    return new - old
