"""What the run store keeps of a run: the rows a `test` run's results.json, a loop's summary and a comparison's
compare.json give, and `remember`, which every command calls after writing its own outputs.

A store that cannot be written (locked, corrupt) costs the run nothing: the run's files are already written,
and the caller prints the one line `remember` returns.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from typing import Sequence

from robustness.history.store import HistoryError, RunStore, default_path


def test_rows(results: dict) -> list[dict]:
    """One row per test of a results.json: n, pass rate with its interval, threshold, score and status."""
    rows = []
    for test in results.get("tests", []):
        threshold = test.get("min_pass_rate") if test.get("min_pass_rate") is not None else test.get("threshold")
        rows.append({"name": test["name"], "category": test.get("category"), "kind": test.get("kind") or "cases",
                     "n": test.get("n_applicable"), "pass_rate": test.get("pass_rate"), "ci_low": test.get("ci_low"),
                     "ci_high": test.get("ci_high"),
                     "threshold": threshold if isinstance(threshold, (int, float)) else None,
                     "score": test.get("score"), "status": test.get("status"), "metric": test.get("metric")})
    return rows


def model_identity(model: dict) -> str | None:
    """A results.json model block's weights hash, with `@bf16` when it predicted on the fast path: the same
    weights at another precision are another configuration."""
    fingerprint = model.get("fingerprint") or {}
    digest = fingerprint.get("sha256")
    precision = fingerprint.get("precision")
    return f"{digest}@{precision}" if digest and precision else digest


def suite_run(results: dict, run_dir: Path, kind: str = "test") -> dict:
    """The run row of one suite run (results.json in `run_dir`)."""
    model, data = results.get("model") or {}, results.get("data") or {}
    gate = results.get("gate") or {}
    return {"kind": kind, "created_at": results.get("created_at"), "run_dir": str(Path(run_dir).resolve()),
            "model_spec": model.get("spec") or model.get("path") or model.get("name"), "model_kind": model.get("kind"),
            "model_fingerprint": model_identity(model),
            "data_path": data.get("path"), "data_fingerprint": data.get("fingerprint"),
            "config_hash": config_hash(results.get("config")), "seed": results.get("seed"),
            "passed": None if gate.get("passed") is None else int(bool(gate["passed"])),
            "clean_accuracy": (results.get("clean") or {}).get("accuracy"),
            "extra": {"engine": results.get("engine"), "failed_tests": gate.get("failed_tests") or [],
                      "regressions": gate.get("regressions") or []}}


def loop_run(summary: dict, out_dir: Path) -> dict:
    """A loop: the chosen model's suite run (suite_after), its transfer verdict and chosen fix."""
    row = suite_run(summary["after"], Path(out_dir) / "suite_after", kind="loop")
    fix = summary.get("fix") or {}
    transfer = summary.get("transfer") or {}
    return row | {"run_dir": str(Path(out_dir).resolve()), "transfer_verdict": transfer.get("verdict"),
                  "chosen_fix": fix.get("chosen"),
                  "extra": row["extra"] | {"winner": fix.get("winner"), "models": summary.get("models")}}


def compare_runs(comparison: dict, out_dir: Path) -> list[tuple[dict, list[dict]]]:
    """A comparison: one run per model (kind compare), each with its tests on the shared cases."""
    runs = []
    data = comparison.get("data") or {}
    for model in comparison.get("models", []):
        run = {"kind": "compare", "created_at": comparison.get("created_at"), "run_dir": str(Path(out_dir).resolve()),
               "model_spec": model.get("path") or model.get("name"), "model_kind": model.get("family"),
               "data_path": data.get("path"), "config_hash": config_hash(comparison.get("config")),
               "seed": comparison.get("seed"), "passed": int(bool(model.get("gate_passed"))),
               "clean_accuracy": (model.get("clean") or {}).get("accuracy"),
               "extra": {"compared_with": [m.get("name") for m in comparison["models"] if m is not model]}}
        runs.append((run, test_rows({"tests": model.get("tests", [])})))
    return runs


def config_hash(config) -> str | None:
    if config is None:
        return None
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()[:16]


def git_state(where: Path | None = None) -> dict:
    """The commit of the git working directory the run was made in (None outside one), and whether it had
    uncommitted changes to tracked files."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, timeout=10)
        if head.returncode != 0:
            return {"git_commit": None, "git_dirty": None}
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=where,
                                capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return {"git_commit": None, "git_dirty": None}
    return {"git_commit": head.stdout.strip(),
            "git_dirty": int(bool(status.stdout.strip())) if status.returncode == 0 else None}


def remember(runs: Sequence[tuple[dict, list[dict]]], tags: Sequence[str] = (), history: str | Path | None = None
             ) -> tuple[list[int], str | None]:
    """Record each (run row, test rows) with `tags` in the store (`history`, else the default path): the RUN_IDs,
    and None; or no RUN_IDs and the one line saying why the store could not take them."""
    path = Path(history) if history else default_path()
    git = git_state()
    try:
        with RunStore(path) as store:
            return store.record_all([(run | git, tests) for run, tests in runs], list(tags)), None
    except HistoryError as exc:
        return [], f"{exc}; the run's own files are written, it is just not in the history"
