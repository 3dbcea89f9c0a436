"""Wrap a fitted scikit-learn classifier or pipeline (text in, `predict_proba` out) as a SentimentModel.

scikit-learn orders columns by `classes_`, which may be 0/1, "0"/"1", "neg"/"pos" or any mix a user fitted on.
Each class is mapped through the same `normalize_label` the data loader uses, so a model fitted on
integer labels and one fitted on strings both come out as ("negative", "positive") in the right columns.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from model_adapters.errors import DataError, ModelError
from model_adapters.labels import LABELS, normalize_label
from model_adapters.protocol import ProbabilityModel, model_labels


def canonical_column_order(classes: Sequence, labels: Sequence[str] = LABELS) -> np.ndarray:
    """Indices into `classes` giving the columns for `labels`, in order; a clear ModelError otherwise."""
    mapped = []
    for value in classes:
        try:
            mapped.append(normalize_label(_plain(value), "classifier"))
        except DataError as exc:
            raise ModelError(f"classifier class {_plain(value)!r} is not a sentiment label; fit the classifier "
                             f"on labels like 0/1, neg/pos or negative/positive") from exc
    if sorted(mapped) != sorted(labels):
        raise ModelError(
            f"classifier classes {[_plain(c) for c in classes]} map to {mapped}, expected exactly {list(labels)}; "
            f"fit it on data with both labels"
        )
    return np.array([mapped.index(label) for label in labels])


def _canonical_columns_or_none(classes) -> np.ndarray | None:
    try:
        return canonical_column_order(classes)
    except ModelError:
        return None


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


class SklearnModel(ProbabilityModel):
    """A fitted estimator whose `predict_proba` takes raw texts (e.g. a TfidfVectorizer + LogisticRegression pipeline)."""

    def __init__(self, estimator, name: str | None = None, info: dict | None = None,
                 labels: Sequence[str] | None = None):
        """Columns follow `labels` (one name per entry of `classes_`, in that order) when given; else a binary
        sentiment classifier gets the canonical (negative, positive) order and any other its normalised classes."""
        if not hasattr(estimator, "predict_proba"):
            raise ModelError(f"{type(estimator).__name__} has no predict_proba; use a probabilistic classifier")
        classes = getattr(estimator, "classes_", None)
        if classes is None:
            raise ModelError(f"{type(estimator).__name__} has no classes_; fit it before wrapping")
        self.estimator = estimator
        self.name = name or type(estimator).__name__
        self.info = dict(info or {})
        classes = list(classes)
        canonical = _canonical_columns_or_none(classes) if labels is None else None
        if canonical is not None:
            self.labels, self._columns = LABELS, canonical
        else:
            self.labels = model_labels(classes, labels, where=f"classifier {self.name}")
            self._columns = np.arange(len(classes))

    def __repr__(self) -> str:
        return f"SklearnModel({self.name!r})"

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        texts = [str(text) for text in texts]
        if not texts:
            return np.zeros((0, len(self.labels)), dtype=np.float64)
        proba = np.asarray(self.estimator.predict_proba(texts), dtype=np.float64)
        return proba[:, self._columns]


# --- Safe persistence for TF-IDF + logistic-regression pipelines (no pickle: JSON + a numpy .npz) ---

TFIDF_MANIFEST = "tfidf_model.json"
TFIDF_ARRAYS = "tfidf_model.npz"
TFIDF_SCHEMA_VERSION = 1
# TfidfVectorizer settings that are plain data and fully define `transform` once vocabulary and idf are known.
_VECTORIZER_FIELDS = ("lowercase", "token_pattern", "ngram_range", "sublinear_tf", "norm", "use_idf",
                      "smooth_idf", "binary", "strip_accents")


def save_tfidf_model(model: SklearnModel, directory) -> Path:
    """Write a TfidfVectorizer + LogisticRegression pipeline as tfidf_model.json + tfidf_model.npz.

    Only plain data is stored (settings, vocabulary in column order, idf, coefficients), so loading it
    can never execute code, unlike a pickle.
    """
    import io

    from model_adapters.files import ensure_writable_dir, write_bytes, write_json

    vectorizer, classifier = _tfidf_parts(model.estimator)
    directory = ensure_writable_dir(directory)
    terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
    settings = {field: getattr(vectorizer, field) for field in _VECTORIZER_FIELDS}
    settings["ngram_range"] = list(settings["ngram_range"])
    buffer = io.BytesIO()
    np.savez_compressed(buffer, idf=vectorizer.idf_, coef=classifier.coef_, intercept=classifier.intercept_)
    write_bytes(directory / TFIDF_ARRAYS, buffer.getvalue())
    write_json(directory / TFIDF_MANIFEST, {
        "schema_version": TFIDF_SCHEMA_VERSION, "kind": "tfidf_logreg", "name": model.name, "info": model.info,
        "vectorizer": settings, "classes": [_plain(c) for c in classifier.classes_], "terms": terms,
    })
    return Path(directory)


def load_tfidf_model(directory) -> SklearnModel:
    """Rebuild a pipeline saved by save_tfidf_model; any missing or inconsistent part is a ModelError."""
    import json
    import zipfile

    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    directory = Path(directory)
    manifest_path, arrays_path = directory / TFIDF_MANIFEST, directory / TFIDF_ARRAYS
    for path in (manifest_path, arrays_path):
        if not path.is_file():
            raise ModelError(f"{path} is missing; a saved TF-IDF model needs {TFIDF_MANIFEST} and {TFIDF_ARRAYS}")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        with np.load(arrays_path, allow_pickle=False) as arrays:
            idf, coef, intercept = arrays["idf"], arrays["coef"], arrays["intercept"]
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{manifest_path}: not valid JSON ({exc}); re-save the model") from exc
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise ModelError(f"{arrays_path}: unreadable or incomplete ({exc}); re-save the model") from exc
    if not isinstance(manifest, dict) or manifest.get("kind") != "tfidf_logreg":
        raise ModelError(f"{manifest_path}: not a TF-IDF model manifest (kind != 'tfidf_logreg')")
    try:
        terms, classes, settings = manifest["terms"], manifest["classes"], dict(manifest["vectorizer"])
        settings["ngram_range"] = tuple(settings["ngram_range"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"{manifest_path}: field {exc} missing or malformed; re-save the model") from exc
    if idf.shape != (len(terms),) or coef.shape != (1, len(terms)) or intercept.shape != (1,) or len(classes) != 2:
        raise ModelError(
            f"{directory}: arrays do not match the manifest (idf {idf.shape}, coef {coef.shape}, "
            f"{len(terms)} terms, {len(classes)} classes); the two files come from different models"
        )
    canonical_column_order(classes)  # a saved baseline is a binary sentiment model: other classes mean damage
    vectorizer = TfidfVectorizer(vocabulary={term: i for i, term in enumerate(terms)},
                                 **{k: v for k, v in settings.items() if k in _VECTORIZER_FIELDS})
    vectorizer.idf_ = idf
    classifier = LogisticRegression()
    classifier.classes_, classifier.coef_, classifier.intercept_ = np.asarray(classes), coef, intercept
    classifier.n_features_in_ = len(terms)
    pipeline = Pipeline([("tfidf", vectorizer), ("clf", classifier)])
    return SklearnModel(pipeline, name=manifest.get("name"), info=manifest.get("info") or {})


def _tfidf_parts(estimator):
    steps = getattr(estimator, "steps", None)
    if not steps or len(steps) != 2 or not hasattr(steps[0][1], "vocabulary_") or not hasattr(steps[1][1], "coef_"):
        raise ModelError("only a fitted Pipeline(TfidfVectorizer, LogisticRegression) can be saved safely")
    return steps[0][1], steps[1][1]
