"""Failure-driven augmentation: the rows a real (lexicon) model fails come first, in seeded order."""

from __future__ import annotations

import math
import re

import numpy as np

from model_adapters.callable_adapter import CallableModel
from robustness import augment
from robustness.data import Dataset
from robustness.hard_rows import FailuresFirst


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


def test_rows_the_model_fails_come_first():
    model = CallableModel(case_sensitive_lexicon, name="cased")
    chooser = FailuresFirst(model, TRAIN, pool=3)
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
                                       seed=2, chooser=FailuresFirst(model, TRAIN, pool=2))
    again = augment.generate_augmented(TRAIN, [need("uppercase")], {"uppercase": 15},
                                       seed=2, chooser=FailuresFirst(model, TRAIN, pool=2))
    assert first == again and len(first) == 15
    assert all("GOOD GOOD" in row.text for row in first[:10])  # the 10 failing reviews, then 5 that pass
    assert len({row.text for row in first}) == 15


def test_a_dir_row_fails_when_the_model_does_not_move_the_way_it_points():
    reviews = Dataset(ids=("a", "b", "c"), texts=("A good film.", "A good plot.", "A good cast."),
                      labels=("positive",) * 3, source="inline")
    lexicon = FailuresFirst(CallableModel(case_sensitive_lexicon, name="cased"), reviews, pool=3)
    deaf = FailuresFirst(CallableModel(lambda texts: np.tile([0.3, 0.7], (len(texts), 1)), name="deaf"), reviews, pool=3)
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
    chooser = FailuresFirst(model, TRAIN, pool=3, tests=["uppercase"])
    limited = augment.generate_augmented(TRAIN, needs, budget, seed=2, chooser=chooser)
    assert chooser.handles("uppercase") and not chooser.handles("lowercase") and FailuresFirst(model, TRAIN).handles("x")
    assert [r for r in limited if r.test == "lowercase"] == [r for r in plain if r.test == "lowercase"]
    assert set(chooser.found) == {"uppercase"}
    shouted = [r for r in limited if r.test == "uppercase"]
    assert sum("GOOD GOOD" in r.text for r in shouted) > sum("GOOD GOOD" in r.text for r in plain if r.test == "uppercase")
