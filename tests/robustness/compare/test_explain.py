"""Leave-one-word-out explanations with real models: a TF-IDF baseline and the tiny LSTM."""

from __future__ import annotations

import numpy as np
import pytest

from reports.compare import top_words  # reads an explanation dict; the report shows it
from robustness.compare.explain import attention_weights, explain_pair, occlusion_importance, word_spans
from robustness.data.datasets import load_dataset
from robustness.errors import UsageError
from robustness.models.baseline import train_tfidf_baseline

# Tiny LSTMs run on one torch thread here (see the fixture in tests/conftest.py).
pytestmark = pytest.mark.usefixtures("one_torch_thread")


class CountingModel:
    """A real model, with its predict_proba calls counted."""

    def __init__(self, model):
        self.model, self.labels, self.calls = model, model.labels, []

    def predict_proba(self, texts):
        self.calls.append(len(texts))
        return self.model.predict_proba(texts)


@pytest.fixture(scope="module")
def bag_of_words(tiny_imdb_archive):
    return train_tfidf_baseline(load_dataset(tiny_imdb_archive, "train"), seed=0)


def test_finds_the_sentiment_word_in_one_model_call(bag_of_words):
    model = CountingModel(bag_of_words)
    explanation = occlusion_importance(model, "the film was terrible")
    assert model.calls == [5]  # the text and its four occluded variants, in one call
    assert explanation["label"] == "negative"
    assert top_words(explanation, 1)[0][0] == "terrible"
    assert [w["word"] for w in explanation["words"]] == ["the", "film", "was", "terrible"]


def test_importance_is_the_probability_drop(bag_of_words):
    text = "a wonderful, moving film"
    explanation = occlusion_importance(bag_of_words, text, label="positive")
    proba = bag_of_words.predict_proba([text, "a moving film".replace("a moving", "a  moving")])
    wonderful = next(w for w in explanation["words"] if w["word"] == "wonderful,")
    assert wonderful["importance"] == pytest.approx(proba[0, 1] - proba[1, 1], abs=1e-6)
    assert explanation["probability"] == pytest.approx(proba[0, 1])


def test_pair_uses_the_original_label_for_both_sides(bag_of_words):
    pair = explain_pair(bag_of_words, "the film was great", "the film was terrible")
    assert pair["original"]["label"] == pair["perturbed"]["label"] == "positive"
    assert top_words(pair["perturbed"], 1) == [("terrible", pytest.approx(top_words(pair["perturbed"], 1)[0][1]))]
    assert top_words(pair["perturbed"], 1)[0][1] < 0  # "terrible" works against "positive"


def test_spans_and_limits():
    assert word_spans("  two  words\n") == [(2, 5), (7, 12)]
    assert len(word_spans("w " * 1000, max_words=7)) == 7


def test_lstm_and_bad_labels(tiny_lstm_dir):
    from model_adapters import load_model

    lstm = load_model(tiny_lstm_dir)
    explanation = occlusion_importance(lstm, "An awful, boring film. I hated it.")
    assert len(explanation["words"]) == 7 and np.isfinite([w["importance"] for w in explanation["words"]]).all()
    assert attention_weights(lstm, "fine") is None  # max/mean pooling: no attention to show
    with pytest.raises(UsageError, match="not one of the model's labels"):
        occlusion_importance(lstm, "fine", label="neutral")
    with pytest.raises(UsageError, match="text string"):
        occlusion_importance(lstm, None)


def test_random_forest_baseline_is_explained_like_any_model(tiny_imdb_archive):
    from robustness.models.baseline import train_random_forest

    forest = train_random_forest(load_dataset(tiny_imdb_archive, "train"), seed=1, n_estimators=20)
    assert forest.info["kind"] == "random_forest" and forest.predict_proba(["a great film"]).shape == (1, 2)
    again = train_random_forest(load_dataset(tiny_imdb_archive, "train"), seed=1, n_estimators=20)
    texts = ["a great film", "an awful, boring mess"]
    assert np.array_equal(forest.predict_proba(texts), again.predict_proba(texts))  # seeded: rebuildable
    assert len(occlusion_importance(forest, "an awful, boring mess")["words"]) == 4
