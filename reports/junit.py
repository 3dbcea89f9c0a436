"""JUnit XML so any CI system shows one line per robustness test and fails the job on a failed gate.

Built with xml.etree, which escapes text and attributes; characters XML 1.0 forbids (control characters
that do occur in scraped reviews) are removed first, or the file would not parse.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from reports.formatting import pct, pt, pval
from reports.inputs import check_loop_summary, check_results
from reports.transfer import guards_view, transfer_view

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_EXAMPLE_CHARS = 300  # enough to recognise a case in a CI log


def render_junit(results: dict) -> str:
    """One <testcase> per test: <failure> when it failed, <skipped> when insufficient or not run. One <testsuite>
    per category: a run of one category is that <testsuite>; a run of several, a <testsuites> of them
    ("robustness.bias", "robustness.accuracy", ...)."""
    check_results(results)
    categories: dict[str, list] = {}
    against = {row["test"]: row for row in (results.get("baseline") or {}).get("tests", []) if row["regression"]}
    for test in results.get("tests", []):
        regression = against.get(test["name"])
        test = test | ({"regression": regression, "baseline_source": results["baseline"]["source"]}
                       if regression else {})
        categories.setdefault(test.get("category") or "robustness", []).append(test)
    if len(categories) <= 1:
        return _serialise(_testsuite(results | {"tests": next(iter(categories.values()), [])}, "robustness"))
    root = ET.Element("testsuites", name="robustness")
    for category, tests in categories.items():
        root.append(_testsuite(results | {"tests": tests}, f"robustness.{category}"))
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(sum(int(s.get(key)) for s in root)))
    return _serialise(root)


def render_loop_junit(summary: dict) -> str:
    """<testsuites> with the retrained model's suite and, when present, its fresh-seed suite, its capability
    guards (one testcase per capability, a failure when it got significantly worse: that fails the loop's release
    verdict) and its transfer verdict (one testcase, informational: the release verdict does not use it, so it
    never fails; skipped when no held-out case was measured)."""
    check_loop_summary(summary)
    root = ET.Element("testsuites", name="robustness-loop")
    runs = [("after", summary["after"])]
    if summary.get("fresh"):
        runs.append(("fresh_seed", summary["fresh"]))
    for name, results in runs:
        root.append(_testsuite(results, f"robustness.{name}"))
    guards, transfer = guards_view(summary), transfer_view(summary)
    if guards is not None and (guards["rows"] or guards["worse"]):  # no empty suite
        root.append(_guards_suite(guards))
    if transfer is not None:
        root.append(_transfer_suite(transfer))
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(sum(int(s.get(key)) for s in root)))
    return _serialise(root)


def _testsuite(results: dict, name: str) -> ET.Element:
    tests = results.get("tests", [])
    timings = results.get("timings") or {}
    suite = ET.Element("testsuite", {
        "name": name, "tests": str(len(tests)),
        "failures": "0", "errors": "0",
        "skipped": str(sum(t["status"] in ("insufficient", "skipped") for t in tests)),
        "time": _seconds(timings.get("total_s")),
    })
    if results.get("created_at"):
        suite.set("timestamp", _clean(str(results["created_at"])))
    model = results.get("model") or {}
    _properties(suite, (("seed", results.get("seed")), ("engine", results.get("engine")),
                        ("model", model.get("name") or model.get("path")),
                        ("gate_rule", (results.get("gate") or {}).get("rule"))))
    strict = bool((results.get("gate") or {}).get("fail_on_insufficient"))
    skip_fails = bool((results.get("gate") or {}).get("strict"))
    for test in tests:
        suite.append(_testcase(test, name, strict, skip_fails))
    # counted from the testcases: a strict gate's skips and a baseline's regressions are failures CI must see
    suite.set("failures", str(len(suite.findall("testcase/failure"))))
    suite.set("skipped", str(len(suite.findall("testcase/skipped"))))
    return suite


def _properties(suite: ET.Element, pairs) -> None:
    """<properties> with one <property> per (key, value) whose value is not None."""
    properties = ET.SubElement(suite, "properties")
    for key, value in pairs:
        if value is not None:
            ET.SubElement(properties, "property", name=key, value=_clean(str(value)))


def _guards_suite(guards: dict) -> ET.Element:
    """One testcase per capability guard; a failure exactly for those the release verdict counts as significantly
    worse (`guards.significantly_worse`), so CI fails on this file when the guards fail the loop."""
    name = "robustness.guards"
    suite = ET.Element("testsuite", {"name": name, "tests": "0", "failures": "0", "errors": "0", "skipped": "0",
                                     "time": "0"})
    _properties(suite, ((key, guards.get(key)) for key in ("alpha", "method", "seed", "sample", "source")))
    worse = [str(c) for c in guards["worse"]]
    rows = {str(row.get("capability")): row for row in guards["rows"]}
    for capability in [*rows, *(c for c in worse if c not in rows)]:  # a worse one without a row still fails
        row = rows.get(capability, {"capability": capability})
        case = ET.SubElement(suite, "testcase", {"name": _clean(capability), "classname": f"{name}.capability",
                                                 "time": "0"})
        line = _guard_line(row, guards["alpha"])
        if capability in worse:
            ET.SubElement(case, "failure", message=_clean(f"significantly worse: {line}"),
                          type="CapabilityRegressed")
        out = ET.SubElement(case, "system-out")
        out.text = _clean(line + ("; significantly better" if row.get("significantly_better") else ""))
    suite.set("tests", str(len(suite.findall("testcase"))))
    suite.set("failures", str(len(suite.findall("testcase/failure"))))
    return suite


def _guard_line(row: dict, alpha) -> str:
    return (f"failure rate {pct(row.get('failure_rate_before'))} -> {pct(row.get('failure_rate_after'))} "
            f"(n={row.get('n_paired', '-')} paired cases): {row.get('regressed', '-')} regressed, "
            f"{row.get('fixed', '-')} fixed, McNemar p {pval(row.get('mcnemar_p'))} (alpha {alpha})")


def _transfer_suite(transfer: dict) -> ET.Element:
    """The transfer verdict as one testcase. Informational: the loop's release verdict (reports/view.py
    verdict_view, `robustness loop`) does not use it, so "did not transfer" passes here and the JUnit agrees with
    the gate; "no held-out cases" is a skip. The held-out tests' own pass rates are in robustness.after."""
    name = "robustness.loop.transfer"
    suite = ET.Element("testsuite", {"name": name, "tests": "1", "failures": "0", "errors": "0", "skipped": "0",
                                     "time": "0"})
    _properties(suite, (("verdict", transfer.get("verdict")), ("alpha", transfer.get("alpha")),
                        ("held_out", ", ".join(map(str, transfer["held_out"])) or None),
                        ("trained", ", ".join(map(str, transfer["trained"])) or None),
                        ("rule", transfer.get("rule"))))
    case = ET.SubElement(suite, "testcase", {"name": "held_out_transfer", "classname": f"{name}.verdict",
                                             "time": "0"})
    verdict_text = transfer.get("verdict_text") or transfer.get("verdict") or "-"
    if transfer.get("verdict") == "no_held_out":
        ET.SubElement(case, "skipped", message=_clean(str(verdict_text)))
        suite.set("skipped", "1")
    pooled = transfer["pooled"]
    lines = [f"verdict: {verdict_text} ({transfer.get('verdict')}); informational, the loop's release verdict does "
             f"not use it",
             f"held-out tests: {', '.join(map(str, transfer['held_out'])) or '-'}"]
    if pooled.get("n"):
        lines.append(f"pooled held-out failure (flip) rate {_rate_ci(pooled, 'before')} -> {_rate_ci(pooled, 'after')} "
                     f"(n={pooled['n']} paired cases): {pooled.get('fixed')} fixed, {pooled.get('regressed')} "
                     f"regressed, McNemar p {pval(pooled.get('mcnemar_p'))}")
    for role in ("trained", "held_out"):
        gain = transfer[f"{role}_gain"]
        if gain.get("tests"):
            lines.append(f"{role.replace('_', '-')} mean pass-rate gain {pt(_points(gain.get('mean_gain_pt')))} "
                         f"({', '.join(map(str, gain['tests']))})")
    out = ET.SubElement(case, "system-out")
    out.text = _clean("\n".join(lines))
    return suite


