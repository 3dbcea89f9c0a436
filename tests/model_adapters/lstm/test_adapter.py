"""The adapter: input order preserved across mixed lengths; a review's output never depends on its batch."""

import numpy as np

from model_adapters import load_model
from model_adapters.protocol import SentimentModel, checked_proba


def test_predict_proba_keeps_input_order_with_mixed_lengths(tiny_lstm_dir):
    model = load_model(tiny_lstm_dir)
    texts = ["Great!", "This was a truly awful film, boring and long. " * 30, "", "meh", "Loved every minute of it. " * 3,
             "Great!", "not good"]
    together = model.predict_proba(texts)
    alone = np.vstack([model.predict_proba([t]) for t in texts])
    np.testing.assert_allclose(together, alone, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(together[0], together[5])
    assert isinstance(model, SentimentModel)
    assert checked_proba(model, texts).shape == (7, 2)
    assert model.predict(texts) == [model.labels[i] for i in together.argmax(axis=1)]


def test_empty_input_and_info(tiny_lstm_dir):
    model = load_model(tiny_lstm_dir)
    assert model.predict_proba([]).shape == (0, 2)
    assert model.info["preset"] == "tiny" and model.info["parameters"] > 0


def test_batches_in_worker_threads_give_the_same_logits_and_leave_torch_threads_alone(tiny_lstm_dir, imdb_archive):
    import torch

    from model_adapters.lstm.batching import encode_texts, predict_logits
    from robustness.data import load_dataset, sample_dataset

    model = load_model(tiny_lstm_dir)
    texts = list(sample_dataset(load_dataset(imdb_archive, "test"), 300, seed=2).texts)
    encoded = encode_texts(texts, model.vocab, model.config)
    before = torch.get_num_threads()
    serial = predict_logits(model.network, encoded, 16, workers=1)
    threaded = predict_logits(model.network, encoded, 16, workers=3)
    np.testing.assert_array_equal(serial, threaded)
    assert torch.get_num_threads() == before and not model.network.training


def test_pipelined_prediction_matches_one_pass_and_restores_the_switch_interval(tiny_lstm_dir, imdb_archive, monkeypatch):
    import sys

    import torch

    import model_adapters.lstm.adapter as adapter_module
    from robustness.data import load_dataset, sample_dataset

    model = load_model(tiny_lstm_dir)
    texts = list(sample_dataset(load_dataset(imdb_archive, "test"), 300, seed=3).texts)
    one_pass = model.predict_proba(texts)
    monkeypatch.setattr(adapter_module, "PIPELINE_CHUNK", 64)
    interval = sys.getswitchinterval()
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        pipelined = model.predict_proba(texts)
    finally:
        torch.set_num_threads(previous_threads)
    np.testing.assert_allclose(pipelined, one_pass, rtol=1e-5, atol=1e-6)
    assert (pipelined.argmax(1) == one_pass.argmax(1)).all() and sys.getswitchinterval() == interval
