"""Batched, cached model calls: each distinct text is predicted once per run, in length-sorted batches.

Keys are 16-byte digests rather than the texts themselves, so a 500k-case run keeps the cache at tens of
MB instead of holding every perturbed review in memory. A model may offer `input_keys(texts)` (what it
really sees, e.g. token ids after lowercasing and truncation): then texts the model cannot tell apart
share one prediction, which for an LSTM skips most casing and whitespace cases entirely.
"""

from __future__ import annotations

import hashlib
import time
from typing import Sequence

import numpy as np

from model_adapters.protocol import checked_proba


def text_key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _digest(raw: bytes) -> bytes:
    return hashlib.blake2b(raw, digest_size=16).digest()


class CachedPredictor:
    """`predict(texts) -> (n, k)` through `checked_proba`, calling the model only for texts not seen before."""

    def __init__(self, model, batch_size: int = 256):
        self.model = model
        self.batch_size = batch_size
        self._rows: dict[bytes, np.ndarray] = {}
        self.predict_seconds = 0.0
        self.n_model_calls = 0
        self.n_requested = 0
        self._n_predicted = 0

    @property
    def n_unique_texts(self) -> int:
        """Texts the model was asked for (each once per cache lifetime; forget() starts a new one)."""
        return self._n_predicted

    @property
    def n_cached(self) -> int:
        return len(self._rows)

    def keys(self, texts: Sequence[str]) -> list[bytes]:
        input_keys = getattr(self.model, "input_keys", None)
        if input_keys is None:
            return [text_key(t) for t in texts]
        started = time.perf_counter()
        keys = [_digest(raw) for raw in input_keys(list(texts))]
        self.predict_seconds += time.perf_counter() - started
        return keys

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        keys = self.keys(texts)
        self.n_requested += len(texts)
        todo: dict[bytes, str] = {}
        for key, text in zip(keys, texts):
            if key not in self._rows and key not in todo:
                todo[key] = text
        if todo:
            self._predict_new(todo)
        width = len(self.model.labels)
        if not keys:
            return np.zeros((0, width))
        return np.stack([self._rows[key] for key in keys])

    def forget(self) -> None:
        """Drop the remembered predictions (the counts stay): a suite slice starts afresh, so a text's probabilities
        never come from the batch of an earlier slice, which another worker may not have seen."""
        self._rows = {}

    def prime(self, texts: Sequence[str], proba: np.ndarray) -> None:
        """Remember predictions made elsewhere (an executor's workers, same model) so they are not made again."""
        for key, row in zip(self.keys(texts), proba):
            self._rows.setdefault(key, np.array(row, copy=True))

    def _predict_new(self, todo: dict[bytes, str]) -> None:
        self._n_predicted += len(todo)
        # Similar lengths in one batch waste less padding in sequence models; results do not depend on it.
        items = sorted(todo.items(), key=lambda kv: len(kv[1]))
        started = time.perf_counter()
        for start in range(0, len(items), self.batch_size):
            chunk = items[start:start + self.batch_size]
            proba = checked_proba(self.model, [text for _, text in chunk])
            self.n_model_calls += 1
            for (key, _), row in zip(chunk, proba):
                self._rows[key] = row.copy()
        self.predict_seconds += time.perf_counter() - started
