"""Dataset layouts people download: named or detected columns, any label set, backslash-escaped TSV, Parquet and
`datasets` directories with splits. Each test writes its own tiny file; bad input is one DataError line."""

from __future__ import annotations

import csv
import json

import pytest

from model_adapters.labels import interpret_labels, parse_label_map, sort_labels
from robustness.data.datasets import has_splits, load_dataset, split_names
from robustness.data.layout import TableLayout
from robustness.errors import UsageError
from tests.robustness.helpers import load_error, run_cli


def _layout(**kwargs) -> tuple[TableLayout, list[str]]:
    said: list[str] = []
    return TableLayout(announce=said.append, **kwargs), said


def _csv(path, header, rows, delimiter=","):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


# --- columns --------------------------------------------------------------------------------------------------


def test_review_sentiment_csv_with_words_is_detected_and_announced(tmp_path):
    path = _csv(tmp_path / "IMDB Dataset.csv", ["review", "sentiment"],
                [["A great film.<br />Loved it.", "positive"], ["Dull, slow.", "negative"], ["Fine", "Positive"]])
    layout, said = _layout()
    data = load_dataset(path, layout=layout)
    assert data.texts == ("A great film. Loved it.", "Dull, slow.", "Fine")
    assert data.labels == ("positive", "negative", "positive")
    assert data.ids == ("1", "2", "3")
    assert said == [f"{path}: text column 'review', label column 'sentiment'; labels negative, positive"]


def test_imdb_tsv_with_backslash_escaped_quotes(tmp_path):
    """The widely copied labeledTrainData.tsv: quoted ids and reviews, inner quotes written as \\"."""
    path = tmp_path / "labeledTrainData.tsv"
    path.write_text('id\tsentiment\treview\n'
                    '"5814_8"\t1\t"With all this stuff going down, I watched \\"Moonwalker\\" again.<br /><br />Great."\n'
                    '"2381_9"\t0\t"\\"The Classic War of the Worlds\\" is dull, slow."\n', encoding="utf-8")
    layout, said = _layout()
    data = load_dataset(path, layout=layout)
    assert data.ids == ("5814_8", "2381_9")
    assert data.labels == ("positive", "negative")
    assert data.texts[0] == 'With all this stuff going down, I watched "Moonwalker" again.  Great.'
    assert data.texts[1] == '"The Classic War of the Worlds" is dull, slow.'
    assert said == [f"{path}: text column 'review', label column 'sentiment'; labels 0=negative, 1=positive"]


def test_backslashes_in_a_normal_csv_are_kept(tmp_path):
    """Only a file the standard reading rejects is read again with escapes: a plain backslash stays."""
    path = _csv(tmp_path / "r.csv", ["text", "label"], [['C:\\films said "hi"', "1"], ["x", "0"]])
    assert load_dataset(path).texts[0] == 'C:\\films said "hi"'


def test_sentence_label_csv_quiet_for_the_classic_layout(tmp_path):
    sst = _csv(tmp_path / "sst2.csv", ["idx", "sentence", "label"], [["0", "hide new secretions", "0"], ["1", "a gem", "1"]])
    layout, said = _layout()
    assert load_dataset(sst, layout=layout).labels == ("negative", "positive")
    assert said == [f"{sst}: text column 'sentence', label column 'label'; labels 0=negative, 1=positive"]
    classic = _csv(tmp_path / "classic.csv", ["text", "label"], [["good", "1"], ["bad", "0"]])
    layout, said = _layout()
    load_dataset(classic, layout=layout)
    assert said == []  # nothing was guessed worth printing


def test_ambiguous_and_missing_columns_name_the_candidates_and_the_fix(tmp_path):
    path = _csv(tmp_path / "both.csv", ["text", "Review", "label"], [["a", "b", "1"]])
    message = load_error(path)
    assert f"{path}: 2 columns could hold the text ('text', 'Review'); pass --text-column NAME" in message
    data = load_dataset(path, layout=TableLayout(text_column="review"))  # any case
    assert data.texts == ("b",)
    labels = _csv(tmp_path / "labels.csv", ["content", "sentiment", "rating"], [["a", "pos", "5"]])
    assert "2 columns could hold the label ('sentiment', 'rating'); pass --label-column NAME" in load_error(labels)
    assert load_dataset(labels, layout=TableLayout(label_column="sentiment")).labels == ("positive",)
    assert "no column 'stars' (found 'content', 'sentiment', 'rating'); pass --label-column" in load_error(
        labels, layout=TableLayout(label_column="stars"))
    none = _csv(tmp_path / "none.csv", ["body", "label"], [["a", "1"]])
    assert "missing column(s) 'text' (found 'body', 'label'); name it with --text-column" in load_error(none)


# --- label sets -----------------------------------------------------------------------------------------------


