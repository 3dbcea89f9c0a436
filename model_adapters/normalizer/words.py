"""Known words: the words the wrapped model reads, with frequencies that rank corrections.

They come from the model when it exposes a vocabulary (our LSTM), else from training texts, else from the
English frequency list symspellpy ships. Nearest-word search is SymSpell (symspellpy): deletes-only candidate
generation, Damerau-Levenshtein distance, ties broken by frequency, then alphabetically, so it is deterministic.
"""

from __future__ import annotations

import re
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Iterable, Mapping

from model_adapters.errors import DataError
from model_adapters.files import write_text

WORD = re.compile(r"[a-z]+")          # what a known word looks like: lowercase letters only
MAX_EDIT_DISTANCE = 2
MIN_WORDS = 10                        # fewer known words than this cannot be a vocabulary
MAX_WORD_LENGTH = 40
WORDS_FILE = "words.tsv"


def shipped_frequencies() -> dict[str, int]:
    """symspellpy's English frequency list (82,765 words with corpus counts)."""
    text = resources.files("symspellpy").joinpath("frequency_dictionary_en_82_765.txt").read_text(encoding="utf-8")
    counts = {}
    for line in text.splitlines():
        word, _, count = line.partition(" ")
        if WORD.fullmatch(word):
            counts[word] = int(count)
    return counts


def words_from_vocabulary(tokens: Iterable[str], reference: Mapping[str, int] | None = None) -> dict[str, int]:
    """A model's vocabulary (in its own order, most frequent first) as known words: only plain lowercase words
    (no punctuation, no `not_x` marks); each counted by the reference list when it has it, else by its rank, so a
    correction prefers a common word."""
    reference = reference if reference is not None else shipped_frequencies()
    tokens = [token for token in tokens if WORD.fullmatch(token) and len(token) <= MAX_WORD_LENGTH]
    return {token: reference.get(token, 0) + len(tokens) - rank for rank, token in enumerate(tokens)}


def words_from_texts(texts: Iterable[str], min_count: int = 2) -> dict[str, int]:
    """Known words counted in training texts (seen at least `min_count` times: a typo seen once is no word)."""
    counts: Counter = Counter()
    for text in texts:
        counts.update(WORD.findall(text.lower()))
    return {word: count for word, count in counts.items() if count >= min_count and len(word) <= MAX_WORD_LENGTH}


def save_words(path: Path, counts: Mapping[str, int]) -> Path:
    """words.tsv: `word<TAB>count`, most frequent first (ties alphabetically)."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return write_text(path, "".join(f"{word}\t{count}\n" for word, count in ranked))


def load_words(path: Path) -> dict[str, int]:
    """A words.tsv; any malformed line is a DataError naming file, line and the fix."""
    counts = {}
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read the known-words file ({exc.__class__.__name__}); rebuild it with "
                        f"`robustness harden`") from None
    for number, line in enumerate(text.splitlines(), 1):
        word, tab, count = line.partition("\t")
        if not tab or not WORD.fullmatch(word) or not (count.isascii() and count.isdigit()):
            raise DataError(f"{path}:{number}: expected 'word<TAB>count' with a lowercase word and a whole count, got "
                            f"{line[:40]!r}; rebuild the file with `robustness harden`")
        counts[word] = int(count)
    if len(counts) < MIN_WORDS:
        raise DataError(f"{path}: {len(counts)} known words, fewer than {MIN_WORDS}; build it from the model's "
                        f"vocabulary or from training data with `robustness harden`")
    return counts


class KnownWords:
    """Membership and nearest-word search over the known words; the SymSpell index is built on first search.
    `english`: real English words (default: the shipped list), which are never typo-corrected into another word
    even when the model does not know them."""

    def __init__(self, counts: Mapping[str, int], english: frozenset[str] | None = None):
        self.counts = dict(counts)
        self.english = english if english is not None else frozenset(shipped_frequencies())
        self._index = None

    def is_english(self, word: str) -> bool:
        return word in self.english

    def __contains__(self, word: str) -> bool:
        return word in self.counts

    def __len__(self) -> int:
        return len(self.counts)

    def count(self, word: str) -> int:
        return self.counts.get(word, 0)

    def nearest(self, word: str, max_distance: int) -> tuple[str, int] | None:
        """The closest known word within `max_distance` edits (the most frequent among equals), and its distance."""
        if max_distance <= 0:
            return None
        found = self._symspell().lookup(word, _verbosity().CLOSEST, max_edit_distance=min(max_distance,
                                                                                          MAX_EDIT_DISTANCE))
        if not found:
            return None
        best = min(found, key=lambda s: (s.distance, -s.count, s.term))
        return best.term, best.distance

    def _symspell(self):
        if self._index is None:
            from symspellpy import SymSpell

            index = SymSpell(max_dictionary_edit_distance=MAX_EDIT_DISTANCE, prefix_length=7)
            for word, count in sorted(self.counts.items()):
                index.create_dictionary_entry(word, max(1, count))
            self._index = index
        return self._index


def _verbosity():
    from symspellpy import Verbosity

    return Verbosity
