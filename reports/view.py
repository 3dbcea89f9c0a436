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
    skipped = gate.get("skipped_tests")
    if skipped is None:
        skipped = [t["name"] for t in tests if t["status"] == "skipped"]
    return {"passed": bool(passed), "rule": gate.get("rule"), "failed": list(failed),
            "skipped": list(skipped), "strict": bool(gate.get("strict")),
            "insufficient": list(insufficient), "fail_on_insufficient": strict,
            "regressions": list(gate.get("regressions") or []),  # significantly worse than --baseline
            "blocking": list(failed) + (list(insufficient) if strict else []) + list(gate.get("regressions") or []),
            "n_tests": len(tests),
            "n_passed": sum(1 for t in tests if t["status"] == "pass")}


def category_sections(rows: list[dict], results: dict) -> list[dict]:
    """Rows grouped by category, in the order categories first appear, each with the engine's counts."""
    counts = (results.get("gate") or {}).get("categories") or {}
    sections: dict[str, dict] = {}
    for row in rows:
        category = row.get("category") or "robustness"
        section = sections.setdefault(category, {"category": category, "rows": [], "counts": counts.get(category)})
        section["rows"].append(row)
    return list(sections.values())


def score_text(test: dict) -> str:
    """A score test's headline as the engine reported it: score, interval and the group that decided it."""
    if test.get("kind") == "skipped":
        return "skipped"
    score = test.get("score")
    if score is None:
        return "n/a"
    proportion = test.get("metric") != "count"
    text = _fmt(score, proportion)
    if test.get("ci_low") is not None:
        text += f" [{_fmt(test['ci_low'], proportion)}, {_fmt(test['ci_high'], proportion)}]"
    if test.get("deciding_group") not in (None, "all", "gap"):
        text += f" ({test['deciding_group']})"
    return text


def threshold_text(test: dict) -> str:
    """`min 0.70`, `max 0.05`, `min 50` or one threshold per group."""
    threshold = test.get("threshold")
    if test.get("kind") != "score":
        return "" if threshold is None else f"min {_fmt(threshold, True)}"
    sign = "≤" if test.get("comparison") == "max" else "≥"
    proportion = test.get("metric") != "count"
    if isinstance(threshold, dict):
        return ", ".join(f"{group} {sign} {_fmt(value, proportion)}" for group, value in threshold.items())
    return f"{sign} {_fmt(threshold, proportion)}"


def group_texts(test: dict) -> list[str]:
    """One short line per scored group (label, gender, ...), for the detail under a score test's row."""
    proportion = test.get("metric") != "count"
    lines = []
    for group in test.get("groups") or []:
        text = f"{group['group']}: {'n/a' if group.get('score') is None else _fmt(group['score'], proportion)}"
        if group.get("ci_low") is not None:
            text += f" [{_fmt(group['ci_low'], proportion)}, {_fmt(group['ci_high'], proportion)}]"
        text += f", n={group.get('n')}" + (f" · {group['status']}" if group.get("status") else "")
        lines.append(text)
    for group in test.get("group_means") or []:
        lines.append(f"{group['group']}: mean P(positive) {group['mean_p_positive']:.3f} "
                     f"[{group['ci_low']:.3f}, {group['ci_high']:.3f}], {group['n_sentences']} sentences")
    return lines


def _fmt(value, proportion: bool) -> str:
    if not proportion:
        return f"{value:g}"
    return f"{value:.3f}"


def test_rows(results: dict, baseline: dict | None = None) -> list[dict]:
    """One row per test; with a baseline, its pass rate, the delta and whether the test regressed."""
    base = {t["name"]: t for t in (baseline or {}).get("tests", [])}
    compared = {row["test"]: row for row in (results.get("baseline") or {}).get("tests", [])}
    rows = []
    for test in results.get("tests", []):
        row = dict(test)
        row["threshold"] = test.get("min_pass_rate")
        row["is_score"] = test.get("kind") in ("score", "skipped")
        if row["is_score"]:
            row["score_text"], row["threshold_text"] = score_text(test), threshold_text(test)
            row["group_texts"] = group_texts(test)
        old = base.get(test["name"])
        row["baseline"] = old
        row["delta"] = _delta(test.get("pass_rate"), old.get("pass_rate") if old else None)
        # significantly worse than the baseline (robustness/history/baseline.py), or pass -> fail
        against = compared.get(test["name"]) or {}
        row["regressed"] = bool(against.get("regression")
                                or (old and old["status"] == "pass" and test["status"] == "fail"))
        row["regression_method"] = against.get("method") if against.get("regression") else None
        row["improved"] = bool(old and old["status"] == "fail" and test["status"] == "pass")
        rows.append(row)
    return rows


