"""`--engine langtest`: run a suite config through LangTest's own Harness and convert its results to ours.

The same reviews (written to a temp CSV), the same model (through the LangTest bridge), the same
thresholds; LangTest generates and judges the cases. Its generated_results() are re-tallied with our
arithmetic (applicable cases only, Wilson intervals) so the two engines sit side by side in one format.
LangTest's own pass rate is kept per test as `langtest_pass_rate`.

LangTest draws from the global `random` / numpy state; we seed both and restore them afterwards.
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import gzip
import json
import logging
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from model_adapters.langtest_bridge import LangTestModel, make_harness
from robustness.checks.entries import skipped_entry
from robustness.data.datasets import LABELS, Dataset, sample_dataset
from robustness.errors import DataError, ModelRuntimeError
from robustness.langtest.checks import check_entries
from robustness.models.labels import display_labels, resolve_polarity
from robustness.suite.config import SuiteConfig
from robustness.suite.gate import apply_gate
from robustness.suite.run import SuiteResult, _as_config, _model_block, clean_metrics, results_document
from robustness.suite.scoring import TestTally, case_record, judge

_TOKEN = re.compile(r"\S+|\s+")


def langtest_test_names() -> set[str]:
    from langtest.transform.bias import BiasTestFactory
    from langtest.transform.robustness import RobustnessTestFactory

    return set(RobustnessTestFactory.available_tests()) | set(BiasTestFactory.available_tests())


def run_langtest_suite(model, dataset: Dataset, config: SuiteConfig | dict | str | Path | None = None, *,
                       seed: int | None = None, progress: bool = False, sample: int | None = None,
                       model_info: dict | None = None, data_info: dict | None = None) -> SuiteResult:
    """Run `config` through langtest.Harness (generate, run) and return it in our results format."""
    started = time.perf_counter()
    config = _as_config(config).with_overrides(seed=seed, sample=sample)
    settings = config.harness
    if len(dataset) == 0:
        raise DataError(f"{dataset.source}: no reviews to test; pass a data file with at least one labeled review")
    n_available = len(dataset)
    dataset = sample_dataset(dataset, settings.sample, settings.seed)
    tests, skipped = _supported_tests(config)
    langtest_config = _as_langtest_config(config, tests)

    labels = display_labels(model.labels)
    bridge = LangTestModel(model, record=True)
    frame, timings = _run_harness(bridge, dataset, langtest_config, settings.seed)
    original_proba = np.stack([bridge.recorded[t] if t in bridge.recorded else _proba(bridge, t)
                               for t in dataset.texts])
    clean = clean_metrics(dataset.labels, [labels[i] for i in original_proba.argmax(axis=1)], labels)
    polarity = resolve_polarity(labels, settings.positive_label, settings.negative_label, f"{config.source}: harness")
    results_tests, cases_file = _tally_cases(tests, frame, dataset, original_proba, bridge, labels,
                                             settings.max_examples, polarity.shift_column())
    results_tests += [skipped_entry(t.name, t.category, t.expectation, "LangTest has no such test; run it with "
                                    "--engine ours", threshold=t.min_pass_rate) for t in config.tests if t.name in skipped]
    results_tests += check_entries(config, frame, dataset.texts, dataset.labels,
                                   [labels[i] for i in original_proba.argmax(axis=1)], labels,
                                   {label: bridge.output_labels[raw] for label, raw in zip(labels, model.labels)})

    gate = apply_gate(results_tests, settings.gate, settings.fail_on_insufficient, settings.strict)
    normalised = config.to_dict()
    normalised["tests"]["robustness"] = {k: v for k, v in normalised["tests"]["robustness"].items() if k not in skipped}
    timings |= {"total_s": round(time.perf_counter() - started, 4),
                "n_unique_texts": len(bridge.recorded), "n_model_calls": bridge.n_calls}
    results = results_document(engine="langtest", seed=settings.seed, config=normalised,
                               model=_model_block(model, model_info) | {"polarity": polarity.to_dict()}, dataset=dataset,
                               n_available=n_available,
                               data_info=data_info, timings=timings, clean=clean, gate=gate, tests=results_tests,
                               langtest_config=langtest_config, skipped_tests=skipped)
    return SuiteResult(results, cases_file, owns_cases_file=True)


def _supported_tests(config: SuiteConfig) -> tuple[list, list[str]]:
    """The configured tests LangTest has, and the names of those it lacks (recorded as skipped)."""
    supported = langtest_test_names()
    tests = [t for t in config.tests if t.name in supported]
    skipped = [t.name for t in config.tests if t.name not in supported]
    if not tests and not config.checks:
        raise DataError(f"none of the configured tests ({', '.join(skipped)}) exist in LangTest; use --engine ours")
    return tests, skipped


def _run_harness(bridge: LangTestModel, dataset: Dataset, langtest_config: dict, seed: int):
    """LangTest's own flow (setup, generate, run, report) on the reviews; its generated_results() frame and
    the seconds each step took. A model error raised inside LangTest comes back as ours."""
    with tempfile.TemporaryDirectory(prefix="langtest-engine-") as tmp:
        data_csv = Path(tmp) / "data.csv"
        _write_csv(dataset, data_csv)
        with _seeded_and_quiet(seed):
            t0 = time.perf_counter()
            harness = make_harness(bridge, data_csv, langtest_config)
            setup_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            harness.generate()
            generate_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            try:
                harness.run()
            except Exception as exc:
                if bridge.error is not None:
                    raise bridge.error from None
                raise ModelRuntimeError(f"LangTest's Harness.run failed: {type(exc).__name__}: {exc}") from exc
            if bridge.error is not None:
                raise bridge.error
            run_s = time.perf_counter() - t0
            frame = harness.generated_results()
            harness.report()  # part of LangTest's flow (and of its cost); rates are recomputed unrounded later
    timings = {"setup_s": round(setup_s, 4), "generate_s": round(generate_s, 4), "predict_s": round(run_s, 4)}
    return frame, timings


@contextlib.contextmanager
def _seeded_and_quiet(seed: int):
    """LangTest draws from the global `random` / numpy state and logs and prints freely: seed both, keep its
    logs to errors and its prints off our stdout (the results table), and restore everything afterwards."""
    py_state, np_state = random.getstate(), np.random.get_state()
    random.seed(seed)
    np.random.seed(seed % 2**32)
    quiet = logging.getLogger("langtest"), logging.getLogger()
    levels = [logger.level for logger in quiet]
    try:
        for logger in quiet:
            logger.setLevel(logging.ERROR)
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)
        for logger, level in zip(quiet, levels):
            logger.setLevel(level)


def _tally_cases(tests, frame, dataset: Dataset, original_proba: np.ndarray, bridge: LangTestModel, labels,
                 max_examples: int, positive: int) -> tuple[list[dict], Path]:
    """Re-judge LangTest's cases with our arithmetic: one results entry per test, every case streamed to a
    temporary cases.jsonl.gz (removed again if anything fails)."""
    index_of = {text: i for i, text in enumerate(dataset.texts)}
    fd, tmp_name = tempfile.mkstemp(prefix=".cases.", suffix=".jsonl.gz")
    os.close(fd)
    cases_file = Path(tmp_name)
    results_tests = []
    try:
        with gzip.open(cases_file, "wt", encoding="utf-8", compresslevel=3) as out:
            for test in tests:
                tally = TestTally(name=test.name, category=test.category, labels=tuple(labels),
                                  expectation=test.expectation, mode="langtest",
                                  parameters=dict(test.user_parameters), min_pass_rate=test.min_pass_rate,
                                  min_cases=test.min_cases, positive_column=positive, max_examples=max_examples)
                rows = frame[frame["test_type"] == test.name].to_dict("records")
                unpaired = 0
                for row in rows:
                    source = index_of.get(row["original"])
                    if source is None:  # LangTest altered the original text: it cannot be paired with a review
                        unpaired += 1
                        continue
                    record = _case_record(test, row, source, dataset, original_proba[source], bridge, labels)
                    tally.add(record)
                    record["langtest_pass"] = bool(row["pass"])
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
                entry = tally.to_dict()
                entry["langtest_pass_rate"] = (sum(bool(r["pass"]) for r in rows) / len(rows)) if rows else None
                entry["n_unpaired"] = unpaired
                results_tests.append(entry)
    except BaseException:
        cases_file.unlink(missing_ok=True)
        raise
    return results_tests, cases_file


def _case_record(test, row: dict, source: int, dataset: Dataset, before: np.ndarray, bridge: LangTestModel,
                 labels) -> dict:
    """One LangTest case as our case record, judged as LangTest judges it (the label must hold)."""
    after = bridge.recorded.get(row["test_case"])
    if after is None:
        after = _proba(bridge, row["test_case"])
    applicable = row["test_case"] != row["original"]
    verdict = judge(test.expectation, "langtest", before, after, labels, applicable, 0.0)
    return case_record(case_id=f"{test.name}:{dataset.ids[source]}", test=test.name,
                       source_id=dataset.ids[source], gold=dataset.labels[source],
                       original=row["original"], perturbed=row["test_case"],
                       edits=diff_edits(row["original"], row["test_case"]) if applicable else (),
                       verdict=verdict, original_proba=before, perturbed_proba=after)


def _as_langtest_config(config: SuiteConfig, tests) -> dict:
    full = config.to_langtest()
    names = {t.name for t in tests}
    for category in ("robustness", "bias"):
        if category in full["tests"]:
            full["tests"][category] = {k: v for k, v in full["tests"][category].items() if k in names}
            if not full["tests"][category]:  # LangTest runs what is listed; an empty category is left out
                del full["tests"][category]
    return full


def _proba(bridge: LangTestModel, text: str) -> np.ndarray:
    """A probability row LangTest never asked for (e.g. a review no test used): computed on demand."""
    return bridge.predict_proba_one(text)


def _write_csv(dataset: Dataset, path: Path) -> None:
    """The reviews LangTest will read: text plus 1/0 labels, the format of LangTest's own IMDB sample."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        for text, label in zip(dataset.texts, dataset.labels):
            # quoted ('1'): LangTest's loader literal_evals it to the string "1", the type the bridge answers with,
            # so its accuracy and fairness scores compare like with like (a bare 1 stays an int and scores 0)
            writer.writerow([text, repr(str(LABELS.index(label)))])


def diff_edits(original: str, perturbed: str) -> tuple[tuple[int, int, str], ...]:
    """Edits (original coordinates) turning `original` into `perturbed`. LangTest reports only the two
    texts, while our reports highlight edits. Token-aligned when the token counts match (casing, typos,
    word swaps: linear time); otherwise a diff of the differing middle, or one edit when that is large."""
    a = _TOKEN.findall(original)
    b = _TOKEN.findall(perturbed)
    offsets = [0]
    for token in a:
        offsets.append(offsets[-1] + len(token))
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a, end_b = end_a - 1, end_b - 1
    if end_a - start == end_b - start:
        opcodes = [("replace", i, i + 1, j, j + 1)
                   for i, j in zip(range(start, end_a), range(start, end_b)) if a[i] != b[j]]
    elif max(end_a - start, end_b - start) <= 400:
        matcher = difflib.SequenceMatcher(a=a[start:end_a], b=b[start:end_b], autojunk=False)
        opcodes = [(op, i1 + start, i2 + start, j1 + start, j2 + start)
                   for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal"]
    else:
        opcodes = [("replace", start, end_a, start, end_b)]
    return tuple((offsets[i1], offsets[i2], "".join(b[j1:j2])) for _, i1, i2, j1, j2 in opcodes)
