"""Model comparison on tiny real data: a tiny real LSTM and real TF-IDF baselines, the same cases for all."""

from __future__ import annotations

import json

import pytest

from robustness.cli.app import main
from robustness.compare.run import NamedModel, compare_models, write_comparison
from robustness.data.datasets import load_dataset
from robustness.models.baseline import train_tfidf_baseline

# Tiny LSTMs run on one torch thread here (see the fixture in tests/conftest.py).
pytestmark = pytest.mark.usefixtures("one_torch_thread")


SUITE = {"tests": {"defaults": {"min_pass_rate": 0.6, "min_cases": 5},
                   "robustness": {"uppercase": {}, "add_typo": {}, "adjective_antonym_swap": {}}},
         "harness": {"seed": 3, "sample": 40}}


@pytest.fixture(scope="module")
def tiny_data(tiny_imdb_archive):
    return load_dataset(tiny_imdb_archive, "train"), load_dataset(tiny_imdb_archive, "test")


@pytest.fixture(scope="module")
def comparison(tiny_data, tiny_lstm_dir):
    from model_adapters import load_model

    train, test = tiny_data
    models = [NamedModel("lstm", load_model(tiny_lstm_dir), str(tiny_lstm_dir)),
              NamedModel("logreg", train_tfidf_baseline(train, kind="logreg")),
              NamedModel("nbsvm", train_tfidf_baseline(train, kind="nbsvm"))]
    return compare_models(models, test, SUITE, seed=5, sample=30, examples_per_model=2)


def test_every_model_sees_the_same_cases(comparison):
    assert comparison["case_ids_match"] and comparison["n_cases"] == 3 * 30
    assert comparison["seed"] == 5 and comparison["sample"] == 30
    for model in comparison["models"]:
        assert [t["name"] for t in model["tests"]] == comparison["tests"]
        applicable = {t["name"]: t["n_applicable"] for t in model["tests"]}
        assert applicable == {t["name"]: t["n_applicable"] for t in comparison["models"][0]["tests"]}
        assert model["clean"]["n"] == 30 and model["clean"]["accuracy"] == model["suite_clean"]["accuracy"]
        assert model["inference_reviews_per_s"] > 0 and model["parameters"] > 0


def test_mcnemar_table_has_one_entry_per_pair_and_per_test(comparison):
    pairs = comparison["pairwise"]
    assert [(p["a"], p["b"]) for p in pairs] == [("lstm", "logreg"), ("lstm", "nbsvm"), ("logreg", "nbsvm")]
    for pair in pairs:
        assert set(pair["tests"]) == set(comparison["tests"])
        assert 0.0 <= pair["clean"]["p"] <= 1.0 and pair["clean"]["n"] == 30
        total = sum(t["n_shared"] for t in pair["tests"].values())
        assert total == pair["robustness"]["n_shared"] == sum(t["n_applicable"] for t in comparison["models"][0]["tests"])
        assert pair["clean"]["a_only_right"] + pair["clean"]["b_only_right"] <= 30


def test_lstm_history_and_explained_failures(comparison, tiny_lstm_dir):
    lstm = comparison["models"][0]
    metrics = json.loads((tiny_lstm_dir / "metrics.json").read_text())
    assert lstm["history"] == metrics["history"] and lstm["training_seconds"] == metrics["timings"]["total_s"]
    for model in comparison["models"]:
        for failure in model["failures"]:
            words = failure["explanation"]["original"]["words"]
            assert words and all(failure["original"][w["start"]:w["end"]] == w["word"] for w in words)
            assert failure["explanation"]["original"]["label"] == failure["explanation"]["perturbed"]["label"]


def test_write_comparison_writes_json_html_markdown(comparison, tmp_path):
    written = write_comparison(comparison, tmp_path / "cmp")
    payload = json.loads(written["json"].read_text())
    assert payload["schema_version"] == 1 and payload["kind"] == "model_comparison"
    html = written["html"].read_text()
    assert "<svg" in html and "lstm" in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "| lstm |" in written["markdown"].read_text()


def test_cli_compare_end_to_end(tmp_path, tiny_imdb_archive, tiny_lstm_dir, tiny_data, capsys):
    from model_adapters.sklearn_adapter import save_tfidf_model

    baseline_dir = save_tfidf_model(train_tfidf_baseline(tiny_data[0]), tmp_path / "tfidf")
    config = tmp_path / "suite.json"
    config.write_text(json.dumps(SUITE))
    with pytest.raises(SystemExit) as exit_info:
        main(["compare", "--models", str(tiny_lstm_dir), "--models", str(baseline_dir), "--config", str(config),
              "--data", str(tiny_imdb_archive), "--out", str(tmp_path / "out"), "--sample", "20", "--examples", "1"])
    assert exit_info.value.code == 0
    payload = json.loads((tmp_path / "out" / "compare.json").read_text())
    assert [m["name"] for m in payload["models"]] == [tiny_lstm_dir.name, "tfidf"]
    assert (tmp_path / "out" / "compare.html").is_file() and "shared cases" in capsys.readouterr().out


@pytest.mark.parametrize("args, fragment", [
    (["--models", "{lstm}"], "at least two models"),
    (["--models", "{lstm}", "{missing}"], "does not exist"),
    (["--models", "{lstm}", "{lstm}", "--config", "{missing}"], "config file"),
    (["--models", "{lstm}", "{file}"], "not a directory"),
])
def test_cli_bad_inputs_exit_2_with_one_line(args, fragment, tmp_path, tiny_lstm_dir, tiny_imdb_archive, capsys):
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    values = {"lstm": str(tiny_lstm_dir), "missing": str(tmp_path / "nope"), "file": str(a_file)}
    argv = ["compare", *[a.format(**values) for a in args], "--data", str(tiny_imdb_archive),
            "--out", str(tmp_path / "out"), "--sample", "10"]
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    err = capsys.readouterr().err.strip()
    assert exit_info.value.code == 2 and "\n" not in err and fragment in err
    assert not (tmp_path / "out" / "compare.json").exists()


def test_attention_models_add_their_weights_to_explained_failures(tmp_path, tiny_data, tiny_lstm_dir):
    from model_adapters import load_model
    from model_adapters.lstm.presets import resolve_config
    from model_adapters.lstm.training import train_lstm
    from robustness.data.datasets import train_validation_split

    train, validation = train_validation_split(tiny_data[0], 0.2, seed=1)
    config = resolve_config("attention_bilstm", embedding_dim=16, hidden_size=8, num_layers=1, head_layers=[8],
                            vocab_size=2000, max_tokens=60, head_tokens=60, epochs=1, packed=False)
    train_lstm(train, validation, config, tmp_path / "att", seed=2, progress=False, num_threads=1)
    models = [NamedModel("att", load_model(tmp_path / "att")), NamedModel("lstm", load_model(tiny_lstm_dir))]
    comparison = compare_models(models, tiny_data[1], SUITE, seed=5, sample=15, examples_per_model=3)
    attention_failures = comparison["models"][0]["failures"]
    assert attention_failures, "a one-epoch model fails the antonym DIR test somewhere"
    for failure in attention_failures:
        tokens = failure["attention"]["original"]
        assert 0 < len(tokens) <= 8 and tokens == sorted(tokens, key=lambda tw: -tw[1])
    assert all("attention" not in f for f in comparison["models"][1]["failures"])
