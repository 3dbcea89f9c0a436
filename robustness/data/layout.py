"""How a labeled table is read: which columns hold the text and the label (named or auto-detected), how raw labels
map to label names, and the columnar formats (Parquet, a `datasets` directory from `save_to_disk`).

pyarrow and datasets are optional (`pip install '.[data]'`) and imported only when such a file is read.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence

from model_adapters.labels import parse_label_map
from robustness.errors import DataError, UsageError

# Recognised column names, in the order the docs list them; matched ignoring case and surrounding spaces.
TEXT_COLUMNS = ("text", "review", "sentence", "sentences", "content", "sample")
LABEL_COLUMNS = ("label", "labels", "sentiment", "class", "target", "polarity", "rating")
DATA_EXTRA = "pip install '.[data]'"


@dataclass(frozen=True)
class TableLayout:
    """How to read a table: its text and label columns (None: auto-detect) and an optional raw-value -> label map.

    `label_map` takes {"1": "neg", ...} or the CLI's "1=neg,2=neg,4=pos,5=pos" and is stored as sorted pairs, so a
    layout stays hashable. `announce`, when given, receives the one line saying which columns and labels were chosen.
    """

    text_column: str | None = None
    label_column: str | None = None
    label_map: tuple[tuple[str, str], ...] | Mapping[str, str] | str | None = None
    announce: Callable[[str], None] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        mapping = self.label_map
        if isinstance(mapping, str):
            mapping = parse_label_map(mapping)
        if isinstance(mapping, Mapping):
            mapping = tuple(sorted((str(k), str(v)) for k, v in mapping.items()))
        object.__setattr__(self, "label_map", mapping)

    @property
    def label_mapping(self) -> dict[str, str] | None:
        return dict(self.label_map) if self.label_map is not None else None


DEFAULT_LAYOUT = TableLayout()


def choose_column(source: str, columns: Sequence[str], wanted: str | None, role: str) -> str | None:
    """The actual name of the text or label column (`role`), or None when nothing fits and none was named.

    A named column must exist; otherwise exactly one recognised name must be present (two is ambiguous).
    """
    by_key = {str(c).strip().lower(): str(c) for c in columns}
    option = f"--{role}-column"
    if wanted is not None:
        actual = by_key.get(wanted.strip().lower())
        if actual is None:
            raise DataError(f"{source}: no column {wanted!r} (found {quoted_names(columns) or 'none'}); "
                            f"pass {option} with one of those")
        return actual
    candidates = [by_key[name] for name in (TEXT_COLUMNS if role == "text" else LABEL_COLUMNS) if name in by_key]
    if len(candidates) > 1:
        raise DataError(f"{source}: {len(candidates)} columns could hold the {role} ({quoted_names(candidates)}); "
                        f"pass {option} NAME to choose one")
    return candidates[0] if candidates else None


def choose_columns(source: str, columns: Sequence[str], layout: TableLayout) -> tuple[str, str]:
    """(text column, label column), or one DataError naming what is missing and how to name it."""
    text = choose_column(source, columns, layout.text_column, "text")
    label = choose_column(source, columns, layout.label_column, "label")
    missing = [role for role, found in (("text", text), ("label", label)) if found is None]
    if missing:
        tried = "; ".join(f"{role}: {', '.join(TEXT_COLUMNS if role == 'text' else LABEL_COLUMNS)}" for role in missing)
        raise DataError(f"{source}: missing column(s) {quoted_names(missing)} (found {quoted_names(columns) or 'none'}); "
                        f"name {'it' if len(missing) == 1 else 'them'} with {' and '.join(f'--{role}-column' for role in missing)} "
                        f"(recognised names, any case: {tried})")
    return text, label


def id_column(columns: Sequence[str]) -> str | None:
    return next((str(c) for c in columns if str(c).strip().lower() == "id"), None)


# --- columnar formats ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Columns:
    """Some columns of a Parquet file or a `datasets` split, read as lists; `class_names` decode ClassLabel codes."""

    values: dict[str, list]
    class_names: dict[str, tuple[str, ...]]
    n_rows: int


def is_saved_dataset(path: Path) -> bool:
    """A directory written by `datasets`' `save_to_disk`: a DatasetDict or a single Dataset."""
    return path.is_dir() and any((path / name).is_file() for name in ("dataset_dict.json", "dataset_info.json", "state.json"))


