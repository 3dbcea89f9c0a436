"""The bf16 fast path: every config variant gives each review (padded among longer ones) the fp32 reference's logits
within bf16 rounding, its answers agree with the reference's, and it is opened through --precision everywhere a
model is, recorded in the fingerprint."""

import gzip
import json

import numpy as np
import pytest
import torch

from model_adapters.errors import UsageError
from model_adapters.lstm.config import LSTMConfig
from model_adapters.lstm.fast_inference import FastLSTM, padded_batches
from model_adapters.lstm.network import LSTMClassifier

VARIANTS = [
    {"bidirectional": True, "pooling": "max_mean"},  # the shipped presets' shape
    {"bidirectional": True, "pooling": "max"},
    {"bidirectional": True, "pooling": "mean", "head_layers": (16,)},
    {"bidirectional": True, "pooling": "last"},
    {"bidirectional": False, "pooling": "last"},
    {"bidirectional": False, "pooling": "max_mean"},
    {"bidirectional": True, "pooling": "attention"},
    {"bidirectional": True, "pooling": "max_mean", "num_layers": 2},
]


def _network(**changes) -> LSTMClassifier:
    torch.manual_seed(3)
    config = LSTMConfig(vocab_size=300, embedding_dim=24, hidden_size=16, init="keras", **changes)
    return LSTMClassifier(config).eval()  # random weights: bf16 rounding stays ~0.5% of the logits' spread


def _reviews(n: int = 40) -> list[np.ndarray]:
    rng = np.random.default_rng(8)
    return [rng.integers(2, 300, size=length).astype(np.int32) for length in rng.integers(1, 60, size=n)]


def _reference(network: LSTMClassifier, encoded) -> np.ndarray:
    with torch.inference_mode():
        return torch.cat([network(torch.from_numpy(e[None].astype(np.int64))) for e in encoded]).numpy()


def _fast(network: LSTMClassifier, encoded, batch_size: int = 16) -> np.ndarray:
    fast, out = FastLSTM(network), np.zeros((len(encoded), 2), dtype=np.float32)
    with torch.inference_mode():
        for indices, ids, lengths in padded_batches(encoded, batch_size):
            out[indices] = fast.logits(ids, lengths).numpy()
    return out


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: "-".join(f"{k}={v[k]}" for k in v))
def test_padded_bf16_batches_give_each_review_its_fp32_logits_within_rounding(variant):
    network, encoded = _network(**variant), _reviews()
    reference, fast = _reference(network, encoded), _fast(network, encoded)
    spread = np.ptp(reference[:, 1] - reference[:, 0])
    assert spread > 0.01  # the reviews' logits differ by far more than the tolerance below
    np.testing.assert_allclose(fast, reference, rtol=0, atol=0.02 * spread)
    decided = np.abs(reference[:, 1] - reference[:, 0]) > 0.05 * spread  # not on the boundary
    assert (fast.argmax(1) == reference.argmax(1))[decided].all()


@pytest.mark.parametrize("variant", VARIANTS[:1] + VARIANTS[6:], ids=["max_mean", "attention", "two_layers"])
def test_a_review_padded_among_longer_ones_gets_what_it_gets_alone(variant):
    network, encoded = _network(**variant), _reviews(12)
    together = _fast(network, encoded, batch_size=12)
    alone = np.concatenate([_fast(network, [e]) for e in encoded])
    np.testing.assert_allclose(together, alone, atol=1e-4)


def test_the_adapter_at_bf16_agrees_with_fp32_and_says_its_precision(tiny_lstm_dir, imdb_archive):
    from model_adapters.lstm.adapter import load_lstm_model
    from robustness.data.datasets import load_dataset, sample_dataset

    texts = list(sample_dataset(load_dataset(imdb_archive, "test"), 200, seed=4).texts)
    reference, fast = load_lstm_model(tiny_lstm_dir), load_lstm_model(tiny_lstm_dir, precision="bf16")
    assert (reference.info["precision"], fast.info["precision"]) == ("fp32", "bf16")
    p_reference, p_fast = reference.predict_proba(texts), fast.predict_proba(texts)
    assert np.abs(p_fast - p_reference).max() < 0.02
    assert (p_fast.argmax(1) == p_reference.argmax(1)).mean() >= 0.995
    np.testing.assert_array_equal(fast.predict_proba(texts), p_fast)  # deterministic
    with pytest.raises(UsageError, match="precision 'fp16' is not one of fp32, bf16"):
        load_lstm_model(tiny_lstm_dir, precision="fp16")


