"""A model for capability tests that reads no negation: right on vocabulary, wrong on every negated sentence.
Imported as `tests.robustness.capability_models` (import-mode=importlib: test modules cannot import each other)."""

from __future__ import annotations

import numpy as np

POSITIVE = {"good", "great", "excellent", "wonderful", "brilliant", "amazing", "fantastic", "enjoyable", "beautiful",
            "superb", "delightful", "fun", "loved", "enjoyed", "liked", "admired", "appreciated", "adored", "love",
            "enjoy", "like", "admire", "appreciate", "adore"}


def word_counter(texts):
    """A bag-of-words model: P(positive) rises with each positive word it sees and ignores "not"."""
    rows = []
    for text in texts:
        words = text.lower().replace(".", " ").replace(",", " ").split()
        p = min(0.99, max(0.01, 0.5 + 0.2 * (sum(w in POSITIVE for w in words) - 0.5)))
        rows.append([1 - p, p])
    return np.array(rows)
