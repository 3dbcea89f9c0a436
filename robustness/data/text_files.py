"""Row-oriented text tables (CSV, TSV, JSONL, a JSON array): the rows with the line each starts on, so every error
names file, line and field. robustness/data/datasets.py builds labeled datasets on top; `predict` and augmented-row files
read their tables here directly.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from robustness.data.layout import TEXT_COLUMNS, choose_column, quoted_names
from robustness.errors import DataError

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


def decode_utf8(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{where}: not valid UTF-8 at byte {exc.start}; re-save the file as UTF-8") from exc


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
    return decode_utf8(raw, str(path)).removeprefix("\ufeff")


def load_text_table(path: str | Path, required: Sequence[str] = ("text",), fix: str | None = None) -> TextTable:
    """Read any CSV/TSV/JSONL (or JSON array) file, checking the `required` columns exist.

    Column names are matched ignoring case and surrounding spaces ("Text " finds "text"); rows are returned
    under the canonical names given in `required`, other columns as they are.
    """
    path = Path(path)
    columns, records = read_records(path, required)
    rename = _match_columns(path, columns, required, fix)
    columns = tuple(rename.get(c, c) for c in columns)
    rows = tuple({rename.get(k, k): v for k, v in row.items()} for _, row in records)
    return TextTable(columns=columns, rows=rows, lines=tuple(line for line, _ in records), source=str(path))


def find_text_column(path: str | Path, wanted: str | None = None) -> str:
    """The text column of a CSV/TSV/JSONL file: `wanted` when given (load_text_table checks it), else the one
    recognised name present (text, review, sentence, ...)."""
    if wanted is not None:
        return wanted
    path = Path(path)
    columns, _ = read_records(path, ("text",))
    found = choose_column(str(path), columns, None, "text")
    if found is None:
        raise DataError(f"{path}: no text column (found {quoted_names(columns) or 'none'}); pass --text-column with the "
                        f"name of the column that holds the reviews (recognised: {', '.join(TEXT_COLUMNS)})")
    return found


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


def read_records(path: Path, required: Sequence[str]) -> tuple[list[str], list[tuple[int, dict]]]:
    """The columns and (start line, row) records of a CSV/TSV/JSONL/JSON file."""
    if not path.exists():
        raise DataError(f"{path} does not exist; check the path")
    if not path.name.lower().endswith((".csv", ".tsv", ".jsonl", ".json")):
        raise DataError(f"{path}: unsupported file type; use .csv, .tsv, .jsonl or .json")
    text = read_text_file(path)
    if not text.strip():
        raise DataError(f"{path}: file is empty; it needs a header and rows with {quoted_names(required)} column(s)")
    if path.name.lower().endswith((".jsonl", ".json")):
        return _json_records(path, text)
    return _csv_records(path, text)


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
    because it nearly always means an unquoted comma inside a review.

    Files whose quotes are escaped with backslashes (`\\"`, as in the widely copied IMDB TSV) fail the standard
    reading; they are read again with backslash as the escape character, and the first error stands if that fails too.
    """
    try:
        return _parse_csv(path, text, escapechar=None)
    except DataError as standard_error:
        if '\\"' not in text:
            raise
        try:
            return _parse_csv(path, text, escapechar="\\")
        except DataError:
            raise standard_error from None


def _parse_csv(path: Path, text: str, escapechar: str | None) -> tuple[list[str], list[tuple[int, dict]]]:
    delimiter = "\t" if path.name.lower().endswith(".tsv") else ","
    previous_limit = csv.field_size_limit(_MAX_FIELD_CHARS)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True, escapechar=escapechar)
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
            f"{path}: missing column(s) {quoted_names(missing)} (found {quoted_names(columns) or 'none'}); "
            + (fix or f"the file needs {quoted_names(required)} column(s)")
        )
    return rename



def _shown(delimiter: str) -> str:
    return "\\t" if delimiter == "\t" else delimiter
