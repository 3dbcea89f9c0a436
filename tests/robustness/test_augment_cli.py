"""`robustness augment` then `robustness train --augmented`: the standalone retrain path."""

from __future__ import annotations

import json

import pytest

from robustness.cli import main
from robustness.config import DEFAULT_CONFIG, LANGTEST_ARTICLE_CONFIG


def run(args) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    return exit_info.value.code


def test_augment_from_config_then_retrain_keeps_validation_clean(tiny_imdb_archive, tmp_path, capsys):
    out = tmp_path / "aug.csv"
    assert run(["augment", "--config", str(LANGTEST_ARTICLE_CONFIG), "--data", str(tiny_imdb_archive),
                "--out", str(out), "--ratio", "0.2", "--seed", "3"]) == 0
    summary = json.loads((tmp_path / "aug.summary.json").read_text())
    assert summary["n_rows"] > 0 and summary["seed"] == 3 and summary["split_seed"] == 13
    assert run(["train", "--data", str(tiny_imdb_archive), "--preset", "tiny", "--epochs", "1", "--quiet",
                "--augmented", str(out), "--out", str(tmp_path / "model")]) == 0
    metrics = json.loads((tmp_path / "model" / "metrics.json").read_text())
    assert metrics["n_train"] > 300 * 0.9  # the train part plus the augmented rows
    capsys.readouterr()
    # A different split seed would put some augmented source reviews into validation: refused, no model.
    assert run(["train", "--data", str(tiny_imdb_archive), "--preset", "tiny", "--epochs", "1", "--quiet",
                "--augmented", str(out), "--seed", "5", "--out", str(tmp_path / "leaky")]) == 2
    assert "come from validation reviews" in capsys.readouterr().err
    assert not (tmp_path / "leaky" / "weights.safetensors").exists()
    # Fine-tune a model trained without the rows on them, anchored on it, adding the rows' new words to its vocabulary.
    assert run(["train", "--data", str(tiny_imdb_archive), "--preset", "tiny", "--epochs", "1", "--quiet",
                "--out", str(tmp_path / "base")]) == 0
    assert run(["train", "--data", str(tiny_imdb_archive), "--epochs", "1", "--quiet", "--augmented", str(out),
                "--init-from", str(tmp_path / "base"), "--targets", "teacher", "--grow-vocab", "--dir-margin", "1",
                "--out", str(tmp_path / "tuned")]) == 0
    tuned = json.loads((tmp_path / "tuned" / "metrics.json").read_text())
    assert tuned["soft_targets"] and tuned["vocab_grown"] > 0 and tuned["init_from"] == str(tmp_path / "base")
    assert tuned["dir_hinge"] == {"rows": summary["rows_per_test"]["adjective_antonym_swap"], "margin": 1.0,
                                  "anchor": "teacher"} and tuned["dir_hinge"]["rows"] > 0
    capsys.readouterr()
    assert run(["train", "--data", str(tiny_imdb_archive), "--epochs", "1", "--quiet", "--augmented", str(out),
                "--init-from", str(tmp_path / "base"), "--targets", "teacher", "--max-train", "100",
                "--out", str(tmp_path / "small")]) == 0
    assert "come from reviews outside the sample and are left out" in capsys.readouterr().err
    # Rows the base model fails, first.
    assert run(["augment", "--config", str(LANGTEST_ARTICLE_CONFIG), "--data", str(tiny_imdb_archive), "--ratio", "0.2",
                "--out", str(tmp_path / "hard.csv"), "--select", "failures", "--model", str(tmp_path / "base"),
                "--variants", "2"]) == 0
    hard = json.loads((tmp_path / "hard.summary.json").read_text())
    assert hard["select"] == "failures" and hard["variants"] == 2 and hard["n_rows"] >= summary["n_rows"]
    assert set(hard["failing_candidates"]) == set(hard["rows_per_test"])


def test_augment_usage_errors_are_one_line(tmp_path, capsys):
    assert run(["augment", "--out", str(tmp_path / "a.csv")]) == 2
    assert "exactly one of --results" in capsys.readouterr().err
    assert run(["augment", "--config", str(DEFAULT_CONFIG), "--out", str(tmp_path / "a.txt")]) == 2
    assert ".csv or .jsonl" in capsys.readouterr().err
    assert run(["augment", "--results", str(tmp_path / "missing.json"), "--out", str(tmp_path / "a.csv")]) == 2
    assert "missing.json" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
    assert run(["train", "--out", str(tmp_path / "m"), "--grow-vocab"]) == 2
    assert "--grow-vocab needs --init-from MODEL_DIR and --augmented FILE" in capsys.readouterr().err
    assert run(["train", "--out", str(tmp_path / "m"), "--targets", "teacher"]) == 2
    assert "--targets teacher needs --init-from" in capsys.readouterr().err
    assert run(["train", "--out", str(tmp_path / "m"), "--dir-margin", "1"]) == 2
    assert "--dir-margin needs --init-from MODEL_DIR and --augmented FILE" in capsys.readouterr().err
    assert run(["train", "--out", str(tmp_path / "m"), "--dir-anchor", "pair"]) == 2
    assert "--dir-anchor pair needs --dir-margin > 0" in capsys.readouterr().err
    assert run(["train", "--out", str(tmp_path / "m"), "--inv-tolerance", "0.25"]) == 2
    assert "--inv-tolerance needs --augmented FILE" in capsys.readouterr().err
    assert run(["augment", "--config", str(DEFAULT_CONFIG), "--out", str(tmp_path / "a.csv"), "--select", "failures"]) == 2
    assert "--select failures needs --model" in capsys.readouterr().err
    assert run(["augment", "--config", str(DEFAULT_CONFIG), "--out", str(tmp_path / "a.csv"),
                "--failures-for", "uppercase"]) == 2
    assert "--failures-for names the tests that take failure-driven rows; it needs --select failures" in capsys.readouterr().err
    assert run(["augment", "--config", str(DEFAULT_CONFIG), "--out", str(tmp_path / "a.csv"), "--variants", "0"]) == 2
    assert "--variants" in capsys.readouterr().err
    assert run(["augment", "--config", str(DEFAULT_CONFIG), "--out", str(tmp_path / "a.csv"), "--select", "failures",
                "--model", str(tmp_path), "--failures-for", "uppercse"]) == 2
    assert "--failures-for: unknown perturbation 'uppercse'; did you mean 'uppercase'?" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
