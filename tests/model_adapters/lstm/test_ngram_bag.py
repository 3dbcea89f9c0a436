"""The optional n-gram bag beside the LSTM: ids, padding, validation and a save/load round trip."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from model_adapters.lstm.config import validate_config
from model_adapters.lstm.network import LSTMClassifier
from model_adapters.lstm.presets import resolve_config
from model_adapters.lstm.tokenizer import PAD_ID
from robustness.errors import ConfigError


def small(**changes):
    return resolve_config("tiny", vocab_size=50, ngram_buckets=1000, ngram_dim=8, **changes)


def test_unigrams_keep_their_ids_and_bigrams_are_hashed_above_the_vocabulary():
    network = LSTMClassifier(small())
    ids = torch.tensor([[5, 7, 9]])
    grams = network.ngram_ids(ids)[0].tolist()
    assert grams[:3] == [5, 7, 9]
    assert all(50 <= g < 1000 for g in grams[3:]) and len(grams) == 5
    assert network.ngram_ids(torch.tensor([[7, 5, 9]]))[0, 3:].tolist() != grams[3:]  # order matters


def test_ngrams_touching_padding_are_ignored():
    network = LSTMClassifier(small()).eval()
    grams = network.ngram_ids(torch.tensor([[5, 7, PAD_ID, PAD_ID]]))[0].tolist()
    assert grams == [5, 7, PAD_ID, PAD_ID, grams[4], PAD_ID, PAD_ID]
    bag = network.ngram_bag
    padded = bag(network.ngram_ids(torch.tensor([[5, 7, PAD_ID]])))
    unpadded = bag(network.ngram_ids(torch.tensor([[5, 7]])))
    assert torch.allclose(padded, unpadded)


def test_bag_must_be_off_or_larger_than_the_vocabulary():
    with pytest.raises(ConfigError, match="ngram_buckets"):
        validate_config(small().to_dict() | {"ngram_buckets": 40})
    assert "ngram_buckets" not in resolve_config("tiny").to_dict()  # off: older artifacts stay byte-identical


def test_a_model_with_the_bag_trains_saves_and_reloads(tmp_path, imdb_archive):
    from model_adapters import load_model
    from model_adapters.lstm.training import train_lstm
    from robustness.data import load_dataset, sample_dataset, train_validation_split

    reviews = sample_dataset(load_dataset(imdb_archive, "test"), 240, seed=4)
    train, validation = train_validation_split(reviews, 0.25, seed=5)
    train_lstm(train, validation, small(epochs=1), tmp_path, seed=3, progress=False, num_threads=1)
    model = load_model(tmp_path)
    texts = ["a wonderful, moving film", "dull and far too long", "ok"]
    first = model.predict_proba(texts)
    assert first.shape == (3, 2) and np.allclose(first.sum(axis=1), 1.0)
    assert np.array_equal(first, load_model(tmp_path).predict_proba(texts))
    from robustness.errors import UsageError

    with pytest.raises(UsageError, match="n-gram bag would re-hash its bigrams"):  # refused before anything is written
        train_lstm(train, validation, small(epochs=1), tmp_path / "grown", init_from=tmp_path,
                   grow_vocab_rows=np.ones(len(train), bool), progress=False, num_threads=1)
    assert not (tmp_path / "grown").exists()
