"""Run a robustness suite: generate cases per test, predict them in cached batches, judge, tally, gate.

Cases stream to a gzip JSONL file a slice of reviews at a time, so memory stays bounded however many
reviews are tested; results.json keeps only counts, intervals and a few failing examples per test.

    result = run_suite(model, dataset, load_config("suite.yml"), seed=7)
    write_run(result, "runs/suite")          # results.json + cases.jsonl.gz
    result.to_dict()["gate"]["passed"]; result.cases_frame()
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import tempfile
import time
import weakref
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

import perturbations
from model_adapters.f1 import macro_f1
from model_adapters.labels import sort_labels
from model_adapters.progress import progress_bar
from robustness.checks.run import run_checks
from robustness.data.datasets import LABELS, Dataset, sample_dataset
from robustness.errors import DataError
from robustness.files import atomic_path, ensure_writable_dir, write_json
from robustness.models.labels import Polarity, display_labels, resolve_polarity
from robustness.models.predictor import CachedPredictor
from robustness.suite.cases import generate_cases
from robustness.suite.config import SuiteConfig, config_from_dict, load_config
from robustness.suite.gate import apply_gate
from robustness.suite.metrics import classification_metrics
from robustness.suite.report_files import write_suite_reports
from robustness.suite.scoring import TestTally, case_record, judge
from robustness.versions import versions  # re-exported: the suite's records and older callers use it from here

SCHEMA_VERSION = 1
RESULTS_FILE = "results.json"
CASES_FILE = "cases.jsonl.gz"
CHUNK_SOURCES = 128   # reviews per generate/predict/judge round: bounds memory, fits the tokenizer cache
GZIP_LEVEL = 3        # cases files are big and rewritten often; speed matters more than the last few %


class SuiteResult:
    """A finished run: the results dict (results.json) and the gzip file holding every case."""

    def __init__(self, results: dict, cases_file: Path, owns_cases_file: bool):
        self.results = results
        self.cases_file = Path(cases_file)
        self._cleanup = weakref.finalize(self, Path.unlink, self.cases_file, True) if owns_cases_file else None

    def to_dict(self) -> dict:
        return self.results

    @property
    def passed(self) -> bool:
        return bool(self.results["gate"]["passed"])

    def iter_cases(self):
        with gzip.open(self.cases_file, "rt", encoding="utf-8") as handle:
            for line in handle:
                yield json.loads(line)

    def cases_frame(self):
        """Every case as a pandas DataFrame (loads them all: for full-IMDB runs prefer iter_cases)."""
        import pandas as pd

        return pd.DataFrame.from_records(list(self.iter_cases()))

    def adopt_cases_file(self, path: Path) -> None:
        """The cases file was moved into a run directory: point at it and stop treating it as temporary."""
        if self._cleanup is not None:
            self._cleanup.detach()
            self._cleanup = None
        self.cases_file = Path(path)


def run_suite(model, dataset: Dataset, config: SuiteConfig | dict | str | Path | None = None, *,
              seed: int | None = None, progress: bool = False, sample: int | None = None,
              batch_size: int | None = None, model_info: dict | None = None, data_info: dict | None = None,
              work_dir: str | Path | None = None, executor=None) -> SuiteResult:
    """Run every test in `config` on `dataset` (sampled to `sample` or harness.sample reviews) against `model`.

    `seed` (default harness.seed) drives sampling and every perturbation. `work_dir` is where the temporary
    cases file is written; pass the run directory to avoid copying a large file later. `executor` runs the
    perturbation tests' slices elsewhere (robustness/suite/executors.py: RayExecutor); the results and the cases
    file are the same as in process, timings aside.
    """
    started = time.perf_counter()
    config = _as_config(config).with_overrides(seed=seed, sample=sample, batch_size=batch_size)
    harness = config.harness
    if len(dataset) == 0:
        raise DataError(f"{dataset.source}: no reviews to test; pass a data file with at least one labeled review")
    n_available = len(dataset)
    dataset = sample_dataset(dataset, harness.sample, harness.seed)
    labels = display_labels(model.labels)
    polarity = resolve_polarity(labels, harness.positive_label, harness.negative_label, f"{config.source}: harness")
    predictor = CachedPredictor(model, harness.batch_size)

    fd, tmp_name = tempfile.mkstemp(prefix=".cases.", suffix=".jsonl.gz",
                                    dir=str(ensure_writable_dir(work_dir)) if work_dir else None)
    os.close(fd)
    cases_file = Path(tmp_name)
    try:
        tests, clean, generate_s = _run_tests(config, dataset, predictor, polarity, cases_file, progress, executor)
        tests += _run_checks(config, dataset, predictor, polarity)
    except BaseException:
        cases_file.unlink(missing_ok=True)
        raise
    gate = apply_gate(tests, harness.gate, harness.fail_on_insufficient, harness.strict)
    timings = {"generate_s": round(generate_s, 4), "predict_s": round(predictor.predict_seconds, 4),
               "total_s": round(time.perf_counter() - started, 4),
               "n_unique_texts": predictor.n_unique_texts, "n_model_batches": predictor.n_model_calls}
    if executor is not None:  # the workers' model time and calls beside the driver's (group gaps, capabilities)
        timings = executor.add_timings(timings)
    results = results_document(engine="robustness", seed=harness.seed, config=config.to_dict(),
                               model=_model_block(model, model_info) | {"polarity": polarity.to_dict()},
                               dataset=dataset, n_available=n_available,
                               data_info=data_info, timings=timings, clean=clean, gate=gate, tests=tests)
    return SuiteResult(results, cases_file, owns_cases_file=True)


def results_document(*, engine: str, seed: int, config: dict, model: dict, dataset: Dataset, n_available: int,
                     data_info: dict | None, timings: dict, clean: dict, gate: dict, tests: list, **extra) -> dict:
    """The results.json of one run (docs/results-schema.md), whichever engine produced it; `extra` holds
    engine-specific fields (LangTest's own config, skipped tests)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "suite_results",
        "engine": engine,
        "created_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seed": seed,
        "config": config,
        **extra,
        "model": model,
        "data": {"path": dataset.source, "split": None, "n_available": n_available, "n_sampled": len(dataset),
                 "sample_seed": seed, "fingerprint": dataset.fingerprint()} | dict(data_info or {}),
        "versions": versions(),
        "timings": timings,
        "clean": clean,
        "gate": gate,
        "tests": tests,
    }


