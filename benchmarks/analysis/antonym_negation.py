"""Why adjective_antonym_swap stays near 90% after the loop: the model reads negated swaps as coin flips.

Splits the test's applicable cases by whether a sentiment-bearing swap sits after a negator ("not good" ->
"not bad", which the test expects to read more positive) and reports the pass rate of each part, before and
after the loop, on the same and on fresh-seed cases, for one or more loop run directories. Cases failing in
every given run's `suite_after` are counted as stubborn: no retraining variant moved them.
`--test add_ocr_typo` splits OCR-typo cases instead, by whether a negator was typo'd ("not" -> "n^ot" tokenizes
as "n ^ ot", which negation marking no longer sees).

    python benchmarks/analysis/antonym_negation.py runs/loop_a runs/loop_b ...   # loop output directories
Results: benchmarks/results/experiments/antonym_negation.json (ocr_negators.json with --test add_ocr_typo).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/, for the shared provenance helper
from provenance import git_commit, record_path  # noqa: E402

RESULTS = Path(__file__).resolve().parents[1] / "results" / "experiments"
TEST = "adjective_antonym_swap"
SUITES = ("suite_before", "suite_after", "suite_fresh_before", "suite_fresh")


def read_cases(path: Path, test: str = TEST) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [case for case in map(json.loads, handle) if case["test"] == test and case.get("applicable")]


def has_negated_swap(case: dict) -> bool:
    from perturbations.adjectives import polar_swaps

    return any(negated for _, negated in polar_swaps(case["original"], case["edits"]))


def has_typoed_negator(case: dict) -> bool:
    from model_adapters.lstm.tokenizer import NEGATORS

    return any(case["original"][start:end].lower() in NEGATORS for start, end, _ in case["edits"])


NEGATED = {TEST: has_negated_swap, "add_ocr_typo": has_typoed_negator}
DEFAULT_OUT = {TEST: "antonym_negation.json", "add_ocr_typo": "ocr_negators.json"}  # one record per split


def split_rates(cases: list[dict], negated=has_negated_swap) -> dict:
    parts = {"negated": [c for c in cases if negated(c)], "plain": [c for c in cases if not negated(c)]}
    rates = {name: {"n": len(part), "passed": sum(bool(c["passed"]) for c in part),
                    "pass_rate": round(sum(bool(c["passed"]) for c in part) / len(part), 4) if part else None}
             for name, part in parts.items()}
    passed = sum(bool(c["passed"]) for c in cases)
    return {"all": {"n": len(cases), "passed": passed, "pass_rate": round(passed / len(cases), 4) if cases else None}} | rates


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", type=Path, help="loop output directories (robustness loop --out)")
    parser.add_argument("--test", choices=sorted(NEGATED), default=TEST)
    parser.add_argument("--out", type=Path, default=None, help="default: results/experiments/" + ", ".join(
        f"{name} for {test}" for test, name in DEFAULT_OUT.items()))
    args = parser.parse_args(argv)
    out = args.out or RESULTS / DEFAULT_OUT[args.test]
    for run in args.runs:  # a wrong path would otherwise leave a record with no runs in it
        if not (run / "suite_after" / "cases.jsonl.gz").is_file():
            parser.error(f"{run}: no suite_after/cases.jsonl.gz; pass loop output directories (robustness loop --out)")
        record_path(run)  # the record names each run: none under the temp dir
    negated_case = NEGATED[args.test]

    runs, failing_after = {}, []
    for run in args.runs:
        runs[str(run)] = {}
        for suite in SUITES:
            path = run / suite / "cases.jsonl.gz"
            if not path.is_file():
                continue
            cases = read_cases(path, args.test)
            runs[str(run)][suite] = split_rates(cases, negated_case)
            if suite == "suite_after":
                failing_after.append({c["case_id"]: c for c in cases if not c["passed"]})
            print(f"{run}  {suite:18}  " + "  ".join(
                f"{name} {_percent(part['pass_rate'])} of {part['n']}" for name, part in runs[str(run)][suite].items()))
    stubborn = set.intersection(*(set(failing) for failing in failing_after)) if failing_after else set()
    negated = sum(negated_case(failing_after[0][case_id]) for case_id in stubborn)
    print(f"failing after every run: {len(stubborn)} cases, {negated} of them in the negated part")
    result = {"schema_version": 1, "kind": "antonym_negation", "test": args.test,
              "command": " ".join(["python", "benchmarks/analysis/antonym_negation.py", *(argv or sys.argv[1:])]),
              **git_commit(),
              "runs": runs, "failing_after_every_run": {"n": len(stubborn), "negated": negated}}
    from robustness.files import write_json

    write_json(out, result)
    return 0


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.1%}"


if __name__ == "__main__":
    raise SystemExit(main())
