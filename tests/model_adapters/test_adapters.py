"""The callable and scikit-learn adapters beyond the shared conformance test: label mapping by type,
bad models caught by checked_proba, and the pickle-free save/load of TF-IDF pipelines."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from model_adapters import load_model
from model_adapters.callable_adapter import CallableModel
from model_adapters.protocol import checked_proba, predict_labels
from model_adapters.sklearn_adapter import (
    TFIDF_ARRAYS,
    TFIDF_MANIFEST,
    SklearnModel,
    canonical_column_order,
    load_tfidf_model,
    save_tfidf_model,
)
from robustness.errors import ModelError, ModelRuntimeError

TEXTS = ["good fun great", "bad dull awful", "great acting", "awful plot", "good", "bad"]
POSITIVE = [True, False, True, False, True, False]


def fitted(labels_for_positive_and_negative, vectorizer=CountVectorizer):
    pos, neg = labels_for_positive_and_negative
    pipeline = make_pipeline(vectorizer(), LogisticRegression(random_state=0))
    return pipeline.fit(TEXTS, [pos if p else neg for p in POSITIVE])


# --- checked_proba: every way a model can misbehave is one ModelRuntimeError ------------------------------------


class _Fixed:
    labels = ("negative", "positive")

    def __init__(self, output):
        self.output = output

    def predict_proba(self, texts):
        if isinstance(self.output, Exception):
            raise self.output
        return self.output(texts) if callable(self.output) else self.output


@pytest.mark.parametrize("output,expected", [
    (RuntimeError("CUDA out of memory"), "raised RuntimeError on a batch of 2 texts: CUDA out of memory"),
    (lambda texts: np.full((len(texts), 2), np.nan), "NaN or infinite"),
    (lambda texts: np.full((len(texts), 2), np.inf), "NaN or infinite"),
    (lambda texts: np.ones((len(texts) - 1, 2)) / 2, r"shape \(1, 2\), expected \(2, 2\)"),
    (lambda texts: np.ones((len(texts), 3)) / 3, r"shape \(2, 3\), expected \(2, 2\)"),
    (lambda texts: np.ones(len(texts)), r"shape \(2,\), expected \(2, 2\)"),
    (lambda texts: [["a", "b"]] * len(texts), "raised ValueError"),
    (lambda texts: None, r"shape \(\), expected"),
])
def test_checked_proba_turns_misbehaviour_into_model_runtime_error(output, expected):
    with pytest.raises(ModelRuntimeError, match=expected) as info:
        checked_proba(_Fixed(output), ["a", "b"])
    assert info.value.exit_code == 3


def test_checked_proba_lets_model_runtime_error_through():
    error = ModelRuntimeError("already explained")
    with pytest.raises(ModelRuntimeError) as info:
        checked_proba(_Fixed(error), ["a"])
    assert info.value is error


def test_predict_labels_and_checked_proba_on_a_good_model():
    model = _Fixed(lambda texts: np.array([[0.2, 0.8], [0.9, 0.1]]))
    assert predict_labels(model, ["x", "y"]) == ["positive", "negative"]
    assert checked_proba(model, ("x", "y")).dtype == np.float64


# --- CallableModel --------------------------------------------------------------------------------------------


def test_callable_label_outputs_of_any_type_mean_the_same():
    outputs = [1, "1", "pos", np.int64(0), "negative", 0.0]
    model = CallableModel(lambda texts: outputs[: len(texts)], returns="labels")
    assert model.predict(["t"] * 6) == ["positive", "positive", "positive", "negative", "negative", "negative"]
    np.testing.assert_array_equal(model.predict_proba(["t"])[0], [0.0, 1.0])


def test_callable_batches_and_keeps_order():
    seen = []

    def fn(texts):
        seen.append(len(texts))
        return [[1 - len(t) / 10, len(t) / 10] for t in texts]

    model = CallableModel(fn, batch_size=4)
    texts = ["a" * i for i in range(10)]
    proba = model.predict_proba(texts)
    assert seen == [4, 4, 2]
    np.testing.assert_allclose(proba[:, 1], [i / 10 for i in range(10)])


def test_callable_custom_labels():
    model = CallableModel(lambda texts: ["meh"] * len(texts), labels=("bad", "meh", "good"), returns="labels")
    assert model.labels == ("bad", "meh", "good")
    assert model.predict(["x"]) == ["meh"]
    with pytest.raises(ModelRuntimeError, match="returned label 'okay', not one of"):
        CallableModel(lambda texts: ["okay"], labels=("bad", "meh", "good"), returns="labels").predict_proba(["x"])


@pytest.mark.parametrize("fn,expected", [
    (lambda texts: ["great"] * len(texts), "label 'great' is not one of"),
    (lambda texts: [1], "returned 1 labels for 2 texts"),
])
def test_callable_bad_label_outputs(fn, expected):
    with pytest.raises(ModelRuntimeError, match=expected):
        checked_proba(CallableModel(fn, returns="labels"), ["a", "b"])


@pytest.mark.parametrize("kwargs,expected", [
    ({"fn": "not callable"}, "needs a callable"),
    ({"returns": "logits"}, "returns='logits' is not one of"),
    ({"labels": ("a", "a")}, "two distinct names"),
    ({"labels": ("only",)}, "two distinct names"),
    ({"batch_size": 0}, "batch_size must be positive"),
])
def test_callable_constructor_validation(kwargs, expected):
    arguments = {"fn": lambda texts: texts, **kwargs}
    with pytest.raises(ModelError, match=expected):
        CallableModel(**arguments)


# --- SklearnModel: classes of every type land in the right column ---------------------------------------------


@pytest.mark.parametrize("pair", [
    (1, 0), ("1", "0"), (np.int64(1), np.int64(0)), (1.0, 0.0), ("pos", "neg"), ("positive", "negative"),
    ("Positive", "negative"),  # sorts to ["Positive", "negative"]: columns must be swapped
    ("POS", "neg"),
])
def test_sklearn_classes_of_any_type_map_to_canonical_columns(pair):
    pipeline = fitted(pair)
    model = SklearnModel(pipeline)
    assert model.labels == ("negative", "positive")
    raw = pipeline.predict_proba(["great fun"])[0]
    positive_column = list(pipeline.classes_).index(pair[0])
    assert model.predict_proba(["great fun"])[0, 1] == pytest.approx(raw[positive_column])
    assert model.predict(["good great", "awful bad"]) == ["positive", "negative"]


@pytest.mark.parametrize("classes,expected", [
    (["maybe", "pos"], "classifier class 'maybe'"),
    ([2, 1], "classifier class 2"),
    (["pos", "1"], r"map to \['positive', 'positive'\], expected exactly"),
    (["neg", "pos", "1"], "expected exactly"),
    (["pos"], "expected exactly"),
])
def test_sklearn_unmappable_classes(classes, expected):
    with pytest.raises(ModelError, match=expected):
        canonical_column_order(classes)


def test_sklearn_rejects_models_it_cannot_serve():
    with pytest.raises(ModelError, match="has no predict_proba"):
        SklearnModel(make_pipeline(CountVectorizer(), LinearSVC()).fit(TEXTS, POSITIVE))
    with pytest.raises(ModelError, match="has no classes_; fit it"):
        SklearnModel(LogisticRegression())


# --- pickle-free save/load ------------------------------------------------------------------------------------


def test_tfidf_round_trip_is_exact_and_pickle_free(tmp_path):
    model = SklearnModel(fitted((1, 0), TfidfVectorizer), name="tiny", info={"seed": 3})
    save_tfidf_model(model, tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == [TFIDF_MANIFEST, TFIDF_ARRAYS]
    manifest = json.loads((tmp_path / "m" / TFIDF_MANIFEST).read_text())
    assert manifest["kind"] == "tfidf_logreg" and manifest["classes"] == [0, 1]
    with np.load(tmp_path / "m" / TFIDF_ARRAYS, allow_pickle=False) as arrays:
        assert all(arrays[name].dtype == np.float64 for name in arrays.files)
    reloaded = load_model(tmp_path / "m")  # the generic loader recognises the manifest
    assert isinstance(reloaded, SklearnModel) and reloaded.name == "tiny" and reloaded.info == {"seed": 3}
    texts = TEXTS + ["unseen words entirely", ""]
    np.testing.assert_array_equal(reloaded.predict_proba(texts), model.predict_proba(texts))


def test_saving_something_else_is_refused(tmp_path):
    with pytest.raises(ModelError, match="only a fitted Pipeline"):
        save_tfidf_model(SklearnModel(LogisticRegression().fit([[0], [1]], [0, 1])), tmp_path)


@pytest.fixture
def saved(tmp_path):
    save_tfidf_model(SklearnModel(fitted((1, 0), TfidfVectorizer)), tmp_path)
    return tmp_path


def test_load_missing_parts(saved):
    (saved / TFIDF_ARRAYS).unlink()
    with pytest.raises(ModelError, match=f"{TFIDF_ARRAYS} is missing"):
        load_tfidf_model(saved)


@pytest.mark.parametrize("damage,expected", [
    (lambda d: (d / TFIDF_ARRAYS).write_bytes((d / TFIDF_ARRAYS).read_bytes()[:100]), "unreadable or incomplete"),
    (lambda d: (d / TFIDF_ARRAYS).write_bytes(pickle.dumps({"idf": [1.0]})), "unreadable or incomplete"),
    (lambda d: (d / TFIDF_MANIFEST).write_text("{not json"), "not valid JSON"),
    (lambda d: (d / TFIDF_MANIFEST).write_text('{"kind": "lstm_config"}'), "not a TF-IDF model manifest"),
    (lambda d: _edit_manifest(d, terms=["only", "two"]), "arrays do not match the manifest"),
    (lambda d: _edit_manifest(d, classes=["maybe", "pos"]), "classifier class 'maybe'"),
    (lambda d: _edit_manifest(d, vectorizer=None), "malformed"),
])
def test_load_damaged_or_foreign_files(saved, damage, expected):
    damage(saved)
    with pytest.raises(ModelError, match=expected):
        load_tfidf_model(saved)


def test_object_arrays_are_never_unpickled(saved):
    """An npz holding a pickled object array must be refused, not executed."""
    np.savez(saved / TFIDF_ARRAYS, idf=np.array([object()], dtype=object), coef=np.zeros((1, 1)),
             intercept=np.zeros(1))
    with pytest.raises(ModelError, match="unreadable or incomplete"):
        load_tfidf_model(saved)


def _edit_manifest(directory, **changes):
    path = directory / TFIDF_MANIFEST
    manifest = json.loads(path.read_text())
    manifest.update(changes)
    path.write_text(json.dumps(manifest))
