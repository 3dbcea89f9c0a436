"""Labeled review data: the aclImdb tarball (read in place), an extracted aclImdb/ directory, CSV/TSV/JSONL, Parquet,
or a Hugging Face `datasets` directory written by `save_to_disk` (docs/data-formats.md).

A table's rows are read by robustness/data/text_files.py (CSV/TSV/JSONL) or robustness/data/layout.py (columnar formats),
its columns and raw labels as its `TableLayout` says (robustness/data/layout.py); label words and codes become canonical
names ("1", 1 and "pos" all mean positive in a 0/1 file), other label sets keep their names.
"""

from __future__ import annotations

import hashlib
import json
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from model_adapters.labels import LABELS, interpret_labels, label_key, sort_labels
from robustness.data.layout import (
    DEFAULT_LAYOUT,
    TableLayout,
    choose_columns,
    id_column,
    is_saved_dataset,
    load_saved_dataset,
    parquet_columns,
    quoted_names,
    read_dataset_columns,
    read_parquet,
    saved_dataset_splits,
)
from robustness.data.text_files import decode_utf8, read_records, review_text
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

    @property
    def label_set(self) -> tuple[str, ...]:
        """The distinct labels, negative < neutral < positive first, then other names in natural order ("2" < "10")."""
        return sort_labels(self.labels)

    def fingerprint(self) -> str:
        """sha256 of every review's id, text and label, in order: the same reviews fingerprint alike wherever they
        were read from (the run store tells runs on the same data by it)."""
        digest = hashlib.sha256()
        for review in zip(self.ids, self.texts, self.labels):
            digest.update(json.dumps(review, ensure_ascii=False).encode("utf-8", "surrogatepass") + b"\n")
        return digest.hexdigest()

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


def load_dataset(path: str | Path, split: str = "all", layout: TableLayout | None = None) -> Dataset:
    """Load labeled reviews from any supported source.

    `split` selects train/test (or "all") in aclImdb sources and any named split of a saved DatasetDict; flat files
    have no splits and give all their rows. `layout` names a table's columns and label map (default: detect).
    """
    path = Path(path)
    layout = layout or DEFAULT_LAYOUT
    if is_saved_dataset(path):
        return _load_saved_dataset(path, split, layout)
    if split not in SPLITS:
        raise DataError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
    if not path.exists():
        raise DataError(f"data file {path} does not exist; pass a path to aclImdb_v1.tar.gz, an aclImdb/ directory, "
                        f"a CSV/TSV/JSONL/Parquet file or a `datasets` directory")
    name = path.name.lower()
    if path.is_dir() or name.endswith((".tar.gz", ".tgz", ".tar")):
        if layout != DEFAULT_LAYOUT:
            raise DataError(f"{path}: aclImdb data has no columns or raw labels to name; "
                            f"drop --text-column, --label-column and --label-map")
        return _load_imdb_directory(path, split) if path.is_dir() else _load_imdb_tarball(path, split)
    if name.endswith((".csv", ".tsv", ".jsonl", ".json")):
        return _load_table(path, layout)
    if name.endswith((".parquet", ".pq")):
        return _load_parquet(path, layout)
    raise DataError(f"{path}: unsupported file type; use .tar.gz (aclImdb), a directory, .csv, .tsv, .jsonl, "
                    f".parquet or a `datasets` directory written by save_to_disk")


def _imdb_dataset(records: list[tuple[str, str, str]], source: str, split: str) -> Dataset:
    if not records:
        where = "train|test" if split == "all" else split
        raise DataError(f"{source}: no aclImdb/{where}/pos|neg/*.txt reviews found; is this the aclImdb archive?")
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
                text = decode_utf8(raw, f"{path}:{member.name}")
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
                text = decode_utf8(raw, str(file))
                label = "positive" if polarity == "pos" else "negative"
                records.append((f"{split_dir}/{polarity}/{file.stem}", clean_text(text), label))
    return _imdb_dataset(records, str(path), split)


