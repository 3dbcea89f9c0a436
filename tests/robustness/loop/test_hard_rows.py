"""Failure-driven augmentation: the rows a real (lexicon) model fails come first, in seeded order, judged
exactly as the suite that asked for them judges its cases."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from model_adapters.callable_adapter import CallableModel
from robustness.data.datasets import Dataset
from robustness.errors import DataError
from robustness.loop import augment
from robustness.loop.hard_rows import FailuresFirst, suite_config_of
from robustness.suite.config import config_from_dict
from robustness.suite.run import run_suite


def case_sensitive_lexicon(texts):
    """P(positive) from lower-case 'good' / 'bad' only: SHOUTING hides the words, so uppercase flips it."""
    rows = []
    for text in texts:
        words = re.findall(r"[A-Za-z]+", text)
        score = words.count("good") - words.count("bad")
        p = 1.0 / (1.0 + math.exp(-(score - 0.5)))
        rows.append([1.0 - p, p])
    return np.array(rows)


TRAIN = Dataset(
    ids=tuple(f"train/{i}" for i in range(30)),
    texts=tuple((f"A good good film, take {i}." if i % 3 == 0 else f"A film about nothing, take {i}.") for i in range(30)),
    labels=tuple("positive" if i % 3 == 0 else "negative" for i in range(30)),
    source="inline",
)


def need(name, expectation="INV"):
    return augment.TestNeed(name, expectation, {}, 0.5, 0.9)


def suite(harness=None, **modes):
    """A suite config with default settings unless told; `modes` sets a test's mode."""
    tests = {name: {"mode": modes.get(name, "ours")} for name in ("uppercase", "lowercase", "sentiment_antonym_swap")}
    return config_from_dict({"tests": {"robustness": tests}, "harness": harness or {}})


SUITE = suite()


def test_rows_the_model_fails_come_first():
    model = CallableModel(case_sensitive_lexicon, name="cased")
    chooser = FailuresFirst(model, TRAIN, pool=3, suite=SUITE)
    rows = augment.generate_augmented(TRAIN, [need("uppercase")], {"uppercase": 4}, seed=2, chooser=chooser)
    # The pool: the first 12 rows of the seeded order. Only "good good" reviews flip when shouted.
    pool = augment.generate_augmented(TRAIN, [need("uppercase")], {"uppercase": 12}, seed=2)
    failing = [row for row in pool if "GOOD GOOD" in row.text]
    assert 0 < len(failing) < 12
    assert chooser.found["uppercase"] == {"candidates": 12, "failing": len(failing)}
    assert rows == (failing + [row for row in pool if row not in failing])[:4]
    assert sum("GOOD GOOD" in row.text for row in rows) > sum("GOOD GOOD" in row.text for row in pool[:4])


def test_the_choice_is_deterministic_and_passing_rows_fill_the_budget_by_closeness():
    model = CallableModel(case_sensitive_lexicon, name="cased")
    first = augment.generate_augmented(TRAIN, [need("uppercase")], {"uppercase": 15},
                                       seed=2, chooser=FailuresFirst(model, TRAIN, pool=2, suite=SUITE))
    again = augment.generate_augmented(TRAIN, [need("uppercase")], {"uppercase": 15},
                                       seed=2, chooser=FailuresFirst(model, TRAIN, pool=2, suite=SUITE))
    assert first == again and len(first) == 15
    assert all("GOOD GOOD" in row.text for row in first[:10])  # the 10 failing reviews, then 5 that pass
    assert len({row.text for row in first}) == 15


def test_a_dir_row_fails_when_the_model_does_not_move_the_way_it_points():
    reviews = Dataset(ids=("a", "b", "c"), texts=("A good film.", "A good plot.", "A good cast."),
                      labels=("positive",) * 3, source="inline")
    lexicon = FailuresFirst(CallableModel(case_sensitive_lexicon, name="cased"), reviews, pool=3, suite=SUITE)
    deaf = FailuresFirst(CallableModel(lambda texts: np.tile([0.3, 0.7], (len(texts), 1)), name="deaf"), reviews,
                         pool=3, suite=SUITE)
    for chooser in (lexicon, deaf):
        rows = augment.generate_augmented(reviews, [need("sentiment_antonym_swap", "DIR")], {"sentiment_antonym_swap": 1},
                                          seed=0, dir_policy="directed", chooser=chooser)
        assert len(rows) == 1 and rows[0].label == "negative"
    assert lexicon.found["sentiment_antonym_swap"] == {"candidates": 3, "failing": 0}  # good -> bad lowers P(positive)
    assert deaf.found["sentiment_antonym_swap"] == {"candidates": 3, "failing": 3}


