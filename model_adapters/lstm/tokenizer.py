"""Word tokenizer and vocabulary for the LSTM: lowercase, punctuation as tokens, "n't" kept as its own word.

Negations carry sentiment ("was n't good"), so "don't" becomes ["do", "n't"] rather than ["don", "t"].
The vocabulary is plain data (a token list) saved as vocab.json; ids 0 and 1 are padding and out-of-vocabulary.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from model_adapters.errors import ModelError
from model_adapters.files import read_json_object, write_json

PAD = "<pad>"
OOV = "<oov>"
PAD_ID = 0
OOV_ID = 1
VOCAB_SCHEMA_VERSION = 1

# Negations first become their own word ("don't" -> "do n't") with fast str.replace, then one regex finds
# words, "n't", clitics ('s, 're, 've, 'd, 'll, 'm) and single symbols (punctuation, emoji).
_TOKEN = re.compile(r"n't|[^\W_]+|'(?:s|re|ve|d|ll|m)\b|[^\w\s]|_")


def tokenize(text: str) -> list[str]:
    """Lowercased tokens; punctuation marks are tokens of their own ("great!" -> ["great", "!"])."""
    text = text.lower()
    if "\u2019" in text or "\u2018" in text or "`" in text:
        text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return _TOKEN.findall(text.replace("n't", " n't"))


# A mark between two letters is OCR noise inside a word ("n^ot", "tl)e", "a|l"): split there, "not" would become
# "n ^ ot", and negation marking would no longer see the negator.
_STRAY_MARK = re.compile(r"(?<=[^\W\d_])[\^|~*#()\[\]{}](?=[^\W\d_])")  # not < >: "film<br />" is markup


def drop_stray_marks(text: str) -> str:
    return _STRAY_MARK.sub("", text)


NEGATORS = frozenset({"not", "no", "never", "n't", "nothing", "nobody", "none", "neither", "nor", "hardly", "barely",
                       "cannot"})  # not "without": "without doubt the best" is no negated "best"
_SCOPE_ENDS = frozenset({".", ",", "!", "?", ";", ":", "(", ")", '"', "-"})


NEGATION_SCOPE = 3  # words; unbounded scopes made a review without punctuation one long negation


def mark_negation(tokens: list[str]) -> list[str]:
    """The (at most NEGATION_SCOPE) words after a negator, up to the next punctuation, become "not_<word>"
    (Das & Chen 2001; Pang et al. 2002): "not bad" then shares no token with "bad", so a model can learn that it
    reads positive. (Written for speed: it is half of tokenizing a review.)"""
    marked, left = list(tokens), 0
    if NEGATORS.isdisjoint(marked):
        return marked
    for i, token in enumerate(tokens):
        if token in NEGATORS:
            left = NEGATION_SCOPE
        elif left:
            if token in _SCOPE_ENDS:
                left = 0
            else:
                marked[i] = "not_" + token
                left -= 1
    return marked


def tokenize_head_tail(text: str, head: int, tail: int, chars_per_token: int = 8) -> list[str]:
    """The first `head` and last `tail` tokens of `text`, exactly as head_tail(tokenize(text)) would give.

    Long reviews are only partly tokenized: a prefix and a suffix cut at a space (no token spans a space,
    so the pieces tokenize exactly as in the full text). Falls back to the full text when unsure.
    """
    if len(text) > chars_per_token * (head + tail):  # English reviews average ~5.5 characters a token
        cut_head = text.rfind(" ", 0, chars_per_token * head) if head else 0
        cut_tail = text.find(" ", len(text) - chars_per_token * tail) if tail else len(text)
        if 0 <= cut_head < cut_tail:
            first = tokenize(text[:cut_head]) if head else []
            last = tokenize(text[cut_tail:]) if tail else []
            if len(first) >= head and len(last) >= tail:
                return first[:head] + (last[len(last) - tail:] if tail else [])
    tokens = tokenize(text)
    if len(tokens) <= head + tail:
        return tokens
    return tokens[:head] + (tokens[len(tokens) - tail:] if tail else [])


@dataclass(frozen=True)
class Vocabulary:
    """Tokens in id order: tokens[0] is PAD, tokens[1] is OOV, then the most frequent training words."""

    tokens: tuple[str, ...]

    def __post_init__(self):
        object.__setattr__(self, "_index", {token: i for i, token in enumerate(self.tokens)})

    def __len__(self) -> int:
        return len(self.tokens)

    @classmethod
    def build(cls, texts: Iterable[str] | Iterable[list[str]], max_size: int, min_freq: int = 1) -> "Vocabulary":
        """Keep the `max_size - 2` most frequent tokens seen at least `min_freq` times (ties broken by token)."""
        counts: Counter = Counter()
        for item in texts:
            counts.update(tokenize(item) if isinstance(item, str) else item)
        ranked = sorted((t for t, c in counts.items() if c >= min_freq), key=lambda t: (-counts[t], t))
        return cls(tokens=(PAD, OOV, *ranked[: max(0, max_size - 2)]))

    def encode_tokens(self, tokens: Sequence[str]) -> np.ndarray:
        get = self._index.get
        return np.array([get(t, OOV_ID) for t in tokens], dtype=np.int32)

    def encode(self, text: str) -> np.ndarray:
        return self.encode_tokens(tokenize(text))

    def decode(self, ids: Iterable[int]) -> list[str]:
        return [self.tokens[int(i)] for i in ids]

    def to_json(self) -> dict:
        return {"schema_version": VOCAB_SCHEMA_VERSION, "pad": PAD, "oov": OOV, "tokens": list(self.tokens)}

    def save(self, path: str | Path) -> Path:
        return write_json(path, self.to_json())

    @classmethod
    def load(cls, path: str | Path) -> "Vocabulary":
        payload = read_json_object(path, "vocabulary", ModelError,
                                   "a model directory needs vocab.json: re-train or restore it")
        tokens = payload.get("tokens")
        if not isinstance(tokens, list) or len(tokens) < 2 or not all(isinstance(t, str) for t in tokens):
            raise ModelError(f"{path}: field 'tokens' must be a list of strings starting with {PAD!r}, {OOV!r}")
        if tokens[PAD_ID] != PAD or tokens[OOV_ID] != OOV:
            raise ModelError(f"{path}: the first two tokens must be {PAD!r} and {OOV!r}, found {tokens[:2]}")
        if len(set(tokens)) != len(tokens):
            raise ModelError(f"{path}: field 'tokens' contains duplicates; re-train or restore vocab.json")
        return cls(tokens=tuple(tokens))


def head_tail(ids: np.ndarray, length: int, head_fraction: float) -> np.ndarray:
    """Cut a long review to `length` ids keeping its opening and its ending, where verdicts usually sit."""
    if len(ids) <= length:
        return ids
    head = int(round(length * head_fraction))
    tail = length - head
    return np.concatenate([ids[:head], ids[len(ids) - tail:]]) if tail else ids[:head]