def _rate_ci(pooled: dict, side: str) -> str:
    low, high = (pooled.get(f"ci_{side}") or [None, None])[:2]
    return f"{pct(pooled.get(f'rate_{side}'))} (95% CI {pct(low)}–{pct(high)})"


def _points(value):
    return None if value is None else value / 100


def _testcase(test: dict, suite_name: str, fail_on_insufficient: bool = False, fail_on_skipped: bool = False) -> ET.Element:
    case = ET.Element("testcase", {"name": _clean(test["name"]),
                                   "classname": _clean(f"{suite_name}.{test.get('category') or 'test'}"),
                                   "time": "0"})
    summary = _summary(test)
    if test["status"] == "fail":
        failure = ET.SubElement(case, "failure", message=_clean(summary), type="RobustnessTestFailed")
        failure.text = _clean(_failure_text(test, summary))
    elif test["status"] == "skipped":
        reason = test.get("skip_reason") or "not run"
        if fail_on_skipped:
            ET.SubElement(case, "failure", message=_clean(reason + "; strict: a skipped test fails the gate"),
                          type="SkippedTest")
        else:
            ET.SubElement(case, "skipped", message=_clean(reason))
    elif test["status"] == "insufficient":
        reason = f"only {test.get('n_applicable')} applicable cases, fewer than min_cases={test.get('min_cases')}"
        if fail_on_insufficient:
            ET.SubElement(case, "failure", message=_clean(reason + "; the gate fails on insufficient tests"),
                          type="InsufficientCases")
        else:
            ET.SubElement(case, "skipped", message=_clean(reason))
    if test.get("regression") and case.find("failure") is None:  # above its bar, but significantly worse than before
        ET.SubElement(case, "failure", message=_clean(_regression_text(test)), type="RegressionAgainstBaseline")
    out = ET.SubElement(case, "system-out")
    out.text = _clean(summary + (f"; {_regression_text(test)}" if test.get("regression") else ""))
    return case


