"""Why a model decided: leave-one-word-out importance for any model, attention weights for attention LSTMs.

Occlusion needs nothing but `predict_proba`, so it explains an LSTM, a bag of words and a remote model the
same way; every occluded variant of a review goes to the model in one call, which keeps it fast.
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from model_adapters.protocol import checked_proba
from robustness.errors import UsageError

WORD = re.compile(r"\S+")
MAX_WORDS = 400  # longer reviews are explained over their first MAX_WORDS words (one call stays small)


def word_spans(text: str, max_words: int = MAX_WORDS) -> list[tuple[int, int]]:
    """(start, end) of each whitespace-separated word, in text order."""
    return [m.span() for m in WORD.finditer(text)][:max_words]


def occlusion_importance(model, text: str, label: "str | int | None" = None, max_words: int = MAX_WORDS) -> dict:
    """How much P(label) drops when each word is deleted (positive: the word supported the label).

    `label` defaults to the model's prediction for `text`. Returns the label, its probability and one entry
    per word: {"word", "start", "end", "importance"}.
    """
    if not isinstance(text, str):
        raise UsageError(f"occlusion_importance needs a text string, got {type(text).__name__}")
    spans = word_spans(text, max_words)
    variants = [text[:start] + text[end:] for start, end in spans]
    proba = checked_proba(model, [text, *variants])
    column = _label_column(model, label, proba[0])
    drops = proba[0, column] - proba[1:, column]
    return {
        "label": str(model.labels[column]), "probability": float(proba[0, column]),
        "words": [{"word": text[s:e], "start": s, "end": e, "importance": round(float(d), 6)}
                  for (s, e), d in zip(spans, drops)],
    }


def explain_pair(model, original: str, perturbed: str, label: "str | int | None" = None,
                 max_words: int = MAX_WORDS) -> dict:
    """Occlusion on a failing case's original and perturbed text, both for the label predicted on the original,
    so the two explanations are on one scale and show which words moved the prediction."""
    if label is None:
        label = int(np.argmax(checked_proba(model, [original])[0]))
    return {"original": occlusion_importance(model, original, label, max_words),
            "perturbed": occlusion_importance(model, perturbed, label, max_words)}


def attention_weights(model, text: str) -> "list[tuple[str, float]] | None":
    """(token, weight) from an attention-pooling model, or None for models without attention."""
    method = getattr(model, "attention_weights", None)
    return method(text) if callable(method) else None


def _label_column(model, label, first_row: np.ndarray) -> int:
    labels: Sequence = list(model.labels)
    if label is None:
        return int(np.argmax(first_row))
    if isinstance(label, (int, np.integer)) and not isinstance(label, bool):
        if 0 <= label < len(labels):
            return int(label)
    elif label in labels:
        return labels.index(label)
    raise UsageError(f"label {label!r} is not one of the model's labels {labels}")
