"""A normalized model: any model behind the normalizer, saved as a directory every command opens.

    models/quick-hardened/
        normalizer.json     what it wraps (a model spec and its non-secret options) and where its words came from
        words.tsv           the known words (word<TAB>count)

The wrapped spec is stored as given; a local path is stored relative to this directory, so the two move
together. Texts are normalized once per distinct text and words once per distinct word (caches), and
`input_keys` lets the suite predict once for all texts that normalize to the same input.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from model_adapters.errors import ModelError
from model_adapters.files import read_json_object, write_json
from model_adapters.normalizer.rewrite import Rewrite, normalize_text
from model_adapters.normalizer.words import WORDS_FILE, KnownWords, load_words

MANIFEST = "normalizer.json"
NOT_A_PATH = ("hf:", "skops:", "py:", "http://", "https://")  # specs stored as given (skops: keeps a relative file)
SCHEMA_VERSION = 1
MAX_CACHED_TEXTS = 200_000   # per-text cache entries before it starts over (memory stays bounded)
MAX_CACHED_CHUNKS = 1_000_000  # per-chunk (and joined-pair) entries likewise


class NormalizingModel:
    """`labels` and `predict_proba` of the wrapped model, on normalized text."""

    def __init__(self, inner, words: KnownWords, *, wraps: str = "", path: str | None = None,
                 words_source: str = ""):
        self.inner = inner
        self.words = words
        self.labels = tuple(inner.labels)
        self.name = f"normalized({getattr(inner, 'name', type(inner).__name__)})"
        self.wraps, self.path, self.words_source = wraps, path, words_source
        self._word_cache: dict = {}
        self._text_cache: dict[str, str] = {}
        self.n_rewritten_texts = 0

    @property
    def info(self) -> dict:
        inner = dict(getattr(self.inner, "info", {}) or {})
        return {"family": "normalized", "wraps": self.wraps, "path": self.path, "known_words": len(self.words),
                "words_source": self.words_source, "inner": inner}

    def normalize(self, texts: Sequence[str]) -> list[str]:
        out = []
        for text in texts:
            found = self._text_cache.get(text)
            if found is None:
                if len(self._word_cache) >= MAX_CACHED_CHUNKS:
                    self._word_cache.clear()
                found, rewrites = normalize_text(text, self.words, self._word_cache)
                self.n_rewritten_texts += bool(rewrites)
                if len(self._text_cache) >= MAX_CACHED_TEXTS:
                    self._text_cache.clear()
                self._text_cache[text] = found
            out.append(found)
        return out

    def explain(self, text: str) -> list[Rewrite]:
        """Which words of `text` the normalizer rewrites, to what, by which rule."""
        return normalize_text(text, self.words, self._word_cache)[1]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.predict_proba(self.normalize(list(texts)))

    def input_keys(self, texts: Sequence[str]) -> list[bytes]:
        """What the wrapped model sees: its own input keys of the normalized texts, else the normalized text."""
        normalized = self.normalize(list(texts))
        inner_keys = getattr(self.inner, "input_keys", None)
        if inner_keys is not None:
            return list(inner_keys(normalized))
        return [text.encode("utf-8", "surrogatepass") for text in normalized]

    def predict(self, texts: Sequence[str]) -> list[str]:
        proba = self.predict_proba(texts)
        return [self.labels[i] for i in np.asarray(proba).argmax(axis=1)]


def is_normalized_dir(path: str | os.PathLike) -> bool:
    return (Path(path) / MANIFEST).is_file()


def write_manifest(out_dir: Path, wraps: str, options: dict, words_source: str, n_words: int,
                   extra: dict | None = None) -> Path:
    """normalizer.json; a local wrapped path is stored relative to `out_dir`."""
    return write_json(out_dir / MANIFEST, {"schema_version": SCHEMA_VERSION, "kind": "normalized",
                                           "wraps": stored_spec(wraps, out_dir), "options": options,
                                           "words": WORDS_FILE, "words_source": words_source,
                                           "n_words": n_words} | dict(extra or {}))


def read_manifest(path: Path) -> dict:
    manifest = read_json_object(Path(path) / MANIFEST, "normalizer manifest", ModelError,
                                "rebuild the directory with `robustness harden`")
    if manifest.get("schema_version") != SCHEMA_VERSION or not isinstance(manifest.get("wraps"), str) \
            or not isinstance(manifest.get("options", {}), dict):
        raise ModelError(f"{Path(path) / MANIFEST}: not a normalizer manifest of schema {SCHEMA_VERSION} (needs "
                         f"'wraps' and 'options'); rebuild the directory with `robustness harden`")
    return manifest


def stored_spec(spec: str, out_dir: Path) -> str:
    if spec.startswith(NOT_A_PATH):
        if spec.startswith("skops:") and Path(spec[6:]).exists():
            return "skops:" + os.path.relpath(Path(spec[6:]).resolve(), Path(out_dir).resolve())
        return spec
    return os.path.relpath(Path(spec).resolve(), Path(out_dir).resolve()) if Path(spec).exists() else spec


def wrapped_spec(manifest: dict, path: Path) -> str:
    """The wrapped spec as load_model_spec takes it: a relative local path resolved against the directory."""
    spec = manifest["wraps"]
    if spec.startswith("skops:") and not Path(spec[6:]).is_absolute():
        return "skops:" + str((Path(path) / spec[6:]).resolve())
    if spec.startswith(NOT_A_PATH) or Path(spec).is_absolute():
        return spec
    return str((Path(path) / spec).resolve())


def load_known_words(path: Path, manifest: dict) -> KnownWords:
    return KnownWords(load_words(Path(path) / manifest.get("words", WORDS_FILE)))


def manifest_digest(path: Path) -> str:
    digest = hashlib.sha256()
    for name in (MANIFEST, WORDS_FILE):
        file = Path(path) / name
        if file.is_file():
            digest.update(name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()