def _run_tests(config: SuiteConfig, dataset: Dataset, predictor: CachedPredictor, polarity: Polarity,
               cases_file: Path, progress: bool, executor=None):
    """Chunk-major: a slice of reviews goes through every test before the next slice. Memory is bounded by
    the slice, the perturbation library's per-review tokenizer cache is hit by every test, and the model
    sees one big length-sorted batch set per slice. An executor (robustness/suite/executors.py) runs the slices
    elsewhere and hands back their case records in order; the tallies and the cases file are made here alike."""
    labels = polarity.labels
    tallies = [TestTally(name=t.name, category=t.category, labels=tuple(labels), expectation=t.expectation, mode=t.mode, parameters=t.parameters,
                         min_pass_rate=t.min_pass_rate, min_cases=t.min_cases, positive_column=polarity.shift_column(),
                         max_examples=config.harness.max_examples) for t in config.tests]
    bar = progress_bar(len(config.tests) * len(dataset), "suite", "case", progress)
    if executor is None:
        original_proba = np.zeros((len(dataset), len(labels)))
        slices = local_slices(config, dataset, predictor, polarity, original_proba)
    else:
        slices = executor.run(config, dataset, polarity)
    tally_of = {tally.name: tally for tally in tallies}
    generate_s = 0.0
    with bar, gzip.open(cases_file, "wt", encoding="utf-8", compresslevel=GZIP_LEVEL) as out:
        for records, seconds in slices:
            generate_s += seconds
            for record in records:
                tally_of[record["test"]].add(record)
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
            bar.update(len(records))
    if executor is not None:
        original_proba = executor.original_proba  # every slice's clean predictions, in review order
    clean = clean_metrics(dataset.labels, [labels[i] for i in original_proba.argmax(axis=1)], labels)
    predictor.forget()
    predictor.prime(dataset.texts, original_proba)  # the checks read the clean predictions without predicting again
    return [tally.to_dict() for tally in tallies], clean, generate_s


def local_slices(config: SuiteConfig, dataset: Dataset, predictor: CachedPredictor, polarity: Polarity,
                 original_proba: np.ndarray):
    """(case records, generation seconds) of each CHUNK_SOURCES-review slice of `dataset`, in order; each slice's
    clean predictions go into `original_proba`. Each slice is predicted on its own (a fresh cache, its reviews first),
    as an executor's worker predicts it: a float32 model's probabilities move in the 8th decimal with their
    batch-mates, so the same batches everywhere are what makes every executor's cases file the same, byte for byte.""" 
    for start in range(0, len(dataset), CHUNK_SOURCES):
        chunk = dataset.subset(range(start, min(start + CHUNK_SOURCES, len(dataset))))
        predictor.forget()
        original_proba[start:start + len(chunk)] = predictor.predict(chunk.texts)
        yield slice_records(config, chunk, predictor, polarity, original_proba[start:start + len(chunk)])


