"""The seed articles' architectures as presets: valid, back-compatible with older configs, trainable."""

from __future__ import annotations

import json

import pytest
import torch

from model_adapters.lstm.config import LSTMConfig, validate_config
from model_adapters.lstm.network import LSTMClassifier
from model_adapters.lstm.presets import PRESETS, resolve_config
from model_adapters.lstm.seed_presets import SEED_ARCHITECTURES
from robustness.errors import ConfigError

# Keras' model.summary() counts from the article (binary sigmoid output; ours has two softmax columns).
KERAS_A_PARAMETERS = 816_461


@pytest.mark.parametrize("name", list(SEED_ARCHITECTURES))
def test_presets_validate_round_trip_and_run(name):
    config = PRESETS[name]
    assert validate_config(json.loads(json.dumps(config.to_dict()))) == config
    network = LSTMClassifier(config)
    ids = torch.randint(1, 50, (3, 9))
    assert network(ids).shape == (3, 2)
    assert network(ids, torch.tensor([9, 5, 1]), packed=True).shape == (3, 2)


def test_keras_a_matches_the_article_up_to_the_output_layer():
    config = PRESETS["keras_a"]
    parameters = sum(p.numel() for p in LSTMClassifier(config).parameters())
    # differences: 2 extra vocabulary rows (padding, out-of-vocabulary), a second output column, and torch's
    # second LSTM bias vector (bias_hh: 4 gates x 60)
    assert parameters - KERAS_A_PARAMETERS == 2 * 128 + 51 + 4 * 60


def test_added_fields_keep_older_configs_identical():
    for name in ("seed", "tiny", "quick", "full"):
        payload = PRESETS[name].to_dict()
        assert "head_layers" not in payload  # config.json and checkpoint fingerprints unchanged
        assert set(LSTMClassifier(PRESETS[name]).state_dict()) == set(
            k for k in LSTMClassifier(PRESETS[name]).state_dict() if not k.startswith("head."))
    assert PRESETS["keras_c"].to_dict()["head_layers"] == [16, 8]


@pytest.mark.parametrize("value", [[0], ["16"], "16", [True]])
def test_bad_head_layers_name_the_field(value):
    with pytest.raises(ConfigError, match="head_layers"):
        validate_config({"head_layers": value})


def test_bad_pooling_lists_the_new_options():
    with pytest.raises(ConfigError, match="max, mean"):
        LSTMConfig().replace(pooling="sum")


def test_tiny_train_of_an_attention_variant_with_a_dense_head(tmp_path, tiny_imdb_archive):
    from model_adapters import load_model
    from model_adapters.lstm.training import train_lstm
    from robustness.data.datasets import load_dataset, train_validation_split

    train, validation = train_validation_split(load_dataset(tiny_imdb_archive, "train"), 0.2, seed=1)
    config = resolve_config("attention_bilstm", embedding_dim=16, hidden_size=8, head_layers=[8],
                            vocab_size=2000, max_tokens=60, head_tokens=60, epochs=1, batch_size=32)
    metrics = train_lstm(train, validation, config, tmp_path / "m", seed=2, progress=False, num_threads=1)
    assert metrics["completed"] and metrics["config"]["head_layers"] == [8]
    model = load_model(tmp_path / "m")
    assert model.predict_proba(["a fine film"]).shape == (1, 2)
    weights = model.attention_weights("The film was terrible!")
    assert [t for t, _ in weights] == ["the", "film", "was", "terrible", "!"]
    assert sum(w for _, w in weights) == pytest.approx(1.0, abs=1e-5)


def test_sgd_optimizer_trains(tmp_path, tiny_imdb_archive):
    from model_adapters.lstm.training import train_lstm
    from robustness.data.datasets import load_dataset, train_validation_split

    train, validation = train_validation_split(load_dataset(tiny_imdb_archive, "train"), 0.2, seed=1)
    config = resolve_config("keras_a", embedding_dim=8, hidden_size=8, head_layers=[4], vocab_size=500,
                            max_tokens=40, epochs=1)
    metrics = train_lstm(train, validation, config, tmp_path / "a", seed=2, progress=False, num_threads=1)
    assert metrics["config"]["optimizer"] == "sgd" and metrics["history"][0]["train_loss"] > 0
