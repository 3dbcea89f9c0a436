"""Label names: the canonical binary pair and the aliases people write for it ("1", 1, "pos" all mean positive).

Lives in the lowest layer because adapters, data loading and the engine all normalise labels the same way.
"""

from __future__ import annotations

from model_adapters.errors import DataError

LABELS: tuple[str, ...] = ("negative", "positive")

_LABEL_ALIASES = {
    "0": "negative", "neg": "negative", "negative": "negative",
    "1": "positive", "pos": "positive", "positive": "positive",
}


def normalize_label(value, where: str) -> str:
    key = str(value).strip().lower()
    if key.endswith(".0"):  # pandas reads an int column with a gap as float: 1.0
        key = key[:-2]
    if key not in _LABEL_ALIASES:
        raise DataError(
            f"{where}: label {value!r} is not one of {sorted(_LABEL_ALIASES)}; "
            f"use pos/neg, positive/negative or 1/0"
        )
    return _LABEL_ALIASES[key]
