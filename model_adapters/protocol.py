"""The one protocol every model meets, so the suite, augmentation and reports never care what is inside."""

from __future__ import annotations

from typing import Protocol, Sequence, runtime_checkable

import numpy as np

from model_adapters.errors import ModelError, ModelRuntimeError
from model_adapters.labels import canonical_label
from model_adapters.option_names import COMMAND_FLAGS, OptionNames


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
            f"model {_described(model)} raised {type(exc).__name__} on a batch of {len(texts)} texts: {exc}"
        ) from exc
    expected = (len(texts), len(model.labels))
    if proba.shape != expected:
        raise ModelRuntimeError(
            f"model {_described(model)} returned probabilities of shape {proba.shape}, expected {expected} "
            f"(one row per text, one column per label {list(model.labels)})"
        )
    if not np.isfinite(proba).all():
        raise ModelRuntimeError(f"model {_described(model)} returned NaN or infinite probabilities; "
                                f"its predict_proba must give finite numbers for every text")
    return proba


def _described(model) -> str:
    """The adapter type and, where it has one, the model's name (a URL is already redacted in `name`)."""
    name = getattr(model, "name", None)
    return f"{type(model).__name__} {name!r}" if isinstance(name, str) and name else type(model).__name__


class ProbabilityModel:
    """Base for adapters: `predict` is derived from `predict_proba`, so labels and probabilities never disagree."""

    labels: tuple[str, ...]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError

    def predict(self, texts: Sequence[str]) -> list[str]:
        return predict_labels(self, texts)


def model_labels(found, override=None, where: str = "model", names: OptionNames = COMMAND_FLAGS) -> tuple[str, ...]:
    """A model's column names: `override` (the user's --labels) if given, else `found`; the usual spellings are
    normalised by `canonical_label` (NEGATIVE/neg -> negative, POS -> positive, NEUTRAL -> neutral), others kept.

    Raises ModelError naming `where` when there are fewer than two distinct labels or the override has the
    wrong count. Spellings are normalised only when they stay distinct, so "neg" and "Negative" both kept.
    """
    option = names  # `names` below is the label names
    if override is not None:
        names = tuple(str(label).strip() for label in override)
        if found is not None and len(names) != len(found):
            raise ModelError(f"{where}: {option.labels} names {len(names)} labels {list(names)} but the model has "
                             f"{len(found)} columns {[str(f) for f in found]}; name one label per column, in order")
    elif found is None:
        raise ModelError(f"{where}: the model names no labels; pass {option.labels} with one name per probability "
                         f"column, in order, e.g. {option.labels} negative,positive")
    else:
        names = tuple(str(label.item() if isinstance(label, np.generic) else label).strip() for label in found)
    normalised = tuple(canonical_label(name) for name in names)
    if len(set(normalised)) == len(normalised):
        names = normalised
    if len(names) < 2 or len(set(names)) != len(names) or not all(names):
        raise ModelError(f"{where}: labels must be at least two distinct non-empty names, got {list(names)}; "
                         f"pass {option.labels} a,b[,c...]")
    return names
