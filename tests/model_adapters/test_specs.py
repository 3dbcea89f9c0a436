"""load_model_spec: every kind of spec opens the right adapter, says what it is without secrets, and fingerprints it;
every bad spec is one line naming the spec and the fix."""

from __future__ import annotations

import json
import shutil
import sys

import numpy as np
import pytest

from model_adapters import load_model, load_model_spec
from model_adapters.errors import ModelError, RobustnessError, UsageError
from model_adapters.specs import hash_files

MODULE = '''
import numpy as np

def proba(texts):
    return np.array([[0.2, 0.8] if "good" in t else [0.7, 0.3] for t in texts])

class Scorer:
    labels = ("NEG", "POS")

    def predict_proba(self, texts):
        return proba(texts)

scorer = Scorer()
'''


@pytest.fixture(scope="module")
def tfidf_dir(tfidf_model_dir):
    return tfidf_model_dir


@pytest.fixture
def user_module(tmp_path, monkeypatch, request):
    """A real module file in the current directory, as a user would have it; named per test (imports are cached)."""
    name = f"user_model_{request.node.name.replace('[', '_').replace(']', '').replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(MODULE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    yield name
    sys.modules.pop(name, None)


def test_directory_specs_open_as_before_and_hash_their_files(tfidf_dir, tmp_path):
    resolved = load_model_spec(tfidf_dir)
    assert resolved.kind == "tfidf" and resolved.spec == str(tfidf_dir)
    assert len(resolved.fingerprint["sha256"]) == 64
    assert type(load_model(tfidf_dir)) is type(resolved.model)
    copy = shutil.copytree(tfidf_dir, tmp_path / "copy")
    assert load_model_spec(copy).fingerprint == resolved.fingerprint  # the files, not where they are
    manifest = copy / "tfidf_model.json"
    manifest.write_text(manifest.read_text().replace('"name"', '"name" ', 1))
    assert load_model_spec(copy).fingerprint != resolved.fingerprint


def test_an_lstm_fingerprint_covers_what_decides_predictions_not_how_training_went(tiny_lstm_dir, tmp_path):
    """The same weights resumed after a kill write another metrics.json: one model, one fingerprint."""
    from model_adapters.lstm import artifact
    from model_adapters.specs import LSTM_PREDICTION_FILES

    assert set(LSTM_PREDICTION_FILES) == {artifact.WEIGHTS_FILE, artifact.CONFIG_FILE, artifact.VOCAB_FILE}
    resolved = load_model_spec(tiny_lstm_dir)
    copy = shutil.copytree(tiny_lstm_dir, tmp_path / "copy")
    metrics = copy / artifact.METRICS_FILE
    metrics.write_text(metrics.read_text().replace('"timings": {', '"timings": {"resumed": true, ', 1))
    (copy / "epochs" / "1").mkdir(parents=True)
    (copy / "epochs" / "1" / "weights.safetensors").write_bytes(b"an earlier epoch")
    assert load_model_spec(copy).fingerprint == resolved.fingerprint
    for name in LSTM_PREDICTION_FILES:  # each of these does decide the predictions
        changed = shutil.copytree(tiny_lstm_dir, tmp_path / f"changed_{name}")
        (changed / name).write_bytes((changed / name).read_bytes() + b" ")
        assert hash_files([changed], LSTM_PREDICTION_FILES) != resolved.fingerprint["sha256"]


def test_a_transformers_directory_is_recognised_by_its_config(tiny_hf_dir):
    resolved = load_model_spec(tiny_hf_dir)
    assert resolved.kind == "hf" and resolved.model.labels == ("negative", "positive")
    assert resolved.record()["fingerprint"]["labels"] == ["negative", "positive"]
    assert type(load_model(tiny_hf_dir)).__name__ == "TransformersModel"


