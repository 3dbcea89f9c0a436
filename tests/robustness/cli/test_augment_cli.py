"""`robustness augment` then `robustness train --augmented`: the standalone retrain path, settings from the loop
config's schema (--config, --set section.field=value)."""

from __future__ import annotations

import json

import pytest

from robustness.cli.app import main
from robustness.suite.config import LANGTEST_ARTICLE_CONFIG


def run(args) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    return exit_info.value.code


def test_augment_from_config_then_retrain_keeps_validation_clean(tiny_imdb_archive, tmp_path, capsys):
    out = tmp_path / "aug.csv"
    suite = ["--set", f"suite.config={LANGTEST_ARTICLE_CONFIG}"]
    assert run(["augment", *suite, "--data", str(tiny_imdb_archive), "--out", str(out),
                "--set", "augment.ratio=0.2", "--set", "augment.seed=3"]) == 0
    summary = json.loads((tmp_path / "aug.summary.json").read_text())
    assert summary["n_rows"] > 0 and summary["seed"] == 3 and summary["split_seed"] == 13
    assert summary["dir_policy"] == "directed" and summary["suite_config"] == str(LANGTEST_ARTICLE_CONFIG)
    gold = ["--set", "retrain.mode=scratch", "--set", "retrain.targets=gold"]
    assert run(["train", "--data", str(tiny_imdb_archive), "--preset", "tiny", "--epochs", "1", "--no-progress",
                "--augmented", str(out), *gold, "--out", str(tmp_path / "model")]) == 0
    metrics = json.loads((tmp_path / "model" / "metrics.json").read_text())
    assert metrics["n_train"] > 300 * 0.9 and not metrics["soft_targets"]  # the train part plus the augmented rows
    capsys.readouterr()
    # A different split seed would put some augmented source reviews into validation: refused, no model.
    assert run(["train", "--data", str(tiny_imdb_archive), "--preset", "tiny", "--epochs", "1", "--no-progress",
                "--augmented", str(out), *gold, "--seed", "5", "--out", str(tmp_path / "leaky")]) == 2
    assert "come from validation reviews" in capsys.readouterr().err
    assert not (tmp_path / "leaky" / "weights.safetensors").exists()
    # The retrain section's defaults: fine-tune the model before, anchored on it, its vocabulary grown by the rows.
    assert run(["train", "--data", str(tiny_imdb_archive), "--preset", "tiny", "--epochs", "1", "--no-progress",
                "--out", str(tmp_path / "base")]) == 0
    assert run(["train", "--data", str(tiny_imdb_archive), "--epochs", "1", "--no-progress", "--augmented", str(out),
                "--init-from", str(tmp_path / "base"), "--set", "retrain.dir_margin=1", "--out", str(tmp_path / "tuned")]) == 0
    tuned = json.loads((tmp_path / "tuned" / "metrics.json").read_text())
    assert tuned["soft_targets"] and tuned["vocab_grown"] > 0 and tuned["init_from"] == str(tmp_path / "base")
    assert tuned["dir_hinge"] == {"rows": summary["rows_per_test"]["adjective_antonym_swap"], "margin": 1.0}
    assert tuned["dir_hinge"]["rows"] > 0
    assert tuned["preset"] == "tiny" and tuned["config"]["epochs"] == 1  # the base model's config; --epochs: retrain.epochs
    assert tuned["config"]["learning_rate"] == pytest.approx(1e-2 / 3)  # a third of its learning rate
    capsys.readouterr()
    assert run(["train", "--data", str(tiny_imdb_archive), "--epochs", "1", "--no-progress", "--augmented", str(out),
                "--init-from", str(tmp_path / "base"), "--set", "data.max_train=100", "--out", str(tmp_path / "small")]) == 0
    assert "come from reviews outside the sample and are left out" in capsys.readouterr().err
    # Rows the base model fails, first.
    assert run(["augment", *suite, "--data", str(tiny_imdb_archive), "--set", "augment.ratio=0.2",
                "--out", str(tmp_path / "hard.csv"), "--set", "augment.select=failures", "--model", str(tmp_path / "base"),
                "--set", "augment.variants=2"]) == 0
    hard = json.loads((tmp_path / "hard.summary.json").read_text())
    assert hard["select"] == "failures" and hard["variants"] == 2 and hard["n_rows"] >= summary["n_rows"]
    assert set(hard["failing_candidates"]) == set(hard["rows_per_test"])


def test_augment_and_train_usage_errors_are_one_line(tmp_path, capsys):
    def error_of(args) -> str:
        assert run(args) == 2
        err = capsys.readouterr().err
        assert err.strip().count("\n") == 0, err
        return err

    out = ["--out", str(tmp_path / "a.csv")]
    assert "not a shipped config name" in error_of(["augment", "--config", "no_such_loop", *out])
    assert ".csv or .jsonl" in error_of(["augment", "--out", str(tmp_path / "a.txt")])
    assert "missing.json" in error_of(["augment", "--results", str(tmp_path / "missing.json"), *out])
    assert "augment.select failures needs --model" in error_of(["augment", *out, "--set", "augment.select=failures"])
    assert ("failures_for names the tests that take failure-driven rows; it needs select: failures"
            in error_of(["augment", *out, "--set", "augment.failures_for=[uppercase]"]))
    assert "augment.variants" in error_of(["augment", *out, "--set", "augment.variants=0"])
    assert "augment.dir_policy" in error_of(["augment", *out, "--set", "augment.dir_policy=flip"])  # retired
    assert "augment.include_passing: unknown key" in error_of(["augment", *out, "--set", "augment.include_passing=true"])
    assert "did you mean 'uppercase'?" in error_of(["augment", *out, "--set", "augment.select=failures",
                                                    "--model", str(tmp_path), "--set", "augment.failures_for=[uppercse]"])
    model = ["train", "--out", str(tmp_path / "m")]
    assert "--augmented without --init-from" in error_of([*model, "--augmented", str(tmp_path / "a.csv")])
    assert "retrain.grow_vocab" in error_of([*model, "--set", "retrain.grow_vocab=maybe"])
    assert "retrain.keep_epoch: unknown key" in error_of([*model, "--set", "retrain.keep_epoch=last"])  # retired
    assert not list(tmp_path.iterdir())
