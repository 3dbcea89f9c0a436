"""JUnit output parses as XML and its counts match the results it came from."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from reports import render_junit, render_loop_junit
from robustness.loop.transfer import guards_block
from tests.reports.loop_blocks import with_transfer


def test_one_testcase_per_test_with_failures_and_skips(suite_results):
    root = ET.fromstring(render_junit(suite_results))
    assert root.tag == "testsuite"
    cases = root.findall("testcase")
    assert [c.get("name") for c in cases] == [t["name"] for t in suite_results["tests"]]
    failed = {c.get("name") for c in cases if c.find("failure") is not None}
    skipped = {c.get("name") for c in cases if c.find("skipped") is not None}
    assert failed == {t["name"] for t in suite_results["tests"] if t["status"] == "fail"} == {"add_typo", "antonym"}
    assert skipped == {"add_contraction"}
    assert root.get("tests") == "5" and root.get("failures") == "2" and root.get("skipped") == "1"
    assert root.get("errors") == "0"
    properties = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert properties["seed"] == "7" and properties["gate_rule"] == "point"
    message = root.find("testcase[@name='add_typo']/failure").get("message")
    assert "61.5%" in message and "70%" in message


def test_review_text_is_escaped_and_control_characters_dropped(builders):
    test = builders["make_test"]("add_typo", 100, 10)
    test["examples"][0]["original"] = "bad \x0b\x01 movie <script>alert(1)</script> & \"quotes\" ]]>"
    test["name"] = "typo<&>"
    xml = render_junit(builders["make_results"]([test]))
    root = ET.fromstring(xml)  # would raise on \x0b or an unescaped <
    case = root.find("testcase")
    assert case.get("name") == "typo<&>"
    text = case.find("failure").text
    assert "<script>alert(1)</script>" in text and "\x0b" not in text
    assert "<script>" not in xml  # escaped in the file itself


def test_all_passing_run_has_no_failures(builders):
    results = builders["make_results"]([builders["make_test"]("a", 100, 100), builders["make_test"]("b", 50, 49)])
    root = ET.fromstring(render_junit(results))
    assert root.get("failures") == "0" and not root.findall(".//failure")


def test_loop_junit_has_after_and_fresh_suites(loop_summary):
    root = ET.fromstring(render_loop_junit(loop_summary))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["robustness.after", "robustness.fresh_seed"]
    assert [c.get("name") for c in suites[0].findall("testcase[failure]")] == ["swap_synonym"]
    assert int(root.get("failures")) == sum(int(s.get("failures")) for s in suites) == 2
    assert int(root.get("tests")) == 10


def test_loop_junit_without_fresh(builders):
    root = ET.fromstring(render_loop_junit(builders["make_loop_summary"](with_fresh=False)))
    assert [s.get("name") for s in root.findall("testsuite")] == ["robustness.after"]


def test_insufficient_is_a_failure_when_the_gate_says_so(suite_results):
    suite_results["gate"].update(fail_on_insufficient=True, passed=False)
    root = ET.fromstring(render_junit(suite_results))
    assert root.get("failures") == "3" and root.get("skipped") == "0"
    failure = root.find("testcase[@name='add_contraction']/failure")
    assert failure is not None and failure.get("type") == "InsufficientCases"


def all_tests_pass(summary: dict) -> dict:
    for run in ("after", "fresh"):  # only the guards can fail the release verdict now
        for test in summary[run]["tests"]:
            test["status"] = "pass"
        summary[run]["gate"].update(passed=True, failed_tests=[])
    return summary


def _suite(root, name):
    suite = root.find(f"testsuite[@name='{name}']")
    assert suite is not None, name
    return suite


def test_loop_junit_fails_on_a_capability_guard_that_got_significantly_worse(builders):
    summary = all_tests_pass(with_transfer(builders["make_loop_summary"](), guard_regresses=True))
    assert summary["guards"]["significantly_worse"] == ["contrast"]
    root = ET.fromstring(render_loop_junit(summary))
    guards = _suite(root, "robustness.guards")
    assert [c.get("name") for c in guards.findall("testcase")] == ["contrast", "vocabulary"]
    assert [c.get("name") for c in guards.findall("testcase[failure]")] == ["contrast"]
    assert guards.get("tests") == "2" and guards.get("failures") == "1"
    message = guards.find("testcase[@name='contrast']/failure").get("message")
    assert "\n" not in message
    assert "0.0% -> 50.0%" in message and "20 regressed" in message and "0 fixed" in message
    assert "McNemar p <0.001" in message
    better = guards.find("testcase[@name='vocabulary']")
    assert better.find("failure") is None and "25.0% -> 0.0%" in better.find("system-out").text
    # every test passes: the guard alone fails CI, as it fails the loop's verdict
    assert root.get("failures") == "1"
    for key in ("tests", "failures", "errors", "skipped"):
        assert int(root.get(key)) == sum(int(s.get(key)) for s in root.findall("testsuite"))


def test_loop_junit_transfer_testcase_carries_the_verdict_and_does_not_fail(builders):
    summary = all_tests_pass(with_transfer(builders["make_loop_summary"]()))
    assert summary["transfer"]["verdict"] == "not_transferred" and summary["guards"]["passed"]
    root = ET.fromstring(render_loop_junit(summary))
    transfer = _suite(root, "robustness.loop.transfer")
    properties = {p.get("name"): p.get("value") for p in transfer.iter("property")}
    assert properties["verdict"] == "not_transferred"
    assert properties["held_out"] == "lowercase, add_contraction"
    [case] = transfer.findall("testcase")
    assert case.find("failure") is None and case.find("skipped") is None
    out = case.find("system-out").text
    assert "it did not transfer" in out and "pooled held-out failure (flip) rate" in out and "McNemar p" in out
    assert "lowercase, add_contraction" in out
    # the loop's release verdict passes (the transfer verdict does not enter it), so CI must pass too
    assert root.get("failures") == "0" and transfer.get("tests") == "1"


def test_loop_junit_transfer_without_held_out_cases_is_a_skip(builders):
    summary = with_transfer(builders["make_loop_summary"](), holdout=())
    assert summary["transfer"]["verdict"] == "no_held_out"
    root = ET.fromstring(render_loop_junit(summary))
    transfer = _suite(root, "robustness.loop.transfer")
    assert transfer.get("skipped") == "1" and transfer.find("testcase/skipped") is not None
    assert int(root.get("skipped")) == sum(int(s.get("skipped")) for s in root.findall("testsuite"))


def test_loop_junit_blocks_only_add_suites(builders):
    plain = render_loop_junit(builders["make_loop_summary"]())
    root = ET.fromstring(plain)
    assert [s.get("name") for s in root.findall("testsuite")] == ["robustness.after", "robustness.fresh_seed"]
    assert render_loop_junit(builders["make_loop_summary"]() | {"guards": None, "transfer": None}) == plain
    full = ET.fromstring(render_loop_junit(with_transfer(builders["make_loop_summary"]())))
    assert [s.get("name") for s in full.findall("testsuite")] == [
        "robustness.after", "robustness.fresh_seed", "robustness.guards", "robustness.loop.transfer"]
    for old, new in zip(root.findall("testsuite"), full.findall("testsuite")[:2]):
        old.tail = new.tail = None  # the indentation after the last suite differs
        assert ET.tostring(old) == ET.tostring(new)
    assert int(full.get("tests")) == int(root.get("tests")) + 3  # two capabilities, one transfer verdict
    no_cases = builders["make_loop_summary"]() | {"guards": guards_block({"cases": []}, {"cases": []})}
    assert render_loop_junit(no_cases) == plain  # no empty guards suite
