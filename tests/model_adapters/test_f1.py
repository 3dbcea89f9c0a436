"""The one macro-F1: scikit-learn's rule, absent labels handled one way, the same number everywhere it is used."""

from __future__ import annotations

import random

import numpy as np
import pytest
from sklearn.metrics import f1_score

from model_adapters.errors import DataError
from model_adapters.f1 import macro_f1


def test_matches_scikit_learn_on_random_labels_of_any_type():
    rng = random.Random("f1:1")
    for _ in range(50):
        gold = [rng.choice("abc") for _ in range(rng.randint(1, 30))]
        predicted = [rng.choice("abcd") for _ in gold]  # "d" never gold; "c" may never be predicted
        assert macro_f1(gold, predicted) == pytest.approx(f1_score(gold, predicted, average="macro"))
    ids = np.array([1, 1, 0, 0]), np.array([1, 0, 0, 0])  # training passes label ids as numpy arrays
    assert macro_f1(*ids) == pytest.approx(f1_score(*ids, average="macro"))


def test_a_label_absent_from_gold_and_predictions_is_skipped():
    # only "positive" occurs: F1 1.0 over that one label, not (1.0 + 0.0) / 2 with the absent "negative"
    assert macro_f1(["positive", "positive"], ["positive", "positive"]) == 1.0


def test_a_label_in_only_gold_or_only_predictions_scores_zero():
    assert macro_f1(["negative", "positive"], ["positive", "positive"]) == pytest.approx((0 + 2 / 3) / 2)
    assert macro_f1(["positive", "positive"], ["negative", "positive"]) == pytest.approx((0 + 2 / 3) / 2)


def test_no_pairs_give_none_and_unpaired_input_is_refused():
    assert macro_f1([], []) is None
    with pytest.raises(DataError, match="got 2 gold labels but 1 predictions"):
        macro_f1(["positive", "negative"], ["positive"])
