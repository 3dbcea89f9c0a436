"""fastText-style subwords (Bojanowski et al. 2017): a token also reads as the mean of its character n-grams.

A word-level vocabulary turns every typo into the unknown word, so "mvoie" can never read like "movie". With
subwords, the n-grams of "<mvoie>" ("<mv", "voi", "oie>", ...) are hashed into a bucket table and averaged into
a vector that is added to the word's embedding: known words get it too (so training teaches the buckets), and an
unknown word gets a vector from its spelling instead of nothing but the unknown word's.

Hashing is crc32 of the UTF-8 n-gram: the same buckets in every process and on every machine (Python's hash()
is salted per process). Each distinct word is hashed once: SubwordIndex keeps its buckets from tokenisation on,
and gives each unknown word an id of its own past the embedding table, which the network reads as the unknown
word plus that word's n-grams.
"""

from __future__ import annotations

import zlib
from typing import Sequence

import numpy as np

from model_adapters.lstm.config import LSTMConfig
from model_adapters.lstm.tokenizer import OOV_ID, PAD_ID, Vocabulary

_NO_NGRAMS = np.zeros(0, dtype=np.int64)


def char_ngrams(word: str, min_n: int, max_n: int) -> list[str]:
    """The character n-grams of "<word>" (boundaries marked, so a prefix differs from the same letters inside)."""
    marked = f"<{word}>"
    return [marked[i:i + n] for n in range(min_n, max_n + 1) for i in range(len(marked) - n + 1)]


def ngram_buckets(word: str, min_n: int, max_n: int, buckets: int) -> np.ndarray:
    """Bucket ids of the word's n-grams: crc32 (stable across processes, unlike hash()) modulo `buckets`."""
    return np.array([zlib.crc32(g.encode("utf-8", "surrogatepass")) % buckets for g in char_ngrams(word, min_n, max_n)],
                    dtype=np.int64)


class SubwordIndex:
    """A vocabulary that also knows each token's n-gram buckets; duck-types Vocabulary.encode_tokens.

    Known words keep their vocabulary ids. An unknown word gets an id from `config.vocab_size` on (the network
    reads those as the unknown word's embedding plus the word's n-grams), the same id every time it is seen.
    Ids therefore depend on the order words were first seen; predictions never do.
    """

    def __init__(self, vocab: Vocabulary, config: LSTMConfig):
        self.vocab = vocab
        self.first_extra_id = config.vocab_size
        self._shape = (config.subword_min_n, config.subword_max_n, config.subword_buckets)
        self._vocab_ids = {token: i for i, token in enumerate(vocab.tokens)}
        self._ids: dict[str, int] = {}
        self._ngrams: dict[int, np.ndarray] = {PAD_ID: _NO_NGRAMS, OOV_ID: _NO_NGRAMS}
        self._extra_words: list[str] = []

    @property
    def n_extra(self) -> int:
        """Distinct unknown words seen so far (each holds its n-gram ids in memory)."""
        return len(self._extra_words)

    def encode_tokens(self, tokens: Sequence[str]) -> np.ndarray:
        get, add = self._ids.get, self._add
        return np.array([get(t) or add(t) for t in tokens], dtype=np.int32)

    def _add(self, token: str) -> int:
        known = self._vocab_ids.get(token)
        if known is None:
            known = self.first_extra_id + len(self._extra_words)
            self._extra_words.append(token)
        if known not in self._ngrams:  # PAD and OOV ids keep no n-grams
            self._ngrams[known] = ngram_buckets(token, *self._shape)
        self._ids[token] = known
        return known

    def bags(self, ids) -> tuple:
        """(flat n-gram ids, offsets, index) for the network: one bag per distinct id in `ids` (a torch tensor
        of ids this index encoded), and for each position the row of its bag. A bag depends only on its word,
        never on the rest of the batch."""
        import torch

        unique, inverse = np.unique(ids.numpy(), return_inverse=True)
        ngrams = self._ngrams
        arrays = [ngrams[i] for i in unique.tolist()]
        sizes = np.fromiter((len(a) for a in arrays), dtype=np.int64, count=len(arrays))
        offsets = np.zeros(len(arrays), dtype=np.int64)
        np.cumsum(sizes[:-1], out=offsets[1:])
        flat = np.concatenate(arrays) if arrays else _NO_NGRAMS
        return (torch.from_numpy(flat), torch.from_numpy(offsets),
                torch.from_numpy(inverse.reshape(tuple(ids.shape)).astype(np.int64)))

    def key(self, ids: np.ndarray) -> bytes:
        """What the network reads from `ids`, independent of when each unknown word was first seen: the ids
        with unknown words as the unknown word, then the unknown words themselves."""
        ids = np.asarray(ids)
        extra = ids >= self.first_extra_id
        if not extra.any():
            return ids.astype(np.int32).tobytes()
        words = "\x1f".join(self._extra_words[i - self.first_extra_id] for i in ids[extra].tolist())
        return np.where(extra, OOV_ID, ids).astype(np.int32).tobytes() + b"\0" + words.encode("utf-8", "surrogatepass")


def token_reader(vocab: Vocabulary, config: LSTMConfig) -> "Vocabulary | SubwordIndex":
    """What turns tokens into ids for this model: the vocabulary itself, or with subwords a SubwordIndex over it."""
    return SubwordIndex(vocab, config) if config.subword_buckets else vocab
