"""Co-occurrence pretraining of the embedding: counts, determinism, learned similarity, and its use in training."""

from __future__ import annotations

import json

import numpy as np
import pytest

from model_adapters.lstm.config import validate_config
from model_adapters.lstm.presets import resolve_config
from model_adapters.lstm.pretrain import cooccurrence_counts, cooccurrence_vectors
from model_adapters.lstm.tokenizer import OOV_ID, PAD_ID
from robustness.errors import ConfigError, DataError


def test_counts_stay_inside_a_review_weight_by_distance_and_skip_padding_and_unknown_words():
    reviews = [np.array([5, 6, 7, OOV_ID, 8]), np.array([9, 5, PAD_ID])]
    counts = cooccurrence_counts(reviews, 12, window=2).toarray()
    assert np.array_equal(counts, counts.T)
    assert counts[5, 6] == 1.0 and counts[5, 7] == 0.5   # neighbours, then two apart
    assert counts[7, 8] == 0.5 and counts[6, 8] == 0.0   # across the unknown word, within the window only
    assert counts[9, 5] == 1.0 and counts[7, 9] == 0.0   # second review; nothing across reviews
    assert counts[OOV_ID].sum() == 0 and counts[PAD_ID].sum() == 0


def test_words_used_alike_end_up_alike_and_runs_are_reproducible():
    # Two word groups that share contexts only within their group: 10/11 beside 2 and 30-34, 20/21 beside 3 and 35-39.
    rng = np.random.default_rng(1)
    reviews = []
    for _ in range(400):
        group = rng.random() < 0.5
        word = rng.choice([10, 11] if group else [20, 21])
        head, tail = (2, rng.integers(30, 35)) if group else (3, rng.integers(35, 40))
        reviews.append(np.array([head, word, tail, head, word]))
    vectors, record = cooccurrence_vectors(reviews, 50, 8, window=2, seed=4)
    again, _ = cooccurrence_vectors(reviews, 50, 8, window=2, seed=4)
    assert vectors.shape == (50, 8) and vectors.dtype == np.float32 and np.array_equal(vectors, again)
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    assert unit[10] @ unit[11] > 0.9 > unit[10] @ unit[20]
    assert not vectors[[PAD_ID, OOV_ID, 45]].any()  # padding, unknown and unseen words stay at zero
    assert record["method"] == "ppmi_svd" and record["nonzero_ppmi"] > 0


def test_spread_ignores_unseen_ids_and_nothing_to_learn_is_a_data_error():
    reviews = [np.array([2 + i % 6, 2 + (i + 1) % 6, 2 + (i + 3) % 6]) for i in range(60)]
    small, _ = cooccurrence_vectors(reviews, 10, 4, window=2, seed=1)
    large, _ = cooccurrence_vectors(reviews, 5_000, 4, window=2, seed=1)
    assert np.allclose(small[:8].std(), large[:8].std(), rtol=0.05)  # the same 6 words, whatever vocab_size
    with pytest.raises(DataError, match="pretrain=none"):
        cooccurrence_vectors([np.array([OOV_ID, OOV_ID]), np.array([7])], 10, 4, window=2, seed=1)


def test_pretraining_is_off_by_default_and_validated():
    assert "pretrain" not in resolve_config("quick").to_dict()  # older artifacts stay byte-identical
    assert resolve_config("full").pretrain == "ppmi_svd"
    with pytest.raises(ConfigError, match="pretrain"):
        validate_config(resolve_config("tiny").to_dict() | {"pretrain": "glove"})
    with pytest.raises(ConfigError, match="pretrain_window"):
        validate_config(resolve_config("tiny").to_dict() | {"pretrain_window": 0})


def test_training_with_pretraining_records_it_and_starts_from_the_vectors(tmp_path, imdb_archive, one_torch_thread):
    from model_adapters import load_model
    from model_adapters.lstm.training import train_lstm
    from robustness.data.datasets import load_dataset, sample_dataset, train_validation_split

    reviews = sample_dataset(load_dataset(imdb_archive, "test"), 240, seed=4)
    train, validation = train_validation_split(reviews, 0.25, seed=5)
    config = resolve_config("tiny", epochs=1, pretrain="ppmi_svd", pretrain_window=2)
    metrics = train_lstm(train, validation, config, tmp_path, seed=3, progress=False, num_threads=1)
    assert metrics["pretrain"]["method"] == "ppmi_svd" and metrics["timings"]["pretrain_s"] > 0
    assert json.loads((tmp_path / "config.json").read_text())["pretrain"] == "ppmi_svd"
    model = load_model(tmp_path)
    assert model.predict_proba(["a fine film"]).shape == (1, 2)
    assert float(model.network.embedding.weight[PAD_ID].detach().abs().sum()) == 0.0
    tuned = train_lstm(train, validation, config, tmp_path / "tuned", seed=3, init_from=tmp_path, progress=False,
                       num_threads=1)
    assert "pretrain" not in tuned["config"] and tuned["pretrain"] is None  # fine-tuning keeps the trained embedding