def test_precision_is_in_the_fingerprint_and_refused_where_it_does_not_apply(tiny_lstm_dir, tfidf_model_dir):
    from model_adapters.specs import load_model_spec

    assert "precision" not in load_model_spec(str(tiny_lstm_dir)).fingerprint  # fp32 fingerprints as before
    fast = load_model_spec(str(tiny_lstm_dir), precision="bf16")
    assert fast.fingerprint["precision"] == "bf16" and fast.model.precision == "bf16"
    with pytest.raises(UsageError, match=r"--precision bf16 applies to LSTM model directories; .* holds a tfidf"):
        load_model_spec(str(tfidf_model_dir), precision="bf16")
    with pytest.raises(UsageError, match="--precision bf16 applies to LSTM model directories; py:json:dumps"):
        load_model_spec("py:json:dumps", precision="bf16")


def test_robustness_test_at_bf16_is_recorded_close_to_fp32_and_the_same_in_worker_processes(
        tiny_lstm_dir, imdb_archive, tmp_path, capsys):
    from tests.robustness.helpers import run_cli

    suite = tmp_path / "suite.yml"
    suite.write_text("tests:\n  defaults: {min_pass_rate: 0.5, min_cases: 5}\n  robustness:\n"
                     "    add_typo: {}\n    uppercase: {}\n    adjective_antonym_swap: {}\nharness: {seed: 3}\n")
    runs = {}
    for name, extra in (("fp32", []), ("bf16", ["--precision", "bf16"]),
                        ("bf16_workers", ["--precision", "bf16", "--workers", "2"])):
        code, _, err = run_cli(["test", "--model", tiny_lstm_dir, "--data", imdb_archive, "--config", suite,
                                "--sample", 300, "--out", tmp_path / name, "--no-progress", "--no-history", *extra],
                               capsys)
        assert code in (0, 1), err
        runs[name] = json.loads((tmp_path / name / "results.json").read_text())
    fp32, bf16, workers = runs["fp32"], runs["bf16"], runs["bf16_workers"]
    assert bf16["model"]["fingerprint"]["precision"] == "bf16" and "precision" not in fp32["model"]["fingerprint"]
    for a, b in zip(fp32["tests"], bf16["tests"]):
        assert a["name"] == b["name"] and abs(a["pass_rate"] - b["pass_rate"]) <= 0.02
    assert ({k: v for k, v in workers.items() if k not in ("timings", "created_at")}
            == {k: v for k, v in bf16.items() if k not in ("timings", "created_at")})
    assert (gzip.decompress((tmp_path / "bf16_workers" / "cases.jsonl.gz").read_bytes())
            == gzip.decompress((tmp_path / "bf16" / "cases.jsonl.gz").read_bytes()))


def test_history_tells_a_bf16_run_from_an_fp32_one_and_harden_refuses_a_precision(tiny_lstm_dir, tmp_path, capsys):
    from model_adapters.specs import load_model_spec
    from robustness.history.record import model_identity
    from tests.robustness.helpers import assert_user_error, run_cli

    fp32, bf16 = (load_model_spec(str(tiny_lstm_dir), precision=p).record() for p in ("fp32", "bf16"))
    assert model_identity(bf16) == model_identity(fp32) + "@bf16"
    with pytest.raises(UsageError, match="--precision 'fp16' is not one of fp32, bf16"):
        load_model_spec("py:json:dumps", precision="fp16")
    hardened = tmp_path / "hardened"
    assert run_cli(["harden", "--model", tiny_lstm_dir, "--out", hardened], capsys)[0] == 0
    normalized = load_model_spec(str(hardened), precision="bf16")
    assert normalized.fingerprint["precision"] == "bf16" and normalized.model.inner.precision == "bf16"
    assert model_identity(normalized.record()).endswith("@bf16")
    assert_user_error(run_cli(["harden", "--model", tiny_lstm_dir, "--precision", "bf16", "--out", tmp_path / "h2"],
                              capsys), "--precision bf16 applies when a model predicts")
    assert not (tmp_path / "h2").exists()