def saved_dataset_splits(path: Path) -> tuple[str, ...] | None:
    """The split names of a saved DatasetDict (from its dataset_dict.json), or None for a single Dataset."""
    index = path / "dataset_dict.json"
    if not index.is_file():
        return None
    try:
        splits = json.loads(index.read_text(encoding="utf-8"))["splits"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataError(f"{index}: not a readable dataset_dict.json ({exc}); save the data again with save_to_disk") from exc
    return tuple(str(s) for s in splits)


def parquet_columns(path: Path) -> tuple[str, ...]:
    pq = _import("pyarrow.parquet", "Parquet files")
    try:
        return tuple(pq.read_schema(path).names)
    except Exception as exc:  # pyarrow raises several types (ArrowInvalid, OSError) for a damaged file
        raise DataError(f"{path}: not a readable Parquet file ({_reason(exc)}); write it again, e.g. with "
                        f"pandas.DataFrame.to_parquet") from exc


def read_parquet(path: Path, columns: Sequence[str]) -> Columns:
    """Only the named columns; Hugging Face Parquet exports keep ClassLabel names in their schema metadata."""
    pq = _import("pyarrow.parquet", "Parquet files")
    try:
        table = pq.read_table(path, columns=list(columns))
    except Exception as exc:
        raise DataError(f"{path}: not a readable Parquet file ({_reason(exc)}); write it again") from exc
    metadata = (table.schema.metadata or {}).get(b"huggingface")
    features = {}
    if metadata:
        try:
            features = json.loads(metadata).get("info", {}).get("features", {}) or {}
        except ValueError:
            features = {}
    return Columns(values={c: table.column(c).to_pylist() for c in columns},
                   class_names=_class_names(features, columns), n_rows=table.num_rows)


def load_saved_dataset(path: Path):
    """`datasets.load_from_disk`: a Dataset or a DatasetDict."""
    datasets = _import("datasets", "a `datasets` directory")
    try:
        return datasets.load_from_disk(str(path))
    except Exception as exc:  # missing arrow files, a version mismatch, a damaged state.json
        raise DataError(f"{path}: not a readable `datasets` directory ({_reason(exc)}); "
                        f"write it again with Dataset.save_to_disk") from exc


def read_dataset_columns(dataset, columns: Sequence[str]) -> Columns:
    """The named columns of one `datasets.Dataset`, with the names of any ClassLabel column."""
    features = {}
    for name in columns:
        feature = dataset.features.get(name)
        if getattr(feature, "names", None) is not None and type(feature).__name__ == "ClassLabel":
            features[name] = {"_type": "ClassLabel", "names": list(feature.names)}
    values = dataset.select_columns(list(columns)).to_dict()
    return Columns(values={c: list(values[c]) for c in columns}, class_names=_class_names(features, columns),
                   n_rows=len(dataset))


def _class_names(features: dict, columns: Sequence[str]) -> dict[str, tuple[str, ...]]:
    names = {}
    for column in columns:
        feature = features.get(column)
        if isinstance(feature, dict) and feature.get("_type") == "ClassLabel" and feature.get("names"):
            names[column] = tuple(str(n) for n in feature["names"])
    return names


def _import(module: str, what: str):
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise UsageError(f"reading {what} needs the optional '{module.split('.')[0]}' package; {DATA_EXTRA}") from exc


def _reason(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def quoted_names(names) -> str:
    """'a', 'b': names as error messages list them."""
    return ", ".join(repr(str(n)) for n in names)
