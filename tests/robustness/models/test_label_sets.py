"""Any label set: which labels DIR tests treat as positive and negative, how 3- and 5-class models are judged,
scored per class and augmented (robustness/models/labels.py, suite.py, metrics.py, augment.py)."""

from __future__ import annotations

import numpy as np
import pytest

from robustness.data.datasets import Dataset
from robustness.errors import ConfigError
from robustness.loop import augment
from robustness.models.labels import display_labels, resolve_polarity
from robustness.suite.config import config_from_dict
from robustness.suite.metrics import classification_metrics
from robustness.suite.run import run_suite

POSITIVE_WORDS, NEGATIVE_WORDS = {"good", "great", "wonderful"}, {"bad", "awful", "terrible"}


class ThreeWay:
    """A lexicon model with its own label names: bad / meh / good (column order as listed)."""

    def __init__(self, labels=("bad", "meh", "good")):
        self.labels = labels

    def predict_proba(self, texts):
        rows = []
        for text in texts:
            words = [w.strip(".,!").lower() for w in text.split()]
            logits = np.array([sum(w in NEGATIVE_WORDS for w in words), 0.5, sum(w in POSITIVE_WORDS for w in words)])
            odds = np.exp(logits - logits.max())
            rows.append(odds / odds.sum())
        return np.array(rows)


REVIEWS = Dataset(
    ids=tuple(f"r{i}" for i in range(9)),
    texts=("A good film.", "A great cast and a good plot.", "Good acting, good music.",
           "An awful film.", "A bad plot.", "Terrible and bad.",
           "A film.", "The plot is a plot.", "It runs two hours."),
    labels=("good",) * 3 + ("bad",) * 3 + ("meh",) * 3, source="inline")


def suite(harness: dict | None = None) -> dict:
    return {"tests": {"defaults": {"min_pass_rate": 0.9, "min_cases": 1},
                      "robustness": {"sentiment_antonym_swap": {}, "uppercase": {}}},
            "harness": {"seed": 3, **(harness or {})}}


def by_name(result) -> dict:
    return {t["name"]: t for t in result.to_dict()["tests"]}


def test_polarity_defaults_and_configured_names():
    assert resolve_polarity(["negative", "neutral", "positive"]).to_dict() == {"positive": "positive",
                                                                               "negative": "negative"}
    assert resolve_polarity(["bad", "good"]).to_dict() == {"positive": "good", "negative": "bad"}  # binary: 2nd/1st
    stars = ["1", "2", "3", "4", "5"]
    assert not resolve_polarity(stars).known  # k > 2 with no such names: DIR cannot be judged until named
    assert resolve_polarity(stars, "5", "1").to_dict() == {"positive": "5", "negative": "1"}
    assert resolve_polarity(["negative", "positive"], negative_label="neg").negative == "negative"  # aliases
    with pytest.raises(ConfigError, match=r"suite.yml: harness.positive_label: 'joy' is not a label of the model"):
        resolve_polarity(stars, "joy", "1", where="suite.yml: harness")
    with pytest.raises(ConfigError, match="both '5'"):
        resolve_polarity(stars, "5", "5")
    # YAML reads 5 as a number; the config keeps the name "5"
    assert config_from_dict(suite({"positive_label": 5})).harness.positive_label == "5"


def test_display_labels_keep_star_ratings_and_read_codes_as_the_data_does():
    assert display_labels(["1", "2", "3", "4", "5"]) == ["1", "2", "3", "4", "5"]  # "1" is one star, not positive
    assert display_labels(["0", "1"]) == ["negative", "positive"]
    assert display_labels(["0", "1", "2"]) == ["negative", "neutral", "positive"]
    assert display_labels(["NEG", "neutral", "Pos"]) == ["negative", "neutral", "positive"]


def test_dir_on_a_three_class_model_lowers_the_configured_positive_label():
    model = ThreeWay()
    result = run_suite(model, REVIEWS, suite({"positive_label": "good", "negative_label": "bad"}))
    swap = by_name(result)["sentiment_antonym_swap"]
    assert swap["n_applicable"] == 3 and swap["pass_rate"] == 1.0  # good -> bad: P(good) drops on every case
    case = next(c for c in result.iter_cases() if c["test"] == "sentiment_antonym_swap" and c["applicable"])
    assert case["expected"] == "less good"
    assert result.to_dict()["model"]["polarity"] == {"positive": "good", "negative": "bad"}
    assert result.to_dict()["config"]["harness"]["positive_label"] == "good"

    # Unnamed poles of a 3-class model: DIR cases owe nothing (not applicable), INV tests run as usual.
    unnamed = by_name(run_suite(model, REVIEWS, suite()))
    assert unnamed["sentiment_antonym_swap"]["n_applicable"] == 0
    assert unnamed["sentiment_antonym_swap"]["status"] == "insufficient" and unnamed["uppercase"]["n_applicable"] == 9

    # A model whose columns are named negative/neutral/positive needs no configuration.
    named = ThreeWay(("negative", "neutral", "positive"))
    relabelled = Dataset(REVIEWS.ids, REVIEWS.texts, tuple({"good": "positive", "bad": "negative", "meh": "neutral"}[l]
                                                           for l in REVIEWS.labels), "inline")
    assert by_name(run_suite(named, relabelled, suite()))["sentiment_antonym_swap"]["pass_rate"] == 1.0

    with pytest.raises(ConfigError, match="positive_label: 'positive' is not a label of the model"):
        run_suite(model, REVIEWS, suite({"positive_label": "positive"}))


