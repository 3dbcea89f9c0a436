"""Several models, one suite, the very same perturbed cases: accuracy and robustness side by side.

Each model runs the suite with the same seed and sample, so case `t:review` is the same text for every
model; the case ids are checked to match before anything is compared. Pairs of models are compared with
exact McNemar tests on the shared reviews (clean accuracy) and shared cases (robustness), and a few failing
cases per model are explained by leave-one-word-out occlusion.

    comparison = compare_models(load_named_models(["models/a", "models/b"]), dataset, "suite.yml", seed=7)
    write_comparison(comparison, "runs/compare")   # compare.json + compare.html + compare.md
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import combinations
from pathlib import Path
from typing import Sequence

import numpy as np

from model_adapters.protocol import checked_proba
from model_adapters.specs import load_model_spec
from robustness.compare.explain import attention_weights, explain_pair
from robustness.data.datasets import Dataset, sample_dataset
from robustness.errors import RobustnessError, UsageError
from robustness.files import ensure_writable_dir, write_json
from robustness.models.labels import display_labels
from robustness.stats import mcnemar_exact
from robustness.suite.report_files import write_compare_reports
from robustness.suite.run import _as_config, clean_metrics, run_suite
from robustness.versions import versions

COMPARE_SCHEMA_VERSION = 1
COMPARE_FILE = "compare.json"
EXAMPLES_PER_MODEL = 6     # failing cases explained per model (one per test, shortest reviews first)
EXPLAIN_MAX_CHARS = 1_500  # long reviews make unreadable highlights and slow occlusion
ATTENTION_TOP = 8          # most-attended tokens kept per explained text


@dataclass
class NamedModel:
    """A model plus what the comparison reports about it: where it came from and how it was trained."""

    name: str
    model: object
    path: str | None = None
    training: dict = field(default_factory=dict)   # metrics.json of an LSTM, or a baseline's fit info


def load_named_models(paths: Sequence[str | Path], load=None) -> list[NamedModel]:
    """Open models by spec (a directory, hf:, skops:, py:, http(s)://), named by the spec's last path part, made
    unique. `load(spec) -> ResolvedModel` defaults to model_adapters.specs.load_model_spec."""
    if len(paths) < 2:
        raise UsageError(f"compare needs at least two models, got {len(paths)}; pass --models DIR DIR ...")
    named, seen = [], {}
    for spec in paths:
        resolved = (load or load_model_spec)(spec)
        path = Path(resolved.spec.split(":", 1)[1] if resolved.spec.startswith(("hf:", "skops:")) else resolved.spec)
        name = path.name or resolved.spec
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            name = f"{name}#{seen[name]}"
        named.append(NamedModel(name, resolved.model, resolved.spec, _training_record(resolved.model, path)))
    return named


def compare_models(models: Sequence[NamedModel], dataset: Dataset, config=None, *, seed: int | None = None,
                   sample: int | None = None, examples_per_model: int = EXAMPLES_PER_MODEL,
                   progress: bool = False, data_info: dict | None = None, executors: Sequence | None = None) -> dict:
    """Run the suite on every model over the same cases; returns the compare.json payload. `executors` (one per
    model, None: in process) run each model's suite elsewhere (robustness/suite/executors.py)."""
    if len(models) < 2:
        raise UsageError(f"compare needs at least two models, got {len(models)}")
    names = [m.name for m in models]
    if len(set(names)) != len(names):
        raise UsageError(f"model names must be unique, got {names}")
    config = _as_config(config).with_overrides(seed=seed, sample=sample)
    harness = config.harness
    reviews = sample_dataset(dataset, harness.sample, harness.seed)  # exactly what run_suite tests
    started = time.perf_counter()
    entries, outcomes, clean_right = [], [], []
    reference_ids: list[str] | None = None
    with tempfile.TemporaryDirectory(prefix="compare.") as work:
        for named, executor in zip(models, executors or [None] * len(models)):
            clean, right, speed = _clean_pass(named.model, reviews, harness.batch_size)
            result = run_suite(named.model, dataset, config, progress=progress, work_dir=work, executor=executor)
            case_ids, passed, failing = _read_cases(result, examples_per_model)
            if reference_ids is None:
                reference_ids = case_ids
            elif case_ids != reference_ids:
                raise RobustnessError(f"model {named.name} was tested on different cases than {models[0].name}; "
                                      f"the suite is not deterministic for this config")
            results = result.to_dict()
            entries.append(_model_entry(named, results, clean, speed, _explain(named.model, failing)))
            outcomes.append(passed)
            clean_right.append(right)
    tests = [t.name for t in config.tests]
    return {
        "schema_version": COMPARE_SCHEMA_VERSION, "kind": "model_comparison",
        "created_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seed": harness.seed, "sample": harness.sample, "config": config.to_dict(),
        "data": {"path": dataset.source, "n_available": len(dataset), "n_sampled": len(reviews),
                 "sample_seed": harness.seed} | dict(data_info or {}),
        "n_cases": len(reference_ids or []), "case_ids_match": True,
        "tests": tests, "models": entries,
        "pairwise": _pairwise(models, clean_right, outcomes, tests),
        "versions": versions(), "timings": {"total_s": round(time.perf_counter() - started, 3)},
    }


def write_comparison(comparison: dict, out_dir: str | Path, reports: bool = True) -> dict[str, Path]:
    """compare.json, and with `reports` compare.html and compare.md, each written atomically."""
    out_dir = ensure_writable_dir(out_dir)
    written = {"json": write_json(out_dir / COMPARE_FILE, comparison)}
    if reports:
        written |= write_compare_reports(comparison, out_dir)
    return written


def _clean_pass(model, reviews: Dataset, batch_size: int) -> tuple[dict, np.ndarray, float]:
    """Clean accuracy/macro-F1, per-review correctness (for McNemar) and reviews per second, timed on one pass."""
    labels = display_labels(model.labels)
    started = time.perf_counter()
    rows = [checked_proba(model, reviews.texts[i:i + batch_size]) for i in range(0, len(reviews), batch_size)]
    seconds = time.perf_counter() - started
    predicted = [labels[i] for i in np.concatenate(rows).argmax(axis=1)] if rows else []
    right = np.array([p == g for p, g in zip(predicted, reviews.labels)], dtype=bool)
    return clean_metrics(reviews.labels, predicted), right, (len(reviews) / seconds if seconds > 0 else None)


def _read_cases(result, examples_per_model: int) -> tuple[list[str], dict[str, bool | None], list[dict]]:
    """Case ids in order, pass/fail per case (None: not applicable) and the failing cases worth explaining:
    the shortest failure of each test, one test at a time, up to `examples_per_model`."""
    case_ids, passed, shortest = [], {}, {}
    for case in result.iter_cases():
        case_ids.append(case["case_id"])
        passed[case["case_id"]] = case["passed"] if case["applicable"] else None
        if case["applicable"] and not case["passed"] and len(case["original"]) <= EXPLAIN_MAX_CHARS:
            best = shortest.get(case["test"])
            if best is None or len(case["original"]) < len(best["original"]):
                shortest[case["test"]] = case
    return case_ids, passed, list(shortest.values())[:examples_per_model]


def _explain(model, failing: list[dict]) -> list[dict]:
    labels = list(model.labels)
    display = display_labels(labels)
    explained = []
    for case in failing:
        label = display.index(case["original_prediction"]) if case["original_prediction"] in display else None
        pair = explain_pair(model, case["original"], case["perturbed"], label)
        entry = {k: case[k] for k in ("case_id", "test", "gold", "original", "perturbed", "expected",
                                      "original_prediction", "actual", "original_proba", "perturbed_proba")}
        entry["explanation"] = pair
        attention = {side: attention_weights(model, case[side]) for side in ("original", "perturbed")}
        if attention["original"] is not None:  # attention models: what the pooling looked at, strongest first
            entry["attention"] = {side: sorted(weights, key=lambda tw: -tw[1])[:ATTENTION_TOP]
                                  for side, weights in attention.items()}
        explained.append(entry)
    return explained


def _model_entry(named: NamedModel, results: dict, clean: dict, speed: float | None, failures: list[dict]) -> dict:
    tests = [{k: t.get(k) for k in ("name", "expectation", "n_applicable", "n_pass", "pass_rate", "ci_low",
                                     "ci_high", "min_pass_rate", "status", "flip_rate", "accuracy_perturbed")}
             for t in results["tests"]]
    rated = [t for t in tests if t["pass_rate"] is not None]
    worst = min(rated, key=lambda t: t["pass_rate"]) if rated else None
    info = results["model"].get("info", {})
    training = named.training or getattr(named.model, "metrics", None) or dict(getattr(named.model, "info", {}) or {})
    return {
        "name": named.name, "path": named.path, "family": info.get("family") or info.get("kind") or "custom",
        "info": info, "parameters": _parameters(named.model, info),
        "training_seconds": (training.get("timings") or {}).get("total_s", training.get("fit_s")),
        "inference_reviews_per_s": round(speed, 1) if speed else None,
        "clean": clean, "suite_clean": results["clean"], "gate_passed": results["gate"]["passed"],
        "worst_test": {"name": worst["name"], "pass_rate": worst["pass_rate"]} if worst else None,
        "tests": tests, "history": training.get("history") or [], "failures": failures,
    }


def _pairwise(models, clean_right, outcomes, tests) -> list[dict]:
    """Exact McNemar for every pair: clean correctness on shared reviews, pass/fail on shared cases."""
    pairs = []
    for i, j in combinations(range(len(models)), 2):
        a, b = clean_right[i], clean_right[j]
        only_a, only_b = int((a & ~b).sum()), int((~a & b).sum())
        per_test = {test: [0, 0, 0] for test in tests}   # shared, a passes only, b passes only
        for case_id, pa in outcomes[i].items():
            pb = outcomes[j].get(case_id)
            if pa is None or pb is None:
                continue
            counts = per_test.setdefault(case_id.split(":", 1)[0], [0, 0, 0])
            counts[0] += 1
            counts[1] += pa and not pb
            counts[2] += pb and not pa
        total = [sum(c[k] for c in per_test.values()) for k in range(3)]
        pairs.append({
            "a": models[i].name, "b": models[j].name,
            "clean": {"n": len(a), "a_only_right": only_a, "b_only_right": only_b, "p": mcnemar_exact(only_a, only_b)},
            "robustness": _mcnemar_block(total),
            "tests": {test: _mcnemar_block(counts) for test, counts in per_test.items()},
        })
    return pairs


def _mcnemar_block(counts) -> dict:
    shared, a_only, b_only = counts
    return {"n_shared": shared, "a_only_pass": a_only, "b_only_pass": b_only, "p": mcnemar_exact(a_only, b_only)}


def _parameters(model, info: dict) -> int | None:
    """Trainable numbers in the model: the LSTM reports them; linear models count coefficients; forests nodes."""
    if isinstance(info.get("parameters"), int):
        return info["parameters"]
    estimator = getattr(model, "estimator", None)
    steps = getattr(estimator, "steps", None)
    final = steps[-1][1] if steps else estimator
    if hasattr(final, "coef_"):
        return int(np.size(final.coef_) + np.size(getattr(final, "intercept_", 0)))
    if hasattr(final, "estimators_"):
        return int(sum(tree.tree_.node_count for tree in final.estimators_))
    return None


def _training_record(model, path: Path) -> dict:
    """metrics.json of an LSTM directory (history, timings) or a baseline's fit info."""
    from model_adapters.lstm.artifact import METRICS_FILE, read_metrics  # torch: only for an LSTM directory

    if (path / METRICS_FILE).is_file():
        return read_metrics(path)
    return dict(getattr(model, "info", {}) or {})
