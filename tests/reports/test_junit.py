"""JUnit output parses as XML and its counts match the results it came from."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from reports import render_junit, render_loop_junit


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
