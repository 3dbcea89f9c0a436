"""In-domain word vectors for the embedding layer, from word co-occurrence in the TRAIN reviews.

A randomly initialised embedding learns from 22k labeled reviews only the words the labels need; vectors
that place rare words near the common words they are used like let the classifier generalise to the test
reviews' wording. Positive PMI over a +-window with context-distribution smoothing, factorised by a seeded
truncated SVD (Levy & Goldberg 2014: as good as word2vec for similarity, and here ~50x faster than a torch
skip-gram on 2 cores: seconds, not minutes). Only the training split is read, never the test split.
"""

from __future__ import annotations

import time
from typing import Sequence

import numpy as np

from model_adapters.errors import DataError
from model_adapters.lstm.tokenizer import OOV_ID, PAD_ID

CONTEXT_SMOOTHING = 0.75   # context counts ** 0.75, as word2vec's negative sampling
TARGET_STD = 0.1           # vectors are rescaled to this spread, close to what the LSTM's own init gives


def cooccurrence_vectors(encoded: Sequence[np.ndarray], vocab_size: int, dim: int, window: int,
                         seed: int) -> tuple[np.ndarray, dict]:
    """(vocab_size, dim) float32 vectors (zero for padding, unknown and unseen words) and a record of the run."""
    from scipy import sparse
    from sklearn.utils.extmath import randomized_svd

    started = time.perf_counter()
    counts = cooccurrence_counts(encoded, vocab_size, window)
    total = counts.sum()
    if total == 0:
        raise DataError("pretrain: no two known words occur together in the training reviews, so there is nothing "
                        "to learn vectors from; train with --set pretrain=none or on more reviews")
    word_p = np.asarray(counts.sum(axis=1)).ravel() / total
    context = np.asarray(counts.sum(axis=0)).ravel() ** CONTEXT_SMOOTHING
    context_p = context / context.sum()
    coo = counts.tocoo()
    pmi = np.log(coo.data / total) - np.log(word_p[coo.row]) - np.log(context_p[coo.col])
    positive = pmi > 0
    ppmi = sparse.csr_matrix((pmi[positive].astype(np.float32), (coo.row[positive], coo.col[positive])),
                             shape=counts.shape)
    rank = min(dim, max(1, min(ppmi.shape) - 1))
    left, singular, _ = randomized_svd(ppmi, rank, random_state=seed)
    vectors = np.zeros((vocab_size, dim), dtype=np.float32)
    vectors[:, :rank] = left * np.sqrt(singular)
    vectors[[PAD_ID, OOV_ID]] = 0.0
    seen = vectors[np.any(vectors != 0, axis=1), :rank]  # unseen ids stay zero and must not shrink the spread
    spread = seen.std() if seen.size else 0.0
    if spread > 0:
        vectors *= TARGET_STD / spread
    record = {"method": "ppmi_svd", "window": window, "dim": dim, "nonzero_ppmi": int(ppmi.nnz),
              "seconds": round(time.perf_counter() - started, 2)}
    return vectors, record


def cooccurrence_counts(encoded: Sequence[np.ndarray], vocab_size: int, window: int):
    """Symmetric word-by-word counts within each review, a pair `d` words apart weighted 1/d; padding and
    unknown words take no part."""
    from scipy import sparse

    lengths = [len(ids) for ids in encoded]
    corpus = np.concatenate([np.asarray(ids, dtype=np.int64) for ids in encoded]) if encoded else np.zeros(0, np.int64)
    document = np.repeat(np.arange(len(encoded)), lengths)
    known = (corpus != PAD_ID) & (corpus != OOV_ID)
    rows, cols, weights = [], [], []
    for offset in range(1, window + 1):
        same = (document[offset:] == document[:-offset]) & known[offset:] & known[:-offset]
        first, second = corpus[:-offset][same], corpus[offset:][same]
        weight = np.full(len(first), 1.0 / offset, dtype=np.float64)
        rows += [first, second]
        cols += [second, first]
        weights += [weight, weight]
    matrix = sparse.coo_matrix((np.concatenate(weights), (np.concatenate(rows), np.concatenate(cols))),
                               shape=(vocab_size, vocab_size))
    return matrix.tocsr()
