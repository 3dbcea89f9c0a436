"""In-domain word vectors for the embedding layer: skip-gram with negative sampling over the TRAIN reviews.

A randomly initialised embedding learns from 22k labeled reviews only the words the labels need; word2vec
over the same reviews first places rare words near the common words they are used like, so the classifier
generalises to the test reviews' wording. Nothing but the training split is read (never the test split).
Everything runs in torch: sparse embeddings, one vectorised pass per epoch to make (word, context) pairs.
"""

from __future__ import annotations

import time
from typing import Sequence

import numpy as np
import torch
from torch import nn

from model_adapters.lstm.tokenizer import OOV_ID, PAD_ID

SUBSAMPLE_T = 1e-4     # frequent words are kept with probability sqrt(t / f) + t / f, as in word2vec
NEGATIVES = 5
BATCH_PAIRS = 8192


def pretrain_embeddings(encoded: Sequence[np.ndarray], vocab_size: int, dim: int, epochs: int, window: int,
                        seed: int, learning_rate: float = 0.005) -> tuple[np.ndarray, dict]:
    """(vocab_size, dim) input vectors, and a record of the run (pairs, seconds, final loss)."""
    started = time.perf_counter()
    rng = np.random.default_rng([seed, 2718])
    generator = torch.Generator().manual_seed(seed)
    corpus = np.concatenate([np.asarray(ids, dtype=np.int64) for ids in encoded])
    document = np.repeat(np.arange(len(encoded)), [len(ids) for ids in encoded])
    counts = np.bincount(corpus, minlength=vocab_size).astype(np.float64)
    counts[[PAD_ID, OOV_ID]] = 0
    frequency = counts / max(counts.sum(), 1.0)
    keep_probability = np.minimum(1.0, np.sqrt(SUBSAMPLE_T / np.maximum(frequency, 1e-12)) + SUBSAMPLE_T / np.maximum(frequency, 1e-12))
    noise = torch.from_numpy(counts ** 0.75 / max((counts ** 0.75).sum(), 1e-12))

    words = nn.Embedding(vocab_size, dim, sparse=True)
    contexts = nn.Embedding(vocab_size, dim, sparse=True)
    with torch.no_grad():
        words.weight.uniform_(-0.5 / dim, 0.5 / dim, generator=generator)
        contexts.weight.zero_()
    optimizer = torch.optim.SparseAdam([words.weight, contexts.weight], lr=learning_rate)
    record = {"epochs": epochs, "window": window, "negatives": NEGATIVES, "dim": dim, "pairs_per_epoch": []}
    loss_value = float("nan")
    for epoch in range(epochs):
        centers, targets = _pairs(corpus, document, keep_probability, window, rng)
        record["pairs_per_epoch"].append(int(len(centers)))
        order = torch.from_numpy(rng.permutation(len(centers)))
        centers, targets = torch.from_numpy(centers)[order], torch.from_numpy(targets)[order]
        for start in range(0, len(centers), BATCH_PAIRS):
            center = centers[start:start + BATCH_PAIRS]
            target = targets[start:start + BATCH_PAIRS]
            negative = torch.multinomial(noise, len(center) * NEGATIVES, replacement=True, generator=generator)
            vectors = words(center)                                           # (b, d)
            positive_score = (vectors * contexts(target)).sum(1)
            negative_score = torch.bmm(contexts(negative.view(len(center), NEGATIVES)), vectors[:, :, None]).squeeze(2)
            loss = -(nn.functional.logsigmoid(positive_score).mean() + nn.functional.logsigmoid(-negative_score).sum(1).mean())
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        loss_value = float(loss.detach())
    record["final_loss"] = loss_value
    record["seconds"] = round(time.perf_counter() - started, 2)
    return words.weight.detach().numpy().copy(), record


def _pairs(corpus: np.ndarray, document: np.ndarray, keep_probability: np.ndarray, window: int,
           rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(center, context) ids after subsampling, with word2vec's shrunken random window per center word."""
    kept = (rng.random(len(corpus)) < keep_probability[corpus]) & (corpus != PAD_ID) & (corpus != OOV_ID)
    ids, docs = corpus[kept], document[kept]
    reach = rng.integers(1, window + 1, size=len(ids))
    centers, targets = [], []
    for offset in range(1, window + 1):
        same = (docs[offset:] == docs[:-offset])
        left = same & (reach[:-offset] >= offset)      # center i, context i + offset
        right = same & (reach[offset:] >= offset)      # center i + offset, context i
        centers += [ids[:-offset][left], ids[offset:][right]]
        targets += [ids[offset:][left], ids[:-offset][right]]
    return np.concatenate(centers), np.concatenate(targets)