def split_names(path: str | Path) -> tuple[str, ...] | None:
    """The splits a source carries: train/test for aclImdb, a saved DatasetDict's own; None for flat files."""
    path = Path(path)
    if is_saved_dataset(path):
        return saved_dataset_splits(path)
    return ("train", "test") if path.is_dir() or path.name.lower().endswith((".tar.gz", ".tgz", ".tar")) else None


def has_splits(path: str | Path) -> bool:
    """True for sources that carry their own train and test splits: aclImdb, or a DatasetDict with both."""
    return {"train", "test"} <= set(split_names(path) or ())


def _load_table(path: Path, layout: TableLayout) -> Dataset:
    columns, records = read_records(path, ("text", "label"))
    text_column, label_column = choose_columns(str(path), columns, layout)
    if not records:
        raise DataError(f"{path}: no data rows; add rows with {text_column!r} and {label_column!r} columns")
    id_name = id_column(columns)
    rows = [row for _, row in records]
    return _build_dataset(
        str(path), [line for line, _ in records], "line", layout, text_column, label_column,
        texts=[row.get(text_column) for row in rows], labels=[row.get(label_column) for row in rows],
        ids=[row.get(id_name) for row in rows] if id_name else None,
    )


def _load_parquet(path: Path, layout: TableLayout) -> Dataset:
    columns = parquet_columns(path)
    text_column, label_column = choose_columns(str(path), columns, layout)
    id_name = id_column(columns)
    read = read_parquet(path, [c for c in (text_column, label_column, id_name) if c])
    if not read.n_rows:
        raise DataError(f"{path}: no data rows; add rows with {text_column!r} and {label_column!r} columns")
    labels = _decoded(read.values[label_column], read.class_names.get(label_column), str(path), label_column)
    return _build_dataset(str(path), range(1, read.n_rows + 1), "row", layout, text_column, label_column,
                          texts=read.values[text_column], labels=labels,
                          ids=read.values[id_name] if id_name else None)


def _load_saved_dataset(path: Path, split: str, layout: TableLayout) -> Dataset:
    """A saved DatasetDict gives its named splits ("all": every split, ids prefixed with the split); a single
    saved Dataset has no splits and gives all its rows, like a CSV. Labels are read over every split, so a split
    means the same labels whichever one is chosen."""
    names = saved_dataset_splits(path)
    if names is None:
        if split not in SPLITS:
            raise DataError(f"unknown split {split!r}; {path} is a single Dataset without splits; "
                            f"choose one of {', '.join(SPLITS)}")
        parts = {None: load_saved_dataset(path)}
        wanted = [None]
    else:
        if split != "all" and split not in names:
            raise DataError(f"{path}: no split {split!r}; it has {quoted_names(names)} (or 'all'); pass --split with one of them")
        loaded = load_saved_dataset(path)
        parts = {name: loaded[name] for name in names}
        wanted = list(names) if split == "all" else [split]
    read, first_seen = {}, {}
    for name, part in parts.items():
        source = str(path) if name is None else f"{path} [{name}]"
        text_column, label_column = choose_columns(source, part.column_names, layout)
        id_name = id_column(part.column_names)
        columns = read_dataset_columns(part, [c for c in (text_column, label_column, id_name) if c])
        labels = _decoded(columns.values[label_column], columns.class_names.get(label_column), source, label_column)
        read[name] = (source, text_column, label_column, id_name, columns, labels)
        for row, value in enumerate(labels, start=1):
            if value is not None and str(value).strip():
                first_seen.setdefault(label_key(value), (value, f"{source}: row {row}: field {label_column!r}"))
    values_read = interpret_labels([value for value, _ in first_seen.values()], layout.label_mapping,
                                   where=lambda value: first_seen[label_key(value)][1])
    pieces = []
    for name in wanted:
        source, text_column, label_column, id_name, columns, labels = read[name]
        if not columns.n_rows:
            raise DataError(f"{source}: no data rows; choose a split that has rows")
        prefix = "" if name is None else f"{name}/"
        ids = columns.values[id_name] if id_name else [None] * columns.n_rows
        pieces.append(_build_dataset(
            source, range(1, columns.n_rows + 1), "row", layout, text_column, label_column,
            texts=columns.values[text_column], labels=labels,
            ids=[prefix + (str(v).strip() if v not in (None, "") else str(i)) for i, v in enumerate(ids, start=1)],
            values_read=values_read, announce=name == wanted[0],
        ))
    return Dataset(ids=sum((p.ids for p in pieces), ()), texts=sum((p.texts for p in pieces), ()),
                   labels=sum((p.labels for p in pieces), ()), source=str(path))