def removed_tests(results: dict, baseline: dict | None) -> list[str]:
    """Tests the baseline ran that this run did not: a silent drop would look like a pass."""
    names = {t["name"] for t in results.get("tests", [])}
    return [t["name"] for t in (baseline or {}).get("tests", []) if t["name"] not in names]


def suite_chart_rows(results: dict) -> list[ChartRow]:
    """Pass-rate tests, and capability tests drawn as the share of cases passed (scores have their own scales)."""
    rows = []
    for test in results.get("tests", []):
        test = _as_pass_rate(test)
        if test.get("kind") not in ("score", "skipped"):
            rows.append(ChartRow(test["name"], test.get("min_pass_rate"), (_bar("this run", test),)))
    return rows


def _as_pass_rate(test: dict) -> dict:
    """A capability test (a failure rate with its interval, at most a threshold) as the pass-rate test it mirrors:
    1 - failure rate, the interval flipped, at least 1 - the threshold. Any other test as it is."""
    if test.get("kind") != "score" or test.get("metric") != "failure_rate" or test.get("score") is None:
        return test
    flip = lambda value: None if value is None else 1.0 - value  # noqa: E731
    threshold = test.get("threshold")
    return {**test, "kind": "pass_rate", "pass_rate": flip(test["score"]),
            "ci_low": flip(test.get("ci_high")), "ci_high": flip(test.get("ci_low")),
            "min_pass_rate": flip(threshold) if isinstance(threshold, (int, float)) else None}


def before_after_chart_rows(before: dict, after: dict) -> list[ChartRow]:
    old = {t["name"]: _as_pass_rate(t) for t in before.get("tests", [])}
    rows = []
    for test in map(_as_pass_rate, after.get("tests", [])):
        if test.get("kind") in ("score", "skipped"):  # pass rates only: scores have their own scales
            continue
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
            "threshold": test.get("min_pass_rate") if test.get("min_pass_rate") is not None else test.get("threshold"),
            "before": old, "after": test,
            "fresh": fresh.get(test["name"]), "fresh_before": fresh_before.get(test["name"]),
            # a score test (a group gap, an F1, a failure rate) shows its score where a pass rate would be
            "delta": _delta(headline(test), headline(old) if old else None),
            "regressed": bool(old and old["status"] == "pass" and test["status"] == "fail"),
            "improved": bool(old and old["status"] == "fail" and test["status"] == "pass"),
        })
    return rows


def headline(test: dict) -> float | None:
    """A test's headline number: its pass rate, else its score (a group gap, an F1, a failure rate)."""
    return test.get("pass_rate") if test.get("pass_rate") is not None else test.get("score")


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
    """The release verdict of docs/loop-schema.md: after passes its gate, and fresh too when present, and no
    capability guard got significantly worse (robustness/loop/transfer.py)."""
    before, after = gate_view(summary["before"]), gate_view(summary["after"])
    fresh = gate_view(summary["fresh"]) if summary.get("fresh") else None
    guards = summary.get("guards") or {}
    worse_capabilities = list(guards.get("significantly_worse") or [])  # a capability guard that broke fails it too
    passed = after["passed"] and (fresh is None or fresh["passed"]) and not worse_capabilities
    significant_regressions = [r["test"] for r in paired if r["significant"] and r["direction"] == "worse"]
    significant_fixes = [r["test"] for r in paired if r["significant"] and r["direction"] == "better"]
    accuracy = next((m for m in (clean or {}).get("metrics", []) if m["label"] == "Accuracy"), None)
    return {"passed": passed, "before": before, "after": after, "fresh": fresh,
            "significant_regressions": significant_regressions, "significant_fixes": significant_fixes,
            "accuracy": accuracy, "worse_capabilities": worse_capabilities}


def example_groups(results: dict, context: int | None = 160) -> list[dict]:
    """Failing examples per test, each with a word diff of original against perturbed."""
    groups = []
    for test in results.get("tests", []):
        examples = []
        for example in test.get("examples") or []:
            if not isinstance(example, dict):
                continue
            original, perturbed = str(example.get("original", "")), str(example.get("perturbed", ""))
            single = test.get("metric") == "failure_rate" and original == perturbed  # a capability's own sentence
            examples.append({**example, "single": single,
                             "diff": word_diff(original, perturbed, example.get("edits"), context)})
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
