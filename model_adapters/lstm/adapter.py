"""A saved LSTM directory behind the SentimentModel protocol: `labels` and `predict_proba(texts)`.

Reviews are predicted in batches of exactly equal token length, so a review's probabilities are the
same whichever other reviews it arrives with (the suite compares originals and perturbations one by one).
`precision="bf16"` opens the fast path instead (fast_inference.py): bfloat16 in padded batches, within rounding
of this fp32 reference.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from model_adapters.errors import UsageError
from model_adapters.lstm.artifact import load_network, read_metrics
from model_adapters.lstm.batching import encode_texts, predict_logits
from model_adapters.lstm.config import PRECISIONS
from model_adapters.lstm.fast_inference import FastLSTM, native_bf16
from model_adapters.lstm.network import LSTMClassifier
from model_adapters.lstm.tokenizer import Vocabulary


class LSTMAdapter:
    def __init__(self, network: LSTMClassifier, vocab: Vocabulary, path: str | Path | None = None,
                 metrics: dict | None = None, precision: str = "fp32"):
        if precision not in PRECISIONS:
            raise UsageError(f"precision {precision!r} is not one of {', '.join(PRECISIONS)}")
        self.network = network.eval()
        self.precision = precision
        self._fast = FastLSTM(self.network) if precision == "bf16" else None
        if self._fast is not None and not native_bf16():
            warnings.warn("precision bf16: this CPU has no AVX512-BF16 or AMX, so torch emulates bfloat16 and "
                          "predicts slower than fp32; use --precision fp32 here", stacklevel=2)
        self.vocab = vocab
        self.config = network.config
        self.labels: tuple[str, ...] = tuple(self.config.labels)
        self.path = str(path) if path is not None else None
        self.name = f"lstm-{self.config.name}"
        self.metrics = metrics or {}
        # The suite asks for input keys, then predicts the texts it has not seen: input_keys keeps that call's
        # encodings here so those texts are not tokenized twice (only the latest call's: memory stays bounded).
        self._recent_encodings: dict[str, np.ndarray] = {}

    @property
    def info(self) -> dict:
        """What reports show about the model: preset, size, and how it was trained."""
        return {
            "family": "lstm", "preset": self.config.name, "path": self.path, "precision": self.precision,
            "parameters": sum(p.numel() for p in self.network.parameters()), "vocab_size": len(self.vocab),
            "seed": self.metrics.get("seed"), "best_epoch": self.metrics.get("best_epoch"),
            "validation_accuracy": self.metrics.get("validation", {}).get("accuracy"),
        }

    def vocabulary(self) -> tuple[str, ...]:
        """The tokens the network has embeddings for, most frequent first (the normalizer's known words)."""
        return self.vocab.tokens[2:]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, len(self.labels)), dtype=np.float64)
        logits = self.logits(self._encode(texts))
        return torch.softmax(torch.from_numpy(logits).double(), dim=1).numpy()

    def logits(self, encoded: Sequence[np.ndarray]) -> np.ndarray:
        """Logits of reviews already turned into token ids, on this adapter's path (fp32 or the bf16 fast path)."""
        return predict_logits(self.network, encoded, self.config.inference_batch_size, fast=self._fast)

    def input_keys(self, texts: Sequence[str]) -> list[bytes]:
        """What the network actually sees for each text (token ids after truncation), as bytes. Texts with
        equal keys get equal probabilities (batching never changes a result), so the suite predicts one of
        them and reuses it: a casing change the tokenizer undoes costs no forward pass (on the bf16 path, equal
        keys batched apart may differ by rounding: reuse makes them equal, as the fp32 path would)."""
        texts = list(texts)
        encoded = encode_texts(texts, self.vocab, self.config)
        self._recent_encodings = dict(zip(texts, encoded))
        return [np.asarray(ids, dtype=np.int32).tobytes() for ids in encoded]

    def _encode(self, texts: list[str]) -> list[np.ndarray]:
        recent = self._recent_encodings
        missing = [t for t in texts if t not in recent]
        fresh = dict(zip(missing, encode_texts(missing, self.vocab, self.config))) if missing else {}
        return [recent[t] if t in recent else fresh[t] for t in texts]

    def attention_weights(self, text: str) -> list[tuple[str, float]] | None:
        """(token, weight) of attention pooling over what the network reads of `text` (after truncation);
        None when the model pools without attention."""
        if self.config.pooling != "attention":
            return None
        from model_adapters.lstm.batching import encode_tokens, tokenize_texts

        tokens = tokenize_texts([text], self.config)[0]
        ids = encode_tokens([tokens], self.vocab)[0]
        with torch.inference_mode():
            weights = self.network.attention_weights(self.network.encode(torch.from_numpy(ids.astype(np.int64))[None]))[0]
        tokens = tokens if len(tokens) == len(ids) else ["<empty>"]
        return [(token, float(w)) for token, w in zip(tokens, weights.tolist())]

    def predict(self, texts: Sequence[str]) -> list[str]:
        proba = self.predict_proba(texts)
        return [self.labels[i] for i in proba.argmax(axis=1)]


def load_lstm_model(path: str | Path, precision: str = "fp32") -> LSTMAdapter:
    """Open a model directory written by `robustness train`; any problem is a ModelError naming the file."""
    network, vocab = load_network(path)
    return LSTMAdapter(network, vocab, path=path, metrics=read_metrics(path), precision=precision)
