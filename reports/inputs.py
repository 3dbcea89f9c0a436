"""Check the two inputs of the reports: a suite's results dict and a loop summary.

Only the fields the reports rely on are checked, so a newer engine can add fields freely; a missing or
mistyped one becomes a ReportError naming the field, instead of a template error deep in Jinja.
Reading them from disk is the engine's job (robustness.suite.report_files).
"""

from __future__ import annotations

from reports.errors import ReportError

RESULTS_SCHEMA_VERSION = 1
LOOP_SCHEMA_VERSION = 1
STATUSES = ("pass", "fail", "insufficient", "skipped")


def check_results(results: dict, where: str = "results") -> dict:
    """Raise ReportError unless `results` has the shape docs/results-schema.md promises; return it."""
    _require_dict(results, where)
    _require_version(results, where, "suite_results", RESULTS_SCHEMA_VERSION)
    tests = results.get("tests")
    if not isinstance(tests, list):
        raise ReportError(f"{where}: field 'tests' must be a list of test results, found {_kind(tests)}")
    for index, test in enumerate(tests):
        field = f"{where}: field 'tests[{index}]"
        if not isinstance(test, dict):
            raise ReportError(f"{field}' must be an object, found {_kind(test)}")
        if not isinstance(test.get("name"), str) or not test["name"]:
            raise ReportError(f"{field}.name' must be a non-empty string, found {test.get('name')!r}")
        if test.get("status") not in STATUSES:
            raise ReportError(f"{field}.status' is {test.get('status')!r}; expected one of {', '.join(STATUSES)}")
        for key in ("pass_rate", "ci_low", "ci_high", "min_pass_rate"):
            if key not in test:
                raise ReportError(f"{field}.{key}' is missing; the file is truncated or hand-edited, regenerate it")
            value = test.get(key)
            if value is not None and not (isinstance(value, (int, float)) and 0 <= value <= 1):
                raise ReportError(f"{field}.{key}' must be a number between 0 and 1 or null, found {value!r}")
        if not isinstance(test.get("examples", []), list):
            raise ReportError(f"{field}.examples' must be a list, found {_kind(test.get('examples'))}")
    gate = results.get("gate", {})
    if not isinstance(gate, dict):
        raise ReportError(f"{where}: field 'gate' must be an object, found {_kind(gate)}")
    return results


def check_loop_summary(summary: dict, where: str = "loop summary") -> dict:
    """Raise ReportError unless `summary` has the shape docs/loop-schema.md promises; return it."""
    _require_dict(summary, where)
    _require_version(summary, where, "loop_summary", LOOP_SCHEMA_VERSION)
    for key in ("before", "after"):
        if key not in summary:
            raise ReportError(f"{where}: field '{key}' is missing; it must hold a suite results dict")
        check_results(summary[key], where=f"{where}: {key}")
    for key in ("fresh", "fresh_before"):
        if summary.get(key) is not None:
            check_results(summary[key], where=f"{where}: {key}")
    paired = summary.get("paired")
    if not isinstance(paired, dict) or not isinstance(paired.get("tests"), list):
        raise ReportError(f"{where}: field 'paired' must be an object with a 'tests' list, found {_kind(paired)}")
    for index, row in enumerate(paired["tests"]):
        if not isinstance(row, dict) or not isinstance(row.get("test"), str):
            raise ReportError(f"{where}: field 'paired.tests[{index}].test' must name a test, found {row!r:.80}")
        for key in ("n_paired", "both_pass", "fixed", "regressed", "still_failing"):
            if not isinstance(row.get(key), int) or row[key] < 0:
                raise ReportError(f"{where}: field 'paired.tests[{index}].{key}' must be a count >= 0, "
                                f"found {row.get(key)!r}")
    for key in ("clean", "augmentation", "models", "config", "seeds", "versions", "timings"):
        if summary.get(key) is not None and not isinstance(summary[key], dict):
            raise ReportError(f"{where}: field '{key}' must be an object or absent, found {_kind(summary[key])}")
    return summary


def _require_dict(payload, where: str) -> None:
    if not isinstance(payload, dict):
        raise ReportError(f"{where}: expected a JSON object, found {_kind(payload)}")


def _require_version(payload: dict, where: str, kind: str, version: int) -> None:
    if payload.get("kind", kind) != kind:
        raise ReportError(f"{where}: field 'kind' is {payload.get('kind')!r}, expected {kind!r}; "
                        "pass the right file")
    if payload.get("schema_version") != version:
        raise ReportError(f"{where}: field 'schema_version' is {payload.get('schema_version')!r}, this harness "
                        f"reads {version}; regenerate the file with this version")


def _kind(value) -> str:
    return "null" if value is None else type(value).__name__
