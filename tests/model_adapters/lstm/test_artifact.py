"""The model directory: exact round trip, and clear refusals for pickle, truncated or foreign weights."""

import json
import shutil

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from model_adapters import load_model
from model_adapters.lstm.adapter import load_lstm_model
from robustness.errors import ModelError

TEXTS = ["A wonderful film.", "Dull, dull, dull. I didn't laugh once!", "ok", "It wasn't bad at all, really quite good " * 8]


@pytest.fixture
def model_copy(tiny_lstm_dir, tmp_path):
    return shutil.copytree(tiny_lstm_dir, tmp_path / "model")


def test_save_load_gives_identical_probabilities(tiny_lstm_dir, model_copy):
    first = load_lstm_model(tiny_lstm_dir).predict_proba(TEXTS)
    second = load_model(model_copy).predict_proba(TEXTS)
    np.testing.assert_array_equal(first, second)
    assert np.allclose(first.sum(axis=1), 1.0)


def test_artifact_files(tiny_lstm_dir):
    names = {p.name for p in tiny_lstm_dir.iterdir()}
    assert {"weights.safetensors", "config.json", "vocab.json", "metrics.json"} <= names
    config = json.loads((tiny_lstm_dir / "config.json").read_text())
    assert config["labels"] == ["negative", "positive"] and config["name"] == "tiny"


def test_pickle_weights_are_refused_not_loaded(model_copy, tmp_path):
    (model_copy / "weights.safetensors").unlink()
    marker = tmp_path / "pwned"

    class Boom:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    torch.save({"x": Boom()}, model_copy / "weights.pt")
    with pytest.raises(ModelError, match="refusing to load a pickle-based weights file"):
        load_model(model_copy)
    with pytest.raises(ModelError, match="pickle"):
        load_model(model_copy / "weights.pt")
    assert not marker.exists()


def test_pickle_disguised_as_safetensors_is_a_model_error(model_copy):
    torch.save({"embedding.weight": torch.zeros(2)}, model_copy / "weights.safetensors")
    with pytest.raises(ModelError, match="not a readable safetensors file"):
        load_model(model_copy)


def test_truncated_safetensors_is_a_model_error(model_copy):
    path = model_copy / "weights.safetensors"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ModelError, match="weights.safetensors.*truncated"):
        load_model(model_copy)


def test_foreign_safetensors_names_missing_and_misshapen_tensors(model_copy):
    path = model_copy / "weights.safetensors"
    save_file({"embedding.weight": torch.zeros(3, 3)}, str(path))
    with pytest.raises(ModelError, match="missing: .*lstm.weight_ih_l0"):
        load_model(model_copy)


def test_wrong_shape_is_named(tiny_lstm_dir, model_copy):
    from safetensors.torch import load_file

    tensors = load_file(str(tiny_lstm_dir / "weights.safetensors"))
    tensors["output.weight"] = torch.zeros(3, tensors["output.weight"].shape[1])
    save_file(tensors, str(model_copy / "weights.safetensors"))
    with pytest.raises(ModelError, match=r"output.weight has shape \(3, "):
        load_model(model_copy)


def test_missing_directory_and_files_name_the_file(model_copy, tmp_path):
    with pytest.raises(ModelError, match="does not exist"):
        load_model(tmp_path / "nowhere")
    (model_copy / "config.json").unlink()
    with pytest.raises(ModelError, match="config.json"):
        load_model(model_copy)


def test_invalid_config_field_is_named(model_copy):
    config = json.loads((model_copy / "config.json").read_text())
    config["hidden_size"] = "big"
    (model_copy / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelError, match="'hidden_size' = 'big'"):
        load_model(model_copy)