def slice_records(config: SuiteConfig, chunk: Dataset, predictor: CachedPredictor, polarity: Polarity,
                  original_proba) -> tuple[list[dict], float]:
    """Every test's cases of the reviews in `chunk`, predicted and judged: the case records in the order the
    cases file keeps (test by test, review by review), and the seconds spent generating them. A case depends
    only on (seed, test, review), so any executor slicing the reviews the same way gets the same records."""
    harness = config.harness
    labels = polarity.labels
    t0 = time.perf_counter()
    per_test = [list(generate_cases(t.name, t.parameters, chunk, harness.seed)) for t in config.tests]
    generate_s = time.perf_counter() - t0
    texts = [case.perturbed for cases in per_test for case in cases if case.applicable]
    perturbed_proba = iter(predictor.predict(texts))
    records = []
    for test, cases in zip(config.tests, per_test):
        direction = perturbations.get_perturbation(test.name).direction if test.mode == "ours" else None
        for case in cases:
            before = original_proba[case.source_index]
            after = next(perturbed_proba) if case.applicable else before
            lowered_column, owes = None, True
            if direction is not None and case.applicable:
                lowered_column = polarity.lowered_column(direction(case.original, case.edits))
                owes = lowered_column is not None  # points nowhere, or no positive/negative label: owes nothing
            verdict = judge(test.expectation, test.mode, before, after, labels, case.applicable and owes,
                            harness.dir_epsilon, lowered_column, harness.dir_scale)
            records.append(case_record(case_id=case.case_id, test=case.test, source_id=case.source_id,
                                       gold=case.gold, original=case.original, perturbed=case.perturbed,
                                       edits=case.edits, verdict=verdict, original_proba=before,
                                       perturbed_proba=after))
    return records, generate_s


def _run_checks(config: SuiteConfig, dataset: Dataset, predictor: CachedPredictor, polarity: Polarity) -> list[dict]:
    """Accuracy, fairness, representation, grammar, group-gap and capability tests (robustness/checks), on the
    clean predictions already cached (no new model calls but the group gaps' and capabilities' template sentences)."""
    if not config.checks:
        return []

    labels = list(polarity.labels)
    predicted = [labels[i] for i in predictor.predict(dataset.texts).argmax(axis=1)]
    return run_checks(config, dataset.texts, dataset.labels, predicted, predictor.predict, polarity)


def write_run(result: SuiteResult, run_dir: str | Path, *, reports: bool = False) -> Path:
    """Write results.json and cases.jsonl.gz into `run_dir` atomically (cases first, so results.json
    never points at cases that are not there). With `reports`, also the HTML/Markdown/JUnit reports."""
    run_dir = ensure_writable_dir(run_dir)
    target = run_dir / CASES_FILE
    if result.cases_file.resolve() != target.resolve():
        with atomic_path(target) as tmp:
            if result._cleanup is not None and result.cases_file.parent.resolve() == run_dir.resolve():
                os.replace(result.cases_file, tmp)  # our own temp file, already on this filesystem
            else:
                shutil.copyfile(result.cases_file, tmp)
        result.adopt_cases_file(target)
    write_json(run_dir / RESULTS_FILE, result.results)
    if reports:
        write_reports(result.results, run_dir)
    return run_dir


def write_reports(results: dict, run_dir: Path, baseline: dict | None = None) -> None:
    """report.md, junit.xml and report.html via the reports package (against `baseline`'s results when given)."""
    write_suite_reports(results, run_dir, baseline)


def clean_metrics(gold, predicted, labels=None) -> dict:
    """Accuracy and macro-F1 on the unperturbed texts: the baseline every robustness number sits beside; with the
    model's `labels`, also macro precision/recall, per-class scores and the confusion matrix (robustness/suite/metrics.py)."""
    n = len(gold)
    accuracy = sum(g == p for g, p in zip(gold, predicted)) / n if n else None
    clean = {"n": n, "accuracy": accuracy, "macro_f1": macro_f1(gold, predicted)}
    if labels is None or not n:
        return clean

    names = list(labels) + [label for label in sort_labels(gold) if label not in labels]  # a gold label the model lacks
    scored = classification_metrics(gold, predicted, names)
    return clean | {key: scored[key] for key in ("macro_precision", "macro_recall", "per_class", "confusion_matrix")}


def _as_config(config) -> SuiteConfig:
    if isinstance(config, SuiteConfig):
        return config
    if isinstance(config, dict):
        return config_from_dict(config)
    return load_config(config)


def _model_block(model, model_info: dict | None) -> dict:
    block = {"path": None, "name": getattr(model, "name", type(model).__name__),
             "labels": list(model.labels), "info": _jsonable(getattr(model, "info", {}) or {})}
    return block | dict(model_info or {})


def _jsonable(value):
    try:
        return json.loads(json.dumps(value, default=str))
    except (TypeError, ValueError):
        return {}


__all__ = ["SuiteResult", "run_suite", "write_run", "write_reports", "clean_metrics", "versions", "LABELS"]
