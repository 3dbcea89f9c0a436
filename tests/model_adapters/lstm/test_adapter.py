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
    from robustness.data.datasets import load_dataset, sample_dataset

    model = load_model(tiny_lstm_dir)
    texts = list(sample_dataset(load_dataset(imdb_archive, "test"), 300, seed=2).texts)
    encoded = encode_texts(texts, model.vocab, model.config)
    before = torch.get_num_threads()
    serial = predict_logits(model.network, encoded, 16, workers=1)
    threaded = predict_logits(model.network, encoded, 16, workers=3)
    np.testing.assert_array_equal(serial, threaded)
    assert torch.get_num_threads() == before and not model.network.training

