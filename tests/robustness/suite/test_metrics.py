"""classification_metrics agrees with scikit-learn and handles the edges (empty, missing class, bad labels)."""

from __future__ import annotations

import random

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

from robustness.data.datasets import LABELS
from robustness.errors import DataError
from robustness.suite.metrics import accuracy_by_length, classification_metrics
from robustness.suite.run import clean_metrics


def test_matches_sklearn_on_random_labels():
    rng = random.Random("metrics:1")
    gold = [rng.choice(LABELS) for _ in range(500)]
    predicted = [g if rng.random() < 0.8 else rng.choice(LABELS) for g in gold]
    result = classification_metrics(gold, predicted)
    precision, recall, f1, support = precision_recall_fscore_support(gold, predicted, labels=list(LABELS))
    assert result["n"] == 500
    assert result["accuracy"] == pytest.approx(accuracy_score(gold, predicted))
    assert result["macro_f1"] == pytest.approx(f1.mean())
    assert result["macro_precision"] == pytest.approx(precision.mean())
    assert result["macro_recall"] == pytest.approx(recall.mean())
    for i, label in enumerate(LABELS):
        assert result["per_class"][label]["precision"] == pytest.approx(precision[i])
        assert result["per_class"][label]["recall"] == pytest.approx(recall[i])
        assert result["per_class"][label]["f1"] == pytest.approx(f1[i])
        assert result["per_class"][label]["support"] == support[i]
    assert result["confusion_matrix"]["matrix"] == confusion_matrix(gold, predicted, labels=list(LABELS)).tolist()
    assert result["confusion_matrix"]["labels"] == list(LABELS)
    assert (result["confusion_matrix"]["rows"], result["confusion_matrix"]["columns"]) == ("gold", "predicted")


def test_hand_computed_confusion_and_f1():
    gold = ["positive", "positive", "positive", "negative"]
    predicted = ["positive", "negative", "positive", "positive"]
    result = classification_metrics(gold, predicted)
    # rows gold, columns predicted, in LABELS order (negative, positive)
    assert result["confusion_matrix"]["matrix"] == [[0, 1], [1, 2]]
    assert result["accuracy"] == 0.5
    assert result["per_class"]["positive"] == {"precision": 2 / 3, "recall": 2 / 3, "f1": pytest.approx(2 / 3),
                                               "support": 3, "predicted": 3}
    # no correct negatives: precision and recall 0, and F1 0 rather than NaN
    assert result["per_class"]["negative"]["f1"] == 0.0
    assert result["macro_f1"] == pytest.approx(1 / 3)


def test_a_class_never_predicted_scores_zero_not_nan():
    result = classification_metrics(["negative", "positive"], ["positive", "positive"])
    assert result["per_class"]["negative"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1, "predicted": 0}
    assert all(np.isfinite(v) for v in (result["macro_f1"], result["macro_precision"], result["macro_recall"]))


def test_a_label_absent_from_gold_and_predictions_is_left_out_of_the_macro_averages():
    # no negative review and none predicted: the macro averages are over "positive" alone (scikit-learn's rule)
    gold, predicted = ["positive"] * 3, ["positive", "positive", "positive"]
    result = classification_metrics(gold, predicted)
    assert result["per_class"]["negative"]["support"] == result["per_class"]["negative"]["predicted"] == 0
    assert result["macro_f1"] == result["macro_precision"] == result["macro_recall"] == 1.0
    assert result["macro_f1"] == pytest.approx(f1_score_default(gold, predicted))


def test_evaluate_the_suite_and_training_share_one_macro_f1():
    """One definition: `evaluate`'s metrics, the suite's clean score and, on label ids, the LSTM trainer's
    validation score (model_adapters.f1, which all three call)."""
    from model_adapters.f1 import macro_f1

    rng = random.Random("metrics:2")
    for n in (1, 2, 5, 40):
        gold = [rng.choice(LABELS) for _ in range(n)]
        predicted = [rng.choice(LABELS) for _ in range(n)]
        expected = classification_metrics(gold, predicted)["macro_f1"]
        assert clean_metrics(gold, predicted)["macro_f1"] == expected
        ids = np.array([LABELS.index(x) for x in gold]), np.array([LABELS.index(x) for x in predicted])
        assert macro_f1(*ids) == pytest.approx(expected)
        assert expected == pytest.approx(f1_score_default(gold, predicted))


def f1_score_default(gold, predicted) -> float:
    from sklearn.metrics import f1_score

    return f1_score(gold, predicted, average="macro")


def test_empty_input_gives_null_summaries():
    result = classification_metrics([], [], texts=[])
    assert result["n"] == 0 and result["accuracy"] is None and result["macro_f1"] is None
    assert result["confusion_matrix"]["matrix"] == [[0, 0], [0, 0]]
    assert all(row["n"] == 0 and row["accuracy"] is None for row in result["by_length"])


def test_labels_outside_the_set_are_rejected_with_position():
    with pytest.raises(DataError, match=r"predicted label 1 at position 1 is not one of"):
        classification_metrics(["positive", "negative"], ["positive", 1])
    with pytest.raises(DataError, match=r"gold label 'pos'"):
        classification_metrics(["pos"], ["positive"])


def test_length_mismatch_is_rejected():
    with pytest.raises(DataError, match="must pair up"):
        classification_metrics(["positive"], ["positive", "negative"])
    with pytest.raises(DataError, match="one text per prediction"):
        classification_metrics(["positive"], ["positive"], texts=["a", "b"])


def test_accuracy_by_length_buckets():
    texts = ["w " * 5, "w " * 99, "w " * 100, "w " * 250, "w " * 800, "w " * 2000]
    correct = [True, False, True, True, False, True]
    rows = accuracy_by_length(texts, correct)
    assert [row["bucket"] for row in rows] == ["<100", "100-200", "200-400", "400-800", ">=800"]
    by_name = {row["bucket"]: row for row in rows}
    assert (by_name["<100"]["n"], by_name["<100"]["accuracy"]) == (2, 0.5)
    assert (by_name["100-200"]["n"], by_name["100-200"]["accuracy"]) == (1, 1.0)
    assert (by_name["200-400"]["n"], by_name["200-400"]["accuracy"]) == (1, 1.0)
    assert (by_name["400-800"]["n"], by_name["400-800"]["accuracy"]) == (0, None)
    assert (by_name[">=800"]["n"], by_name[">=800"]["accuracy"]) == (2, 0.5)
    assert sum(row["n"] for row in rows) == len(texts)


def test_custom_label_set():
    result = classification_metrics(["a", "b", "c"], ["a", "c", "c"], labels=("a", "b", "c"))
    assert result["confusion_matrix"]["matrix"] == [[1, 0, 0], [0, 0, 1], [0, 0, 1]]
    assert set(result["per_class"]) == {"a", "b", "c"}
