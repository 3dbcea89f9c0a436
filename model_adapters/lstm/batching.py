"""Turning reviews into equal-length batches, the one shape torch's CPU LSTM runs fast on.

Training: reviews sorted by length, cut into batches of neighbours, each trimmed to its shortest member,
batch order shuffled per epoch. Inference: batches of exactly equal length, so a review's probabilities
never depend on which other reviews it was batched with.
"""

from __future__ import annotations

from typing import Iterator, Sequence

import numpy as np
import torch

from model_adapters.lstm.config import LSTMConfig
from model_adapters.lstm.tokenizer import OOV_ID, Vocabulary, head_tail, tokenize_head_tail


def tokenize_texts(texts: Sequence[str], config: LSTMConfig) -> list[list[str]]:
    return [tokenize_head_tail(text, config.head_tokens, config.tail_tokens) for text in texts]


def encode_tokens(token_lists: Sequence[list[str]], vocab: Vocabulary) -> list[np.ndarray]:
    """Token ids per review; an empty review becomes one out-of-vocabulary token so every row has length >= 1."""
    empty = np.array([OOV_ID], dtype=np.int32)
    return [vocab.encode_tokens(tokens) if tokens else empty for tokens in token_lists]


def encode_texts(texts: Sequence[str], vocab: Vocabulary, config: LSTMConfig) -> list[np.ndarray]:
    return encode_tokens(tokenize_texts(texts, config), vocab)


def training_batches(lengths: np.ndarray, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Index batches of similar length; equal lengths are ordered at random so batches differ per epoch."""
    order = np.lexsort((rng.random(len(lengths)), lengths))
    batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def collate_trimmed(encoded: Sequence[np.ndarray], batch: np.ndarray, head_fraction: float) -> torch.Tensor:
    """(batch, time) ids, every review cut (head + tail) to the batch's shortest length: no padding at all."""
    length = min(len(encoded[i]) for i in batch)
    rows = [head_tail(encoded[i], length, head_fraction) for i in batch]
    return torch.from_numpy(np.stack(rows).astype(np.int64))


def collate_padded(encoded: Sequence[np.ndarray], batch: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """(batch, time) ids padded at the end, and the true lengths (for packed sequences)."""
    lengths = np.array([len(encoded[i]) for i in batch])
    ids = np.zeros((len(batch), lengths.max()), dtype=np.int64)
    for row, i in enumerate(batch):
        ids[row, : lengths[row]] = encoded[i]
    return torch.from_numpy(ids), torch.from_numpy(lengths)


def equal_length_batches(encoded: Sequence[np.ndarray], batch_size: int) -> Iterator[tuple[np.ndarray, torch.Tensor]]:
    """(indices, ids) for batches whose reviews all have exactly the same length."""
    lengths = np.fromiter((len(e) for e in encoded), dtype=np.int64, count=len(encoded))
    order = np.argsort(lengths, kind="stable")
    sorted_lengths = lengths[order]
    starts = np.flatnonzero(np.r_[True, sorted_lengths[1:] != sorted_lengths[:-1]])
    ends = np.r_[starts[1:], len(order)]
    for start, end in zip(starts, ends):
        for i in range(start, end, batch_size):
            indices = order[i:min(end, i + batch_size)]
            yield indices, torch.from_numpy(np.stack([encoded[j] for j in indices]).astype(np.int64))


def predict_logits(network: torch.nn.Module, encoded: Sequence[np.ndarray], batch_size: int) -> np.ndarray:
    """Logits in input order, computed in equal-length batches under inference mode."""
    out = np.zeros((len(encoded), network.output.out_features), dtype=np.float32)
    was_training = network.training
    network.eval()
    with torch.inference_mode():
        for indices, ids in equal_length_batches(encoded, batch_size):
            out[indices] = network(ids).numpy()
    network.train(was_training)
    return out
