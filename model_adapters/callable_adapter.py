"""Wrap any Python function as a SentimentModel, so a model from any library can be put through the suite.

The function takes a list of texts and returns either probabilities (n, k) or one label per text
(`returns="labels"`, turned into one-hot rows). Labels such as 1, "1", "pos" are normalised to LABELS.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from model_adapters.errors import ModelError, ModelRuntimeError
from model_adapters.labels import LABELS, normalize_label
from model_adapters.protocol import ProbabilityModel

RETURN_KINDS = ("proba", "labels")


class CallableModel(ProbabilityModel):
    """`fn(texts) -> probabilities` (or labels) behind the SentimentModel protocol.

    Batches of at most `batch_size` texts are passed to `fn`, which bounds memory for big inputs.
    """

    def __init__(self, fn: Callable[[list[str]], object], labels: Sequence[str] = LABELS,
                 returns: str = "proba", name: str | None = None, batch_size: int = 256):
        if not callable(fn):
            raise ModelError(f"CallableModel needs a callable, got {type(fn).__name__}")
        if returns not in RETURN_KINDS:
            raise ModelError(f"returns={returns!r} is not one of {', '.join(RETURN_KINDS)}")
        labels = tuple(str(label) for label in labels)
        if len(labels) < 2 or len(set(labels)) != len(labels):
            raise ModelError(f"labels must be at least two distinct names, got {list(labels)}")
        if batch_size < 1:
            raise ModelError(f"batch_size must be positive, got {batch_size}")
        self.fn = fn
        self.labels = labels
        self.returns = returns
        self.name = name or getattr(fn, "__name__", type(fn).__name__)
        self.batch_size = batch_size

    def __repr__(self) -> str:
        return f"CallableModel({self.name!r}, labels={self.labels}, returns={self.returns!r})"

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        texts = [str(text) for text in texts]
        if not texts:
            return np.zeros((0, len(self.labels)), dtype=np.float64)
        parts = [self._batch(texts[start:start + self.batch_size]) for start in range(0, len(texts), self.batch_size)]
        return np.concatenate(parts, axis=0)

    def _batch(self, texts: list[str]) -> np.ndarray:
        output = self.fn(texts)
        if self.returns == "labels":
            return self._one_hot(output, len(texts))
        return np.asarray(output, dtype=np.float64)

    def _one_hot(self, output, n: int) -> np.ndarray:
        predicted = list(np.asarray(output, dtype=object).reshape(-1))
        if len(predicted) != n:
            raise ModelRuntimeError(f"model {self.name!r} returned {len(predicted)} labels for {n} texts")
        rows = np.zeros((n, len(self.labels)), dtype=np.float64)
        for i, label in enumerate(predicted):
            rows[i, self._column_of(label)] = 1.0
        return rows

    def _column_of(self, label) -> int:
        """Column of a returned label; with the canonical labels, 1/"1"/"pos" all mean "positive"."""
        if self.labels == LABELS:
            try:
                return LABELS.index(normalize_label(label, f"model {self.name!r} output"))
            except Exception as exc:
                raise ModelRuntimeError(str(exc)) from exc
        if str(label) not in self.labels:
            raise ModelRuntimeError(f"model {self.name!r} returned label {label!r}, not one of {list(self.labels)}")
        return self.labels.index(str(label))
