"""`robustness harden`: put any model behind the normalizer (model_adapters/normalizer) as a model directory.

The known words come, in this order, from a words file given on purpose, the model's own vocabulary (our LSTM),
the training texts, or the English frequency list symspellpy ships. The directory is built beside its target and
renamed into place, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import urllib.parse
from pathlib import Path

from model_adapters.http_adapter import redact_url
from model_adapters.normalizer.model import NOT_A_PATH, is_normalized_dir, write_manifest
from model_adapters.normalizer.words import (
    WORDS_FILE,
    load_words,
    save_words,
    shipped_frequencies,
    words_from_texts,
    words_from_vocabulary,
)
from model_adapters.specs import ResolvedModel, load_model_spec, wrapped_options
from robustness.errors import UsageError

SHIPPED_SOURCE = "symspellpy frequency list (frequency_dictionary_en_82_765.txt)"


def known_words(resolved: ResolvedModel, texts=None, words_file: Path | None = None) -> tuple[dict[str, int], str]:
    """(word counts, where they came from) by the order in this module's docstring."""
    if words_file is not None:
        return load_words(Path(words_file)), f"words file {words_file}"
    vocabulary = getattr(resolved.model, "vocabulary", None)
    if vocabulary is not None:
        return words_from_vocabulary(vocabulary()), f"the model's vocabulary ({resolved.spec})"
    if texts is not None:
        counts = words_from_texts(texts)
        if counts:
            return counts, "training texts"
    return shipped_frequencies(), SHIPPED_SOURCE


def harden(spec: str, out_dir: str | Path, options: dict, *, texts=None, words_file: Path | None = None,
           data_source: str | None = None) -> dict:
    """Write a normalized model directory wrapping `spec` (opened with `options`: manifest form, see
    model_adapters/specs.py wrapped_options) and return what it recorded. The result is opened once before it is
    moved into place, so a directory that exists is one every command opens."""
    out_dir = Path(out_dir)
    if out_dir.exists() and (not out_dir.is_dir() or (any(out_dir.iterdir()) and not is_normalized_dir(out_dir))):
        raise UsageError(f"--out {out_dir} exists and is not a normalized model directory; pass a new path")
    if str(spec).startswith(("http://", "https://")) and urllib.parse.urlsplit(str(spec)).query:
        raise UsageError(f"--model {redact_url(str(spec))}: a hardened directory stores the URL it wraps, and a query "
                         f"may hold a key; serve the model without one and pass the key with --token-env")
    if not str(spec).startswith(NOT_A_PATH) and out_dir.resolve() == Path(spec).resolve():
        raise UsageError(f"--out {out_dir} is the model itself; pass a new directory")
    resolved = load_model_spec(spec, **wrapped_options(options))
    counts, source = known_words(resolved, texts, words_file)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    # a sibling of the target: the wrapped model's relative path is the same from both
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        save_words(staging / WORDS_FILE, counts)
        write_manifest(staging, str(spec), options, source, len(counts),
                       {"wrapped_fingerprint": resolved.fingerprint, "wrapped_kind": resolved.kind,
                        "data": data_source})
        load_model_spec(str(staging))  # it opens, or nothing is moved into place
        os.chmod(staging, 0o777 & ~_umask())  # mkdtemp makes it private; a model directory is shared like any other
        if out_dir.exists():
            shutil.rmtree(out_dir)
        staging.rename(out_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return {"out": str(out_dir), "wraps": resolved.spec, "kind": resolved.kind, "known_words": len(counts),
            "words_source": source}



def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