def test_a_chooser_limited_to_some_tests_leaves_the_others_their_seeded_order():
    model = CallableModel(case_sensitive_lexicon, name="cased")
    needs = [need("uppercase"), need("lowercase")]
    budget = {"uppercase": 4, "lowercase": 4}
    plain = augment.generate_augmented(TRAIN, needs, budget, seed=2)
    chooser = FailuresFirst(model, TRAIN, pool=3, tests=["uppercase"], suite=SUITE)
    limited = augment.generate_augmented(TRAIN, needs, budget, seed=2, chooser=chooser)
    assert chooser.handles("uppercase") and not chooser.handles("lowercase") and FailuresFirst(model, TRAIN, suite=SUITE).handles("x")
    assert [r for r in limited if r.test == "lowercase"] == [r for r in plain if r.test == "lowercase"]
    assert set(chooser.found) == {"uppercase"}
    shouted = [r for r in limited if r.test == "uppercase"]
    assert sum("GOOD GOOD" in r.text for r in shouted) > sum("GOOD GOOD" in r.text for r in plain if r.test == "uppercase")


def confident_lexicon(texts):
    """'sure' reviews sit at P(positive) 0.99999 and 'bad' moves them to 0.99997: a 2e-5 drop in probability
    (under the 1e-4 epsilon) but 1.1 in log-odds; the other reviews drop 0.05 in probability either way."""
    rows = []
    for text in texts:
        moved = "bad" in text
        p = 1 - 1e-5 * (3 if moved else 1) if "sure" in text else 0.7 - (0.05 if moved else 0.0)
        rows.append([1 - p, p])
    return np.array(rows)


@pytest.mark.parametrize("dir_scale, expected", [("log_odds", []), ("probability", ["r1", "r3", "r5", "r7"])])
def test_failures_are_the_ones_the_suite_counts_with_its_own_dir_scale(dir_scale, expected):
    reviews = Dataset(ids=tuple(f"r{i}" for i in range(8)),
                      texts=tuple(f"A {'sure ' if i % 2 else ''}good film, take {i}." for i in range(8)),
                      labels=("positive",) * 8, source="inline")
    model = CallableModel(confident_lexicon, name="confident")
    config = suite({"dir_scale": dir_scale})
    result = run_suite(model, reviews, config, seed=1)
    failing = sorted(case["source_id"] for case in result.iter_cases() if case["passed"] is False)
    assert failing == expected

    # The chooser reads the suite's settings from its results.json, as `augment --results` and the loop do.
    chooser = FailuresFirst(model, reviews, pool=1, suite=suite_config_of(result.results))
    rows = augment.generate_augmented(reviews, [need("sentiment_antonym_swap", "DIR")], {"sentiment_antonym_swap": 8},
                                      seed=0, dir_policy="directed", chooser=chooser)
    assert chooser.found["sentiment_antonym_swap"] == {"candidates": 8, "failing": len(expected)}
    assert sorted(row.source_id for row in rows[:len(expected)]) == expected  # failures first: the very same rows


def test_a_dir_test_in_langtest_mode_fails_only_when_the_label_flips():
    reviews = Dataset(ids=("a", "b"), texts=("A good film.", "A good plot."), labels=("positive",) * 2, source="inline")
    deaf = CallableModel(lambda texts: np.tile([0.3, 0.7], (len(texts), 1)), name="deaf")
    chooser = FailuresFirst(deaf, reviews, pool=1, suite=suite(sentiment_antonym_swap="langtest"))
    augment.generate_augmented(reviews, [need("sentiment_antonym_swap", "DIR")], {"sentiment_antonym_swap": 2},
                               seed=0, dir_policy="directed", chooser=chooser)
    assert chooser.found["sentiment_antonym_swap"] == {"candidates": 2, "failing": 0}  # 'ours' mode: both fail


def test_the_settings_come_from_the_results_and_each_test_keeps_its_judged_mode():
    results = {"config": suite({"dir_scale": "probability", "dir_epsilon": 0.01}).to_dict(),
               "tests": [{"name": "sentiment_antonym_swap", "mode": "langtest"}]}  # as the langtest engine writes
    config = suite_config_of(results)
    assert (config.harness.dir_scale, config.harness.dir_epsilon) == ("probability", 0.01)
    assert {t.name: t.mode for t in config.tests} == {"uppercase": "ours", "lowercase": "ours",
                                                      "sentiment_antonym_swap": "langtest"}


def test_results_without_their_config_are_refused():
    with pytest.raises(DataError, match=r"run/results.json: field 'config' is missing; regenerate"):
        suite_config_of({"tests": []}, "run/results.json")
