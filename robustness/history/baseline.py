"""A run against a baseline: which earlier run (`--baseline latest-passing|TAG|RUN_ID|PATH`), and which tests got
significantly worse than it.

Where both runs kept the same cases (same seed, data and test), the comparison is paired: McNemar's exact test
on the cases one run passed and the other failed. Otherwise the two pass rates' 95% intervals are compared:
a regression is a pass rate whose interval lies wholly below the baseline's. A test that went from pass to
fail is a regression either way. Regressions fail the gate of a run made with --baseline.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from robustness.errors import DataError, UsageError
from robustness.history.store import RunStore, default_path
from robustness.stats import mcnemar_exact
from robustness.suite.paired import paired_outcomes
from robustness.suite.report_files import read_results

ALPHA = 0.05
LATEST_PASSING = "latest-passing"


def resolve_baseline(spec: str, history: str | Path | None = None) -> tuple[Path, str]:
    """The results.json `spec` names and how to say which run it is: `latest-passing` (the newest recorded run whose
    gate passed), a results.json or run directory, a RUN_ID, or a tag (its newest run)."""
    path = Path(spec)
    if spec != LATEST_PASSING and path.exists():
        results = path / "results.json" if path.is_dir() else path
        if not results.is_file():
            raise UsageError(f"--baseline {spec}: no results.json there; pass a run directory or its results.json")
        return results, str(results)
    store_path = Path(history) if history else default_path()
    with RunStore(store_path, create=False) as store:
        if spec == LATEST_PASSING:
            runs = [run for run in store.runs(passed=True) if run["kind"] in ("test", "loop")]
            what = "no recorded test or loop run passed its gate yet"
        elif spec.isdigit():
            runs, what = [store.run(int(spec))], ""
        else:
            runs = store.runs(tag=spec)
            what = f"no run is tagged {spec!r} and there is no file {spec}"
        if not runs:
            raise UsageError(f"--baseline {spec}: {what} in {store_path}; `robustness history list` shows the runs")
        run = runs[0]
    results = run_results(run)
    if not results.is_file():
        raise UsageError(f"--baseline {spec}: run {run['id']}'s results {results} are gone; pass another baseline")
    tags = f" [{', '.join(run['tags'])}]" if run["tags"] else ""
    return results, f"run {run['id']}{tags} ({run['model_spec']}, {run['created_at']})"


def run_results(run: dict) -> Path:
    """Where a recorded run's results.json is: a loop's is its chosen model's suite run."""
    run_dir = Path(run["run_dir"] or ".")
    return run_dir / "suite_after" / "results.json" if run["kind"] == "loop" else run_dir / "results.json"


def snapshot_baseline(found: tuple[Path, str], into: Path) -> tuple[Path, str, Path]:
    """Copies of the baseline's results.json and cases file in `into`, taken before the new run starts: a run
    written to the baseline's own directory (`--out runs/ci --baseline latest-passing`) then compares with what was
    there, not with itself."""
    path, label = found
    into.mkdir(parents=True, exist_ok=True)
    for name in ("results.json", "cases.jsonl.gz"):
        if (path.parent / name).is_file() and (name != "results.json" or path.name == name):
            shutil.copyfile(path.parent / name, into / name)
    if path.name != "results.json":  # a results file under another name: its cases cannot be known
        shutil.copyfile(path, into / "results.json")
    return into / "results.json", label, path


def _same_cases(results: dict, baseline: dict, test: dict, before: dict) -> bool:
    """Cases pair only when both runs drew them alike: the same seed, the same reviews, the same parameters."""
    data, old_data = results.get("data") or {}, baseline.get("data") or {}
    return (results.get("seed") == baseline.get("seed") and data.get("fingerprint") is not None
            and data.get("fingerprint") == old_data.get("fingerprint")
            and (test.get("parameters") or {}) == (before.get("parameters") or {}))


def compare_to_baseline(results: dict, cases: Path | None, baseline_path: Path, label: str,
                        recorded_as: Path | None = None) -> dict:
    """Per test against the baseline run: its pass rate there, the method (paired or intervals), and whether it
    regressed. The block a run's results.json keeps under "baseline"."""
    baseline = read_results(baseline_path)
    baseline_cases = baseline_path.parent / "cases.jsonl.gz"
    try:
        paired = ({row["test"]: row for row in paired_outcomes(baseline_cases, cases)}
                  if cases is not None and cases.is_file() and baseline_cases.is_file() else {})
    except (OSError, EOFError, ValueError) as exc:  # a truncated gzip, a line that is not JSON
        raise DataError(f"{baseline_cases} or {cases}: cannot read the cases ({type(exc).__name__}: {exc}); pass "
                        f"another --baseline, or rerun it") from None
    old = {test["name"]: test for test in baseline.get("tests", [])}
    rows = []
    for test in results.get("tests", []):
        before = old.get(test["name"])
        if before is None:
            continue
        row = {"test": test["name"], "pass_rate_before": before.get("pass_rate"), "pass_rate_after": test.get("pass_rate"),
               "status_before": before.get("status"), "status_after": test.get("status")}
        pair = paired.get(test["name"]) if _same_cases(results, baseline, test, before) else None
        if pair and pair["n_paired"]:
            p = mcnemar_exact(pair["fixed"], pair["regressed"]) if pair["fixed"] + pair["regressed"] else 1.0
            worse = pair["regressed"] > pair["fixed"] and p < ALPHA
            row |= {"method": "mcnemar", "n_paired": pair["n_paired"], "fixed": pair["fixed"],
                    "regressed": pair["regressed"], "p": p}
        elif test.get("ci_high") is not None and before.get("ci_low") is not None:
            lower_is_better = test.get("comparison") == "max"  # a gap or a failure rate: it must stay under its bar
            worse = (test["ci_low"] > before["ci_high"]) if lower_is_better else (test["ci_high"] < before["ci_low"])
            row |= {"method": "intervals", "ci_before": [before["ci_low"], before["ci_high"]],
                    "ci_after": [test["ci_low"], test["ci_high"]]}
        else:
            worse = False
            row["method"] = "status"
        row["regression"] = bool(worse or (before.get("status") == "pass" and test.get("status") == "fail"))
        rows.append(row)
    return {"source": label, "results": str(recorded_as or baseline_path), "alpha": ALPHA, "tests": rows,
            "regressions": [row["test"] for row in rows if row["regression"]],
            "not_run": [name for name in old if name not in {t["name"] for t in results.get("tests", [])}]}


def gate_against_baseline(results: dict, cases: Path, baseline_path: Path, label: str,
                          recorded_as: Path | None = None) -> dict:
    """Compare a run (its results and cases file, before they are written) with the baseline, keep the comparison
    in its results ("baseline") and fail its gate on a regression; returns the baseline's results (for the
    reports' side-by-side columns)."""
    block = compare_to_baseline(results, cases, baseline_path, label, recorded_as)
    results["baseline"] = block
    if block["regressions"]:
        results["gate"]["passed"] = False
        results["gate"]["regressions"] = block["regressions"]
    return read_results(baseline_path)