def test_py_spec_callable_needs_labels_and_object_brings_its_own(user_module):
    with pytest.raises(ModelError, match=rf"py:{user_module}:proba: .*pass --labels"):
        load_model_spec(f"py:{user_module}:proba")
    resolved = load_model_spec(f"py:{user_module}:proba", labels=("neg", "pos"))
    assert resolved.kind == "py" and resolved.model.labels == ("negative", "positive")
    assert resolved.model.predict(["good", "meh"]) == ["positive", "negative"]
    assert len(resolved.fingerprint["sha256"]) == 64
    scorer = load_model_spec(f"py:{user_module}:scorer").model
    assert scorer.labels == ("negative", "positive")
    np.testing.assert_allclose(scorer.predict_proba(["good"]), [[0.2, 0.8]])


@pytest.mark.parametrize("spec, fragment", [
    ("py:no_such_module_xyz:f", "cannot import module 'no_such_module_xyz'"),
    ("py:json", "expected py:module:attr"),
    ("py:json:no_such_attr", "has no attribute 'no_such_attr'"),
    ("py:json.decoder:JSONDecodeError.nope", "has no attribute 'nope'"),
])
def test_py_specs_that_do_not_import_are_one_line(spec, fragment):
    with pytest.raises(ModelError, match=fragment) as info:
        load_model_spec(spec)
    assert spec in str(info.value) and "\n" not in str(info.value)


def test_py_module_that_raises_while_importing(tmp_path, monkeypatch):
    (tmp_path / "broken_user_model.py").write_text("raise RuntimeError('no GPU here')\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ModelError, match="importing 'broken_user_model' raised RuntimeError: no GPU here"):
        load_model_spec("py:broken_user_model:f")


def test_labels_override_must_match_the_column_count(user_module):
    with pytest.raises(ModelError, match="--labels names 3 labels"):
        load_model_spec(f"py:{user_module}:scorer", labels=("a", "b", "c"))
    assert load_model_spec(f"py:{user_module}:scorer", labels=("bad", "good")).model.labels == ("bad", "good")


@pytest.mark.parametrize("make, fragment", [
    (lambda tmp: tmp / "missing", "does not exist; pass a model directory, hf:NAME_OR_DIR"),
    (lambda tmp: _file(tmp / "model.skops"), "pass skops:"),
    (lambda tmp: _file(tmp / "model.pkl"), "a pickle is never loaded"),
    (lambda tmp: _file(tmp / "weights.bin"), "not a directory"),
])
def test_bad_paths_are_usage_errors(tmp_path, make, fragment):
    with pytest.raises(UsageError, match=fragment):
        load_model_spec(make(tmp_path))


def test_labels_do_not_apply_to_our_own_artifacts(tfidf_dir):
    with pytest.raises(UsageError, match="drop --labels"):
        load_model_spec(tfidf_dir, labels=("a", "b"))


def test_http_record_holds_no_secret(serve_model, monkeypatch):
    from model_adapters.callable_adapter import CallableModel
    from model_adapters.http_adapter import HttpOptions

    monkeypatch.setenv("SPEC_TEST_TOKEN", "s3cret-token-value")
    url = serve_model(CallableModel(lambda texts: [[0.5, 0.5]] * len(texts)), token="s3cret-token-value")
    with pytest.raises(ModelError, match="credentials in the URL are not sent") as info:
        load_model_spec(url.replace("http://", "http://user:pw@"), http=HttpOptions(token_env="SPEC_TEST_TOKEN"))
    assert "pw" not in str(info.value)
    resolved = load_model_spec(url + "?api_key=abc", http=HttpOptions(token_env="SPEC_TEST_TOKEN"))
    shown = json.dumps(resolved.record()) + repr(resolved.model) + str(resolved.model.info)
    for secret in ("s3cret", "pw@", "abc"):
        assert secret not in shown
    assert resolved.record()["fingerprint"] == {"url": resolved.spec, "labels": ["negative", "positive"]}
    assert resolved.spec.endswith("/?api_key=***")


def test_every_spec_error_is_a_robustness_error_with_exit_2(tmp_path):
    for spec in ("hf:" + str(tmp_path), "skops:" + str(tmp_path / "x.skops"), "py:nope_mod_q:f", str(tmp_path / "x")):
        with pytest.raises(RobustnessError) as info:
            load_model_spec(spec)
        assert info.value.exit_code == 2


def _file(path):
    path.write_bytes(b"not a model")
    return path
