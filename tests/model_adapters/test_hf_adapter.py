"""hf: a tiny real transformers model saved by the test (random weights): labels from id2label, batching that does
not change results, truncation at the model's maximum length, and one-line errors."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from model_adapters.errors import ModelError
from model_adapters.hf_adapter import load_transformers_model

TEXTS = ["good film", "", "the plot was not very good and the acting was awful", "great " * 500, "ok", "Ünïcødé 🎬"]


@pytest.fixture(scope="module")
def model(tiny_hf_dir):
    return load_transformers_model(str(tiny_hf_dir))


def test_labels_come_from_id2label_normalised(model):
    assert model.labels == ("negative", "positive")
    assert model.max_length == 64  # the tokenizer's and the position table's limit


def test_results_do_not_depend_on_batch_size_or_order(model):
    together = model.predict_proba(TEXTS)
    model.batch_size = 1
    try:
        alone = model.predict_proba(TEXTS[::-1])[::-1]
    finally:
        model.batch_size = 32
    np.testing.assert_allclose(together, alone, atol=1e-6)
    np.testing.assert_allclose(together.sum(axis=1), 1.0)


def test_long_texts_are_truncated_to_the_model_limit(model):
    longer = model.predict_proba(["great " * 500, "great " * 2000])  # both cut to 64 tokens: the same input
    np.testing.assert_array_equal(longer[0], longer[1])


def test_labels_override_and_other_names_kept(tiny_hf_dir, tmp_path):
    copy = shutil.copytree(tiny_hf_dir, tmp_path / "stars")
    config = json.loads((copy / "config.json").read_text())
    config["id2label"], config["label2id"] = {"0": "1 star", "1": "5 stars"}, {"1 star": 0, "5 stars": 1}
    (copy / "config.json").write_text(json.dumps(config))
    assert load_transformers_model(str(copy)).labels == ("1 star", "5 stars")
    assert load_transformers_model(str(copy), labels=("neg", "pos")).labels == ("negative", "positive")


def test_directory_without_tokenizer_is_one_line(tiny_hf_dir, tmp_path):
    copy = tmp_path / "no_tokenizer"
    copy.mkdir()
    for name in ("config.json", "model.safetensors"):
        shutil.copy(tiny_hf_dir / name, copy / name)
    with pytest.raises(ModelError, match=r"has no tokenizer .* tokenizer.save_pretrained\(DIR\)") as info:
        load_transformers_model(str(copy))
    assert "\n" not in str(info.value)


def test_a_hub_name_needs_allow_download(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # belt and braces: this test must not touch the network
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_home"))
    with pytest.raises(ModelError, match="hf:someone/not-cached-model: cannot load .*--allow-download"):
        load_transformers_model("someone/not-cached-model")


def test_missing_extra_names_it(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "transformers", None)  # what `import transformers` does when not installed
    with pytest.raises(ModelError, match=r"^hf: needs the transformers extra: pip install '\.\[hf\]'$"):
        load_transformers_model("anything")
