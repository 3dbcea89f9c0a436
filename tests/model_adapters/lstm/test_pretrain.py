"""Word2vec pretraining of the embedding: pairs, determinism, learned similarity, and its use in training."""

from __future__ import annotations

import json

import numpy as np
import pytest

from model_adapters.lstm.config import validate_config
from model_adapters.lstm.presets import resolve_config
from model_adapters.lstm.pretrain import _pairs, pretrain_embeddings
from model_adapters.lstm.tokenizer import OOV_ID, PAD_ID
from robustness.errors import ConfigError


def test_pairs_stay_inside_a_review_and_skip_padding_and_unknown_words():
    corpus = np.array([5, 6, 7, 8, OOV_ID, 9, 10, 11, PAD_ID])
    document = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1])
    keep = np.ones(20)
    centers, targets = _pairs(corpus, document, keep, window=2, rng=np.random.default_rng(0))
    first, second = {5, 6, 7, 8}, {9, 10, 11}
    assert len(centers) and len(centers) == len(targets)
    for c, t in zip(centers.tolist(), targets.tolist()):
        assert (c in first and t in first) or (c in second and t in second)
        assert c != t


def test_words_used_alike_end_up_alike_and_runs_are_reproducible():
    # Two word groups that share contexts only within the group: 10/11 after 2, 20/21 after 3.
    rng = np.random.default_rng(1)
    reviews = []
    for _ in range(400):
        a, b = (10, 11) if rng.random() < 0.5 else (20, 21)
        head = 2 if a == 10 else 3
        reviews.append(np.array([head, a, head, b, head, rng.integers(30, 40)]))
    vectors, record = pretrain_embeddings(reviews, 50, 16, epochs=3, window=2, seed=4, learning_rate=0.05)
    again, _ = pretrain_embeddings(reviews, 50, 16, epochs=3, window=2, seed=4, learning_rate=0.05)
    assert vectors.shape == (50, 16) and np.array_equal(vectors, again)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    assert unit[10] @ unit[11] > unit[10] @ unit[20]
    assert record["epochs"] == 3 and len(record["pairs_per_epoch"]) == 3 and np.isfinite(record["final_loss"])


def test_pretraining_is_off_by_default_and_validated():
    assert "pretrain_epochs" not in resolve_config("full").to_dict()  # older artifacts stay byte-identical
    with pytest.raises(ConfigError, match="pretrain_epochs"):
        validate_config(resolve_config("tiny").to_dict() | {"pretrain_epochs": -1})
    with pytest.raises(ConfigError, match="pretrain_window"):
        validate_config(resolve_config("tiny").to_dict() | {"pretrain_window": 0})


def test_training_with_pretraining_records_it_and_starts_from_the_vectors(tmp_path, imdb_archive, one_torch_thread):
    from model_adapters import load_model
    from model_adapters.lstm.training import train_lstm
    from robustness.data import load_dataset, sample_dataset, train_validation_split

    reviews = sample_dataset(load_dataset(imdb_archive, "test"), 240, seed=4)
    train, validation = train_validation_split(reviews, 0.25, seed=5)
    config = resolve_config("tiny", epochs=1, pretrain_epochs=1, pretrain_window=2)
    metrics = train_lstm(train, validation, config, tmp_path, seed=3, progress=False, num_threads=1)
    assert metrics["pretrain"]["epochs"] == 1 and metrics["pretrain"]["pairs_per_epoch"][0] > 0
    assert metrics["timings"]["pretrain_s"] > 0
    saved = json.loads((tmp_path / "config.json").read_text())
    assert saved["pretrain_epochs"] == 1
    model = load_model(tmp_path)
    assert model.predict_proba(["a fine film"]).shape == (1, 2)
    assert float(model.network.embedding.weight[PAD_ID].detach().abs().sum()) == 0.0
