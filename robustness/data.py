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
from typing import Sequence

from model_adapters.labels import LABELS, normalize_label
from robustness.errors import DataError

SPLITS = ("train", "test", "all")

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
        reason = " ".join(str(exc).split())  # tarfile lists every method it tried, one per line
        raise DataError(f"{path}: not a readable tar archive ({reason}); re-download aclImdb_v1.tar.gz") from exc
    return _imdb_dataset(records, str(path), split)


def _load_imdb_directory(path: Path, split: str) -> Dataset:
    root = path if (path / "train").exists() or (path / "test").exists() else path / "aclImdb"
    records = []
    for split_dir in ("train", "test"):
        if not _wanted(split_dir, split):
            continue
        for polarity in ("pos", "neg"):
            for file in (root / split_dir / polarity).glob("*.txt"):
                try:
                    raw = file.read_bytes()
                except OSError as exc:
                    raise DataError(f"cannot read {file}: {exc.strerror}; check its permissions") from exc
                text = _decode(raw, str(file))
                label = "positive" if polarity == "pos" else "negative"
                records.append((f"{split_dir}/{polarity}/{file.stem}", clean_text(text), label))
    return _imdb_dataset(records, str(path), split)


def _decode(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{where}: not valid UTF-8 at byte {exc.start}; re-save the file as UTF-8") from exc


# Reviews run to a few thousand characters; the csv module's 128 KiB default is raised so a long one is
# accepted, while a runaway unterminated quote still fails instead of swallowing the file.
_MAX_FIELD_CHARS = 10_000_000
_MISSING_TEXT = {"nan", "null", "none", "n/a", "na"}


@dataclass(frozen=True)
class TextTable:
    """Rows of a CSV/TSV/JSONL file as dicts, with the line each row starts on (for error messages)."""

    columns: tuple[str, ...]
    rows: tuple[dict, ...]
    lines: tuple[int, ...]
    source: str


def has_splits(path: str | Path) -> bool:
    """True for aclImdb sources (tarball or directory), which carry their own train/test split."""
    path = Path(path)
    return path.is_dir() or path.name.lower().endswith((".tar.gz", ".tgz", ".tar"))


def read_text_file(path: Path) -> str:
    """A whole UTF-8 file (a leading BOM, as Excel writes, is dropped); unreadable or non-UTF-8 is a DataError."""
    try:
        raw = path.read_bytes()
    except IsADirectoryError as exc:
        raise DataError(f"{path} is a directory; pass a CSV/TSV/JSONL file") from exc
    except FileNotFoundError as exc:
        raise DataError(f"{path} does not exist; check the path") from exc
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror}; check the path and its permissions") from exc
    return _decode(raw, str(path)).removeprefix("\ufeff")