def _decoded(values: list, class_names: tuple[str, ...] | None, source: str, column: str) -> list:
    """ClassLabel codes turned into their names (0 -> "neg"); a code naming no class (-1: unlabelled) is an error."""
    if class_names is None:
        return values
    decoded = []
    for row, code in enumerate(values, start=1):
        if code is None:
            decoded.append(None)
        elif isinstance(code, int) and 0 <= code < len(class_names):
            decoded.append(class_names[code])
        else:
            raise DataError(f"{source}: row {row}: field {column!r} is {code!r}, which names none of its classes "
                            f"({', '.join(class_names)}); the split looks unlabelled: choose a labelled split")
    return decoded


def _build_dataset(source: str, positions: Sequence[int], unit: str, layout: TableLayout, text_column: str,
                   label_column: str, texts: Sequence, labels: Sequence, ids: Sequence | None,
                   values_read: tuple[dict, str] | None = None, announce: bool = True) -> Dataset:
    """Checked, cleaned rows of one table; `positions` are the line (CSV) or row (columnar) numbers errors name.

    `values_read` is how the labels were already read over a larger whole (every split of a DatasetDict)."""
    def where(index: int) -> str:
        return f"{source}:{positions[index]}" if unit == "line" else f"{source}: row {positions[index]}"

    first_of: dict[str, int] = {}
    for index, value in enumerate(labels):
        if value is None or (isinstance(value, float) and value != value) or not str(value).strip():
            raise DataError(f"{where(index)}: field {label_column!r} is empty; fill in its label or remove the row")
        first_of.setdefault(label_key(value), index)
    mapping, how = values_read or interpret_labels(
        labels, layout.label_mapping, where=lambda value: f"{where(first_of[label_key(value)])}: field {label_column!r}")
    clean_labels = tuple(mapping[label_key(value)] for value in labels)
    clean_texts = tuple(clean_text(review_text(value, where(i), text_column)) for i, value in enumerate(texts))
    clean_ids, first_id = [], {}
    for index in range(len(texts)):
        raw = ids[index] if ids is not None else None
        review_id = str(raw).strip() if raw not in (None, "") else str(index + 1)
        if review_id in first_id:
            raise DataError(f"{where(index)}: id {review_id!r} repeats {unit} {positions[first_id[review_id]]}; "
                            f"ids must be unique")
        first_id[review_id] = index
        clean_ids.append(review_id)
    if announce and layout.announce is not None and not _classic(text_column, label_column, clean_labels, how):
        raw = {label: sort_labels({label_key(v) for v in labels if mapping[label_key(v)] == label}) for label in set(clean_labels)}
        described = ", ".join(label if raw[label] == (label_key(label),) else f"{'/'.join(raw[label])}={label}"
                              for label in sort_labels(clean_labels))
        layout.announce(f"{source}: text column {text_column!r}, label column {label_column!r}; labels {described}")
    return Dataset(ids=tuple(clean_ids), texts=clean_texts, labels=clean_labels, source=source)


def _classic(text_column: str, label_column: str, labels: Sequence[str], how: str) -> bool:
    """The long-standing text,label file with binary labels: nothing was guessed worth printing."""
    return (text_column.strip().lower(), label_column.strip().lower()) == ("text", "label") and how != "names" \
        and set(labels) <= set(LABELS)


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