def test_three_class_codes_and_words(tmp_path):
    path = _csv(tmp_path / "tweets.csv", ["text", "label"], [["meh", "1"], ["bad", "0"], ["good", "2"], ["ok", "1"]])
    data = load_dataset(path)
    assert data.labels == ("neutral", "negative", "positive", "neutral")
    assert data.label_set == ("negative", "neutral", "positive")
    words = _csv(tmp_path / "w.csv", ["text", "label"], [["a", "neu"], ["b", "POS"], ["c", "negative"]])
    assert load_dataset(words).label_set == ("negative", "neutral", "positive")


def test_star_ratings_keep_their_names_in_natural_order(tmp_path):
    path = tmp_path / "stars.jsonl"
    ratings = (10, 2, 1, 5, 2, 3, 4, 6, 7, 8, 9)
    path.write_text("".join(json.dumps({"review": f"r{n}", "rating": n}) + "\n" for n in ratings))
    data = load_dataset(path)
    assert data.labels == tuple(str(n) for n in ratings)
    assert data.label_set == tuple(str(n) for n in range(1, 11))  # "2" before "10"


def test_any_names_and_canonical_ones_first():
    mapping, how = interpret_labels(["joy", "anger", "Positive", "neu"])
    assert how == "names" and mapping == {"joy": "joy", "anger": "anger", "positive": "positive", "neu": "neutral"}
    assert sort_labels(mapping.values()) == ("neutral", "positive", "anger", "joy")


def test_five_stars_with_a_label_map_and_an_unmapped_value(tmp_path):
    path = _csv(tmp_path / "amazon.csv", ["id", "content", "stars"],
                [["a", "love", "5"], ["b", "hate", "1"], ["c", "fine", "4.0"], ["d", "so-so", "3"], ["e", "poor", "2"]])
    message = load_error(path, layout=TableLayout(label_map="1=neg,2=neg,4=pos,5=pos", label_column="stars"))
    assert message.startswith(f"{path}:5: field 'stars': label '3' is not in the label map")
    assert "map it too, e.g. '3=LABEL', or remove those rows" in message
    layout, said = _layout(label_map="1=neg,2=neg,3=neutral,4=pos,5=pos", label_column="stars")
    data = load_dataset(path, layout=layout)
    assert data.labels == ("positive", "negative", "positive", "neutral", "negative")
    assert said == [f"{path}: text column 'content', label column 'stars'; "
                    f"labels 1/2=negative, 3=neutral, 4/5=positive"]


@pytest.mark.parametrize("content,expected", [
    ("text,label\na,2\nb,2\n", ":2: field 'label': label '2' is not one of"),      # one unknown label: meaning unknown
    ("text,label\na,0\nb,1\nc,joy\n", ":2: field 'label': labels mix integer codes (0, 1) with names (joy)"),
    ("text,label\na,1\nb,\n", ":3: field 'label' is empty"),
    ("text,label\na,0\nb,1\nc,7\n", ":4: field 'label': label '7' is not one of"),  # a typo, not a 0..7 scale
    ("text,label\na,1\nb,2\nc,4\n", "the integer labels (1, 2, 4) are not a consecutive rating scale"),
])
def test_label_sets_that_cannot_be_read(tmp_path, content, expected):
    path = tmp_path / "r.csv"
    path.write_text(content)
    assert expected in load_error(path)


@pytest.mark.parametrize("text,expected", [
    ("1=neg,2", "entry '2' is not VALUE=LABEL"), ("1=neg,1=pos", "value '1' is mapped twice"), (" , ", "is empty"),
])
def test_malformed_label_maps(text, expected):
    with pytest.raises(UsageError, match=expected):
        parse_label_map(text)


def test_layout_on_aclimdb_data_is_refused(tmp_path):
    (tmp_path / "aclImdb" / "train" / "pos").mkdir(parents=True)
    assert "aclImdb data has no columns or raw labels" in load_error(tmp_path, layout=TableLayout(text_column="review"))


# --- Parquet and `datasets` directories -----------------------------------------------------------------------