def _regression_text(test: dict) -> str:
    row = test["regression"]
    how = (f"McNemar p {pval(row['p'])}, {row['regressed']} cases regressed, {row['fixed']} fixed"
           if row["method"] == "mcnemar" else "95% intervals do not overlap" if row["method"] == "intervals"
           else "passed there, fails here")
    return (f"regression against {test['baseline_source']}: pass rate {pct(row['pass_rate_before'])} -> "
            f"{pct(row['pass_rate_after'])} ({how})")


def _summary(test: dict) -> str:
    if test.get("kind") == "skipped":
        return f"skipped: {test.get('skip_reason') or 'not run'}"
    if test.get("kind") == "score":
        groups = "; ".join(f"{g['group']} {_score(g.get('score'))} (n={g.get('n')}, {g.get('status')})"
                           for g in test.get("groups") or [] if g.get("threshold") is not None)
        interval = (f" (95% CI {_score(test.get('ci_low'))}–{_score(test.get('ci_high'))})"
                    if test.get("ci_low") is not None else "")
        return (f"{test.get('metric')} {_score(test.get('score'))}{interval} vs {test.get('comparison')} "
                f"{test.get('threshold')}; gated on {test.get('gate_bound') or 'score'}" + (f"; {groups}" if groups else ""))
    text = (f"pass rate {pct(test.get('pass_rate'))} (95% CI {pct(test.get('ci_low'))}–{pct(test.get('ci_high'))}, "
            f"n={test.get('n_applicable')}) vs threshold {pct(test.get('min_pass_rate'), 0)}")
    if test.get("gate_value") is not None and test.get("gate_value") != test.get("pass_rate"):
        text += f"; gated on {pct(test['gate_value'])}"
    return text


def _failure_text(test: dict, summary: str) -> str:
    lines = [f"{test['name']} ({test.get('expectation') or '?'}): {summary}"]
    for example in (test.get("examples") or [])[:3]:
        if not isinstance(example, dict):
            continue
        lines.append(f"- {example.get('case_id')}: expected {example.get('expected')}, got {example.get('actual')}")
        lines.append(f"  original:  {_short(example.get('original'))}")
        lines.append(f"  perturbed: {_short(example.get('perturbed'))}")
    return "\n".join(lines)


def _score(value) -> str:
    return "-" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def _short(text) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= _EXAMPLE_CHARS else text[:_EXAMPLE_CHARS] + "…"


def _seconds(value) -> str:
    return f"{value:.3f}" if isinstance(value, (int, float)) and not isinstance(value, bool) else "0"


def _clean(text: str) -> str:
    return _ILLEGAL_XML.sub("", text)


def _serialise(root: ET.Element) -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
