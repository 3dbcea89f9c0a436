"""Turning reviews into equal-length batches, the one shape torch's CPU LSTM runs fast on.

Training: reviews sorted by length, cut into batches of neighbours, each trimmed to its shortest member,
batch order shuffled per epoch. Inference: batches of exactly equal length, so a review's probabilities
never depend on which other reviews it was batched with.
"""

from __future__ import annotations

import threading
from typing import Iterator, Sequence

import numpy as np
import torch

from model_adapters.lstm.config import LSTMConfig
from model_adapters.lstm.fast_inference import padded_batches
from model_adapters.lstm.tokenizer import (
    OOV_ID,
    Vocabulary,
    drop_stray_marks,
    head_tail,
    mark_negation,
    tokenize_head_tail,
)


def tokenize_texts(texts: Sequence[str], config: LSTMConfig) -> list[list[str]]:
    if config.drop_stray_marks:
        texts = [drop_stray_marks(text) for text in texts]
    tokens = [tokenize_head_tail(text, config.head_tokens, config.tail_tokens) for text in texts]
    return [mark_negation(t) for t in tokens] if config.negation_marking else tokens


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


def predict_logits(network: torch.nn.Module, encoded: Sequence[np.ndarray], batch_size: int,
                   workers: int | None = None, fast=None) -> np.ndarray:
    """Logits in input order under inference mode: the fp32 reference in equal-length batches, or with `fast`
    (a fast_inference.FastLSTM) its bf16 path in padded batches of its own size.

    With several torch threads, batches run side by side in that many Python threads of one torch thread
    each: a small LSTM's per-step matrix products are too small to split across cores, whole batches are not.
    A batch's logits do not depend on which thread ran it.
    """
    out = np.zeros((len(encoded), network.output.out_features), dtype=np.float32)
    if fast is None:
        batches = [(indices, (ids,)) for indices, ids in equal_length_batches(encoded, batch_size)]
        forward = network
    else:
        batches = [(indices, (ids, lengths)) for indices, ids, lengths in padded_batches(encoded, fast.batch_size)]
        forward = fast.logits
    workers = min(workers or torch.get_num_threads(), len(batches))
    was_training = network.training
    network.eval()
    try:
        if workers <= 1:
            with torch.inference_mode():
                for indices, inputs in batches:
                    out[indices] = forward(*inputs).numpy()
        else:
            _predict_in_threads(forward, batches, out, workers)
    finally:
        network.train(was_training)
    return out


_THREADS_LOCK = threading.Lock()  # torch's thread count is process-wide: one threaded prediction at a time


def _predict_in_threads(forward, batches: list, out: np.ndarray, workers: int) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def run(share: list) -> None:
        torch.set_num_threads(1)  # process-wide in OpenMP builds (set once below); per thread in others
        with torch.inference_mode():
            for indices, inputs in share:
                out[indices] = forward(*inputs).numpy()

    # Deal batches round-robin by cost (length x rows, longest first) so the workers finish together.
    ordered = sorted(batches, key=lambda batch: -batch[1][0].numel())
    shares = [ordered[i::workers] for i in range(workers)]
    with _THREADS_LOCK:
        caller_threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(run, shares))
        finally:
            torch.set_num_threads(caller_threads)
