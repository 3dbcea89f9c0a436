"""The one protocol every model meets, so the suite, augmentation and reports never care what is inside."""

from __future__ import annotations

from typing import Protocol, Sequence, runtime_checkable

import numpy as np

from model_adapters.errors import ModelRuntimeError


@runtime_checkable
class SentimentModel(Protocol):
    """`labels[i]` names column i of `predict_proba`; rows sum to 1."""

    labels: tuple[str, ...]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray: ...


def predict_labels(model: SentimentModel, texts: Sequence[str]) -> list[str]:
    """Arg-max labels, derived from predict_proba so every adapter agrees with its own probabilities."""
    proba = checked_proba(model, texts)
    return [model.labels[i] for i in proba.argmax(axis=1)]


def checked_proba(model: SentimentModel, texts: Sequence[str]) -> np.ndarray:
    """Call the model and turn a wrong shape, NaN or an exception into one clear ModelRuntimeError."""
    texts = list(texts)
    try:
        proba = np.asarray(model.predict_proba(texts), dtype=np.float64)
    except ModelRuntimeError:
        raise
    except Exception as exc:  # a user's model may raise anything; report it as a model failure
        raise ModelRuntimeError(
            f"model {type(model).__name__} raised {type(exc).__name__} on a batch of {len(texts)} texts: {exc}"
        ) from exc
    expected = (len(texts), len(model.labels))
    if proba.shape != expected:
        raise ModelRuntimeError(
            f"model {type(model).__name__} returned probabilities of shape {proba.shape}, expected {expected} "
            f"(one row per text, one column per label {list(model.labels)})"
        )
    if not np.isfinite(proba).all():
        raise ModelRuntimeError(f"model {type(model).__name__} returned NaN or infinite probabilities")
    return proba


class ProbabilityModel:
    """Base for adapters: `predict` is derived from `predict_proba`, so labels and probabilities never disagree."""

    labels: tuple[str, ...]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError

    def predict(self, texts: Sequence[str]) -> list[str]:
        return predict_labels(self, texts)
