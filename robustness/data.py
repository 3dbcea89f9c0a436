"""Labeled review data: the aclImdb tarball (read in place), an extracted aclImdb/ directory, or CSV/TSV/JSONL.

Labels are normalised to the canonical pair LABELS so a "1", a 1 and a "pos" all mean the same thing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path

from robustness.errors import DataError

LABELS: tuple[str, ...] = ("negative", "positive")
SPLITS = ("train", "test", "all")

_LABEL_ALIASES = {
    "0": "negative", "neg": "negative", "negative": "negative",
    "1": "positive", "pos": "positive", "positive": "positive",
}
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_IMDB_MEMBER = re.compile(r"(?:^|/)aclImdb/(train|test)/(pos|neg)/(\d+_\d+)\.txt$")


@dataclass(frozen=True)
class Dataset:
    """Parallel tuples of review ids, texts and canonical labels; `source` says where they came from."""

    ids: tuple[str, ...]
    texts: tuple[str, ...]
    labels: tuple[str, ...]
    source: str

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, indices) -> "Dataset":
        indices = list(indices)
        return Dataset(
            ids=tuple(self.ids[i] for i in indices),
            texts=tuple(self.texts[i] for i in indices),
            labels=tuple(self.labels[i] for i in indices),
            source=self.source,
        )


def clean_text(text: str) -> str:
    """IMDB reviews carry `<br />` line breaks; turn them into spaces so tokens do not glue together."""
    return _BR.sub(" ", text).strip()


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


def load_dataset(path: str | Path, split: str = "all") -> Dataset:
    """Load labeled reviews from any supported source; `split` selects train/test in aclImdb sources."""
    path = Path(path)
    if split not in SPLITS:
        raise DataError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
    if not path.exists():
        raise DataError(f"data file {path} does not exist; pass a path to aclImdb_v1.tar.gz, an aclImdb/ directory or a CSV/TSV/JSONL file")
    if path.is_dir():
        return _load_imdb_directory(path, split)
    name = path.name.lower()
    if name.endswith((".tar.gz", ".tgz", ".tar")):
        return _load_imdb_tarball(path, split)
    if name.endswith((".csv", ".tsv", ".jsonl", ".json")):
        return _load_table(path)
    raise DataError(f"{path}: unsupported file type; use .tar.gz (aclImdb), a directory, .csv, .tsv or .jsonl")


def _imdb_dataset(records: list[tuple[str, str, str]], source: str, split: str) -> Dataset:
    if not records:
        raise DataError(f"{source}: no aclImdb/{split}/pos|neg/*.txt reviews found; is this the aclImdb archive?")
    records.sort()  # archive order differs between tar tools; ids give a stable order
    ids, texts, labels = zip(*records)
    return Dataset(ids=ids, texts=texts, labels=labels, source=source)


def _wanted(split_of_member: str, split: str) -> bool:
    return split == "all" or split_of_member == split


def _load_imdb_tarball(path: Path, split: str) -> Dataset:
    records = []
    try:
        with tarfile.open(path, "r:*") as archive:
            for member in archive:
                match = _IMDB_MEMBER.search(member.name)
                if not (member.isfile() and match and _wanted(match.group(1), split)):
                    continue
                raw = archive.extractfile(member).read()
                text = _decode(raw, f"{path}:{member.name}")
                label = "positive" if match.group(2) == "pos" else "negative"
                records.append((f"{match.group(1)}/{match.group(2)}/{match.group(3)}", clean_text(text), label))
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise DataError(f"{path}: not a readable tar archive ({exc}); re-download aclImdb_v1.tar.gz") from exc
    return _imdb_dataset(records, str(path), split)


def _load_imdb_directory(path: Path, split: str) -> Dataset:
    root = path if (path / "train").exists() or (path / "test").exists() else path / "aclImdb"
    records = []
    for split_dir in ("train", "test"):
        if not _wanted(split_dir, split):
            continue
        for polarity in ("pos", "neg"):
            for file in (root / split_dir / polarity).glob("*.txt"):
                text = _decode(file.read_bytes(), str(file))
                label = "positive" if polarity == "pos" else "negative"
                records.append((f"{split_dir}/{polarity}/{file.stem}", clean_text(text), label))
    return _imdb_dataset(records, str(path), split)


def _decode(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{where}: not valid UTF-8 at byte {exc.start}; re-save the file as UTF-8") from exc


def _load_table(path: Path) -> Dataset:
    text = _decode(path.read_bytes(), str(path))
    if not text.strip():
        raise DataError(f"{path}: file is empty; it needs a header and rows with 'text' and 'label' columns")
    rows = _read_rows(path, text)
    if not rows:
        raise DataError(f"{path}: no data rows; add rows with 'text' and 'label' columns")
    ids, texts, labels = [], [], []
    for number, (line, row) in enumerate(rows, start=1):
        where = f"{path}:{line}"
        review = row.get("text")
        if review is None or (isinstance(review, float)) or not str(review).strip():
            raise DataError(f"{where}: field 'text' is empty; remove the row or fill in the review")
        labels.append(normalize_label(row.get("label"), f"{where}: field 'label'"))
        texts.append(clean_text(str(review)))
        ids.append(str(row.get("id", number)))
    return Dataset(ids=tuple(ids), texts=tuple(texts), labels=tuple(labels), source=str(path))


def _read_rows(path: Path, text: str) -> list[tuple[int, dict]]:
    """Rows with the line they start on, after checking the text/label columns exist."""
    if path.name.lower().endswith((".jsonl", ".json")):
        rows = []
        for line_number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{path}:{line_number}: invalid JSON ({exc.msg}); write one JSON object per line") from exc
            if not isinstance(row, dict):
                raise DataError(f"{path}:{line_number}: expected a JSON object with 'text' and 'label'")
            _require_columns(path, row.keys(), where=f"{path}:{line_number}")
            rows.append((line_number, row))
        return rows
    delimiter = "\t" if path.name.lower().endswith(".tsv") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    _require_columns(path, reader.fieldnames or [], where=str(path))
    return [(reader.line_num, row) for row in reader]


def _require_columns(path: Path, columns, where: str) -> None:
    missing = [c for c in ("text", "label") if c not in columns]
    if missing:
        raise DataError(
            f"{where}: missing column(s) {', '.join(missing)} (found {', '.join(map(str, columns)) or 'none'}); "
            f"the file needs 'text' and 'label' columns"
        )


def train_validation_split(dataset: Dataset, validation_fraction: float = 0.1, seed: int = 13) -> tuple[Dataset, Dataset]:
    """A deterministic split carved from train: a review's side depends only on its id and the seed.

    Hashing ids (not shuffling) keeps the split stable when the data is reordered or subsampled.
    """
    if not 0.0 < validation_fraction < 1.0:
        raise DataError(f"validation_fraction must be between 0 and 1, got {validation_fraction}")
    train_idx, val_idx = [], []
    for i, review_id in enumerate(dataset.ids):
        digest = hashlib.sha256(f"{seed}:{review_id}".encode()).digest()
        bucket = int.from_bytes(digest[:8], "big") / 2**64
        (val_idx if bucket < validation_fraction else train_idx).append(i)
    if not train_idx or not val_idx:
        raise DataError(f"{dataset.source}: too few rows ({len(dataset)}) for a validation split of {validation_fraction}")
    return dataset.subset(train_idx), dataset.subset(val_idx)


def sample_dataset(dataset: Dataset, n: int | None, seed: int) -> Dataset:
    """A seeded, label-stratified-by-hash sample of n rows (all rows when n is None or >= len)."""
    if n is None or n >= len(dataset):
        return dataset
    if n <= 0:
        raise DataError(f"sample size must be positive, got {n}")
    order = sorted(range(len(dataset)), key=lambda i: hashlib.sha256(f"{seed}:{dataset.ids[i]}".encode()).digest())
    return dataset.subset(sorted(order[:n]))