def test_clean_metrics_of_a_run_are_per_class_in_the_models_label_order():
    result = run_suite(ThreeWay(), REVIEWS, suite({"positive_label": "good", "negative_label": "bad"}))
    clean = result.to_dict()["clean"]
    assert clean["confusion_matrix"]["labels"] == ["bad", "meh", "good"]
    assert np.array(clean["confusion_matrix"]["matrix"]).sum() == 9
    assert set(clean["per_class"]) == {"bad", "meh", "good"}
    assert clean["accuracy"] == pytest.approx(np.trace(np.array(clean["confusion_matrix"]["matrix"])) / 9)


def test_three_class_metrics_per_class_macro_and_confusion():
    labels = ("negative", "neutral", "positive")
    gold = ["negative", "negative", "neutral", "neutral", "positive", "positive"]
    predicted = ["negative", "neutral", "neutral", "positive", "positive", "positive"]
    metrics = classification_metrics(gold, predicted, labels)
    assert metrics["confusion_matrix"]["matrix"] == [[1, 1, 0], [0, 1, 1], [0, 0, 2]]
    per = metrics["per_class"]
    assert (per["negative"]["precision"], per["negative"]["recall"]) == (1.0, 0.5)
    assert (per["neutral"]["precision"], per["neutral"]["recall"]) == (0.5, 0.5)
    assert (per["positive"]["precision"], per["positive"]["recall"]) == (pytest.approx(2 / 3), 1.0)
    assert metrics["macro_f1"] == pytest.approx(np.mean([2 / 3, 0.5, 0.8]))
    assert metrics["macro_precision"] == pytest.approx(np.mean([1.0, 0.5, 2 / 3]))
    # five star ratings: a class nobody predicts scores 0, a class absent from both is left out of the macro mean
    stars = classification_metrics(["1", "2", "5"], ["1", "1", "5"], ("1", "2", "3", "4", "5"))
    assert stars["per_class"]["2"]["recall"] == 0.0 and stars["per_class"]["3"]["support"] == 0
    assert stars["macro_recall"] == pytest.approx(np.mean([1.0, 0.0, 1.0]))


def test_three_class_augmentation_labels_dir_rows_from_the_poles_only():
    antonym = [augment.TestNeed("sentiment_antonym_swap", "DIR", {}, 0.2, 0.9)]
    train = Dataset(ids=("p", "n", "u"), texts=("A good film.", "A good try, but dull.", "A good enough film."),
                    labels=("good", "bad", "meh"), source="inline")
    polarity = resolve_polarity(["bad", "meh", "good"], "good", "bad")
    rows = augment.generate_augmented(train, antonym, {"sentiment_antonym_swap": 5}, seed=1, polarity=polarity)
    # the positive and negative sources point to the negative label; the neutral source gives no row
    assert sorted((row.source_id, row.label) for row in rows) == [("n", "bad"), ("p", "bad")]
    unknown = resolve_polarity(["1", "2", "3"])
    assert augment.augmentable(antonym, "directed", unknown) == []
    assert augment.generate_augmented(train, antonym, {"sentiment_antonym_swap": 5}, seed=1, polarity=unknown) == []
    # INV rows keep the gold label, neutral included
    typo = [augment.TestNeed("uppercase", "INV", {}, 0.2, 0.9)]
    kept = augment.generate_augmented(train, typo, {"uppercase": 3}, seed=1, polarity=polarity)
    assert {(row.source_id, row.label) for row in kept} == {("p", "good"), ("n", "bad"), ("u", "meh")}


def test_augmented_rows_with_any_label_read_back(tmp_path):
    rows = [augment.AugmentedRow("A FILM.", "neutral", "u", "uppercase", 1),
            augment.AugmentedRow("A BAD FILM.", "1", "s", "sentiment_antonym_swap", 1)]
    path = augment.write_augmented(rows, tmp_path / "rows.csv")
    assert augment.read_augmented(path) == rows