def load_text_table(path: str | Path, required: Sequence[str] = ("text",), fix: str | None = None) -> TextTable:
    """Read any CSV/TSV/JSONL (or JSON array) file, checking the `required` columns exist.

    Column names are matched ignoring case and surrounding spaces ("Text " finds "text"); rows are returned
    under the canonical names given in `required`, other columns as they are.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path} does not exist; check the path")
    if not path.name.lower().endswith((".csv", ".tsv", ".jsonl", ".json")):
        raise DataError(f"{path}: unsupported file type; use .csv, .tsv, .jsonl or .json")
    text = read_text_file(path)
    if not text.strip():
        raise DataError(f"{path}: file is empty; it needs a header and rows with {_names(required)} column(s)")
    if path.name.lower().endswith((".jsonl", ".json")):
        columns, records = _json_records(path, text)
    else:
        columns, records = _csv_records(path, text)
    rename = _match_columns(path, columns, required, fix)
    columns = tuple(rename.get(c, c) for c in columns)
    rows = tuple({rename.get(k, k): v for k, v in row.items()} for _, row in records)
    return TextTable(columns=columns, rows=rows, lines=tuple(line for line, _ in records), source=str(path))


def review_text(value, where: str, field: str = "text") -> str:
    """The review in a table cell, or a DataError for a blank, NaN or non-string one (with its line)."""
    if value is None or isinstance(value, float) or (isinstance(value, str) and not value.strip()):
        raise DataError(f"{where}: field {field!r} is empty; remove the row or fill in the review")
    if not isinstance(value, str):
        raise DataError(f"{where}: field {field!r} is {type(value).__name__} {value!r}, not text; quote the review")
    if value.strip().lower() in _MISSING_TEXT:
        raise DataError(f"{where}: field {field!r} is {value.strip()!r}, a missing-value marker; "
                        f"remove the row or fill in the review")
    return value


def _load_table(path: Path) -> Dataset:
    table = load_text_table(path, required=("text", "label"))
    if not table.rows:
        raise DataError(f"{path}: no data rows; add rows with 'text' and 'label' columns")
    ids, texts, labels = [], [], []
    first_line_of: dict[str, int] = {}
    for number, (line, row) in enumerate(zip(table.lines, table.rows), start=1):
        where = f"{path}:{line}"
        review = review_text(row.get("text"), where)
        if row.get("label") is None or not str(row.get("label")).strip():
            raise DataError(f"{where}: field 'label' is empty; fill in pos/neg, positive/negative or 1/0")
        labels.append(normalize_label(row.get("label"), f"{where}: field 'label'"))
        texts.append(clean_text(review))
        review_id = str(row["id"]).strip() if row.get("id") not in (None, "") else str(number)
        if review_id in first_line_of:
            raise DataError(f"{where}: id {review_id!r} repeats line {first_line_of[review_id]}; ids must be unique")
        first_line_of[review_id] = line
        ids.append(review_id)
    return Dataset(ids=tuple(ids), texts=tuple(texts), labels=tuple(labels), source=str(path))


def _json_records(path: Path, text: str) -> tuple[list[str], list[tuple[int, dict]]]:
    if path.name.lower().endswith(".json") and text.lstrip().startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg}); write a list of objects") from exc
        numbered = [(index, item, f"{path}: item {index}") for index, item in enumerate(items, start=1)]
    else:
        numbered = []
        for line_number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                numbered.append((line_number, json.loads(line), f"{path}:{line_number}"))
            except json.JSONDecodeError as exc:
                raise DataError(f"{path}:{line_number}: invalid JSON ({exc.msg}); write one JSON object per line") from exc
    records, columns = [], []
    for number, item, where in numbered:
        if not isinstance(item, dict):
            raise DataError(f"{where}: expected a JSON object with named fields, got {type(item).__name__}")
        columns.extend(key for key in item if key not in columns)
        records.append((number, item))
    return columns, records


def _csv_records(path: Path, text: str) -> tuple[list[str], list[tuple[int, dict]]]:
    """Rows with the line each starts on; a row with more or fewer fields than the header is an error,
    because it nearly always means an unquoted comma inside a review."""
    delimiter = "\t" if path.name.lower().endswith(".tsv") else ","
    previous_limit = csv.field_size_limit(_MAX_FIELD_CHARS)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        records: list[tuple[int, dict]] = []
        header: list[str] | None = None
        line = 1
        try:
            for fields in reader:
                start, line = line, reader.line_num + 1
                if not fields or (len(fields) == 1 and not fields[0].strip()):
                    continue  # blank line
                if header is None:
                    header = [name.strip() for name in fields]
                    _check_header(path, header)
                    continue
                if len(fields) != len(header):
                    raise DataError(
                        f"{path}:{start}: row has {len(fields)} fields but the header has {len(header)}; "
                        f"quote fields that contain '{_shown(delimiter)}' or line breaks"
                    )
                records.append((start, dict(zip(header, fields))))
        except csv.Error as exc:
            raise DataError(f"{path}:{line}: malformed {'TSV' if delimiter != ',' else 'CSV'} in the row starting "
                            f"here ({exc}); check its quotes") from exc
    finally:
        csv.field_size_limit(previous_limit)
    if header is None:
        raise DataError(f"{path}: no header row; the first line must name the columns")
    return header, records


def _check_header(path: Path, header: list[str]) -> None:
    seen = set()
    for name in header:
        key = name.lower()
        if not name:
            raise DataError(f"{path}:1: a header column has no name; name every column")
        if key in seen:
            raise DataError(f"{path}:1: column {name!r} appears twice in the header; rename one")
        seen.add(key)


def _match_columns(path: Path, columns, required: Sequence[str], fix: str | None = None) -> dict[str, str]:
    """{actual name: canonical name} for the required columns, or a DataError listing what is missing."""
    by_key = {str(c).strip().lower(): c for c in columns}
    rename, missing = {}, []
    for name in required:
        actual = by_key.get(name.strip().lower())
        if actual is None:
            missing.append(name)
        else:
            rename[actual] = name
    if missing:
        raise DataError(
            f"{path}: missing column(s) {_names(missing)} (found {_names(columns) or 'none'}); "
            + (fix or f"the file needs {_names(required)} column(s)")
        )
    return rename


def _names(names) -> str:
    return ", ".join(repr(str(n)) for n in names)


def _shown(delimiter: str) -> str:
    return "\\t" if delimiter == "\t" else delimiter


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
    order = sorted(range(len(dataset)), key=lambda i: hashlib.sha256(f"sample:{seed}:{dataset.ids[i]}".encode()).digest())
    return dataset.subset(sorted(order[:n]))