def test_parquet_with_three_class_codes(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "train.parquet"
    pq.write_table(pa.table({"id": [7, 8, 9], "Text": ["bad", "ok", "good"], "label": [0, 1, 2]}), path)
    data = load_dataset(path)
    assert data.ids == ("7", "8", "9") and data.texts == ("bad", "ok", "good")
    assert data.labels == ("negative", "neutral", "positive")
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not really")
    assert "not a readable Parquet file" in load_error(broken)


@pytest.fixture
def saved_dict(tmp_path):
    datasets = pytest.importorskip("datasets")
    features = datasets.Features({"text": datasets.Value("string"),
                                  "label": datasets.ClassLabel(names=["neg", "pos"])})
    splits = {
        "train": {"text": ["great", "awful", "fine"], "label": [1, 0, 1]},
        "validation": {"text": ["lovely"], "label": [1]},
        "test": {"text": ["boring", "superb"], "label": [0, 1]},
    }
    path = tmp_path / "imdb_hf"
    datasets.DatasetDict({name: datasets.Dataset.from_dict(rows, features=features)
                          for name, rows in splits.items()}).save_to_disk(str(path))
    return path


def test_saved_dataset_dict_with_split_selection(saved_dict):
    test = load_dataset(saved_dict, "test")
    assert test.ids == ("test/1", "test/2") and test.labels == ("negative", "positive")  # ClassLabel names
    assert load_dataset(saved_dict, "validation").texts == ("lovely",)
    everything = load_dataset(saved_dict, "all")
    assert len(everything) == 6 and everything.ids[0] == "train/1"
    assert split_names(saved_dict) == ("train", "validation", "test") and has_splits(saved_dict)
    message = load_error(saved_dict, split="dev")
    assert message == (f"{saved_dict}: no split 'dev'; it has 'train', 'validation', 'test' (or 'all'); "
                       f"pass --split with one of them")


def test_saved_single_dataset_and_an_unlabelled_split(tmp_path):
    datasets = pytest.importorskip("datasets")
    single = tmp_path / "single"
    datasets.Dataset.from_dict({"sentence": ["nice", "bad"], "sentiment": ["pos", "neg"]}).save_to_disk(str(single))
    data = load_dataset(single, "test")  # no splits: all rows, like a CSV
    assert data.labels == ("positive", "negative") and not has_splits(single)
    assert "unknown split 'validation'; " in load_error(single, split="validation")
    unlabelled = tmp_path / "sst2"
    features = datasets.Features({"sentence": datasets.Value("string"),
                                  "label": datasets.ClassLabel(names=["negative", "positive"])})
    datasets.DatasetDict({"test": datasets.Dataset.from_dict({"sentence": ["a"], "label": [-1]}, features=features)}
                         ).save_to_disk(str(unlabelled))
    assert "row 1: field 'label' is -1, which names none of its classes" in load_error(unlabelled, split="test")


# --- the CLI: the options every data-reading command shares -----------------------------------------------------


@pytest.fixture(scope="module")
def baseline_dir(tfidf_model_dir):
    return tfidf_model_dir


@pytest.fixture
def verdicts(tmp_path):
    return _csv(tmp_path / "verdicts.csv", ["body", "notes", "verdict"],
                [["A wonderful film, great acting, loved it.", "x", "good"],
                 ["Awful and boring. The worst film, a waste.", "y", "bad"],
                 ["Great, great ending and a lovely cast.", "z", "good"]])


def test_evaluate_names_columns_and_maps_labels(baseline_dir, verdicts, tmp_path, capsys):
    output = tmp_path / "evaluation.json"
    code, out, err = run_cli(["evaluate", "--model", baseline_dir, "--data", verdicts, "--text-column", "BODY",
                              "--label-column", "verdict", "--label-map", "good=pos,bad=neg", "--output", output], capsys)
    assert code == 0, err
    assert f"{verdicts}: text column 'body', label column 'verdict'; labels bad=negative, good=positive" in err
    result = json.loads(output.read_text())
    assert result["data"]["n_sampled"] == 3
    assert result["metrics"]["confusion_matrix"]["matrix"] == [[1, 0], [0, 2]]  # the baseline gets all three right

    code, out, err = run_cli(["evaluate", "--model", baseline_dir, "--data", verdicts, "--text-column", "body",
                              "--label-column", "verdict", "--label-map", "good=pos", "--no-baseline"], capsys)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert f"{verdicts}:3: field 'verdict': label 'bad' is not in the label map (good=positive)" in err


def test_test_command_takes_the_layout_options(baseline_dir, verdicts, tmp_path, capsys):
    suite = tmp_path / "suite.yml"
    suite.write_text("tests:\n  defaults: {min_pass_rate: 0.0, min_cases: 1}\n  robustness: {lowercase: {}}\n")
    code, out, err = run_cli(["test", "--model", baseline_dir, "--config", suite, "--data", verdicts, "--out",
                              tmp_path / "run", "--label-map", "good=pos,bad=neg", "--text-column", "body", "--label-column", "verdict"], capsys)
    assert code == 0, err
    assert "label column 'verdict'" in err
    assert json.loads((tmp_path / "run" / "results.json").read_text())["clean"]["n"] == 3


def test_predict_detects_the_text_column(baseline_dir, tmp_path, capsys):
    path = _csv(tmp_path / "in.csv", ["id", "Review"], [["1", "great great film"], ["2", "awful boring waste"]])
    code, out, err = run_cli(["predict", "--model", baseline_dir, "--input", path], capsys)
    assert code == 0, err
    assert [row["predicted_label"] for row in csv.DictReader(out.splitlines())] == ["positive", "negative"]


def test_a_missing_optional_library_names_the_extra(tmp_path, monkeypatch):
    import sys

    path = tmp_path / "r.parquet"
    path.write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)  # import now raises ImportError
    with pytest.raises(UsageError, match=r"reading Parquet files needs the optional 'pyarrow' package; "
                                         r"pip install '\.\[data\]'"):
        load_dataset(path)
