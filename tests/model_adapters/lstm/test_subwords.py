"""Subwords: stable n-gram hashing, misspelled words read from their spelling, and the option off changes nothing."""

import json
import re
import subprocess
import sys

import numpy as np
import pytest
import torch

from model_adapters.errors import ConfigError
from model_adapters.lstm.config import LSTMConfig, validate_config
from model_adapters.lstm.network import LSTMClassifier
from model_adapters.lstm.presets import PRESETS, resolve_config
from model_adapters.lstm.subwords import SubwordIndex, char_ngrams, ngram_buckets
from model_adapters.lstm.tokenizer import OOV_ID, Vocabulary

TEXTS = ["A wonderful movie.", "A wonderful mvoie.", "A terrible mvoie, tlie worst!", "", "grcat fun",
         "This was a truly awful film, boring and long. " * 20]


def test_char_ngrams_mark_word_boundaries():
    assert char_ngrams("bad", 3, 4) == ["<ba", "bad", "ad>", "<bad", "bad>"]
    assert char_ngrams("a", 4, 5) == []  # "<a>" is shorter than any n-gram: no bag, only the word's own vector


def test_ngram_hashing_is_fixed_across_processes():
    """crc32, not Python's salted hash(): the same buckets in every process, so a saved model reads words the same."""
    pinned = [22357, 10224, 28627, 6073, 6164]  # "<mo", "mov", "ovi", "vie", "ie>"
    assert ngram_buckets("movie", 3, 3, 50_000).tolist() == pinned
    code = "from model_adapters.lstm.subwords import ngram_buckets; print(ngram_buckets('movie', 3, 3, 50000).tolist())"
    for hash_seed in ("1", "2"):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             env={"PYTHONHASHSEED": hash_seed, "PATH": ""}, cwd=str(_repo_root()))
        assert json.loads(out.stdout) == pinned


def test_misspelled_word_gets_its_own_vector_sharing_ngrams_with_the_word():
    torch.manual_seed(0)
    config = LSTMConfig(vocab_size=8, embedding_dim=6, hidden_size=4, subword_buckets=500)
    index = SubwordIndex(Vocabulary(tokens=("<pad>", "<oov>", "movie", "a")), config)
    ids = index.encode_tokens(["a", "movie", "mvoie", "zzqx", "mvoie"])
    assert ids[:2].tolist() == [3, 2] and ids[2] >= 8 and ids[3] >= 8 and ids[2] != ids[3] and ids[4] == ids[2]
    flat, offsets, position = index.bags(torch.from_numpy(ids.astype(np.int64))[None])
    bag = lambda i: set(np.split(flat.numpy(), offsets.numpy()[1:])[int(position[0, i])].tolist())  # noqa: E731
    assert bag(1) & bag(2)  # "ie>" is in both
    network = LSTMClassifier(config)
    with torch.no_grad():
        network.subword_embedding.weight.normal_()
        vectors = network.embed(torch.from_numpy(ids.astype(np.int64))[None], (flat, offsets, position))[0]
    oov = network.embedding.weight[OOV_ID].detach()
    assert not torch.allclose(vectors[2], oov) and not torch.allclose(vectors[2], vectors[3])
    assert torch.equal(vectors[2], vectors[4])  # one word, one vector wherever it stands


def test_the_option_off_builds_exactly_the_network_and_config_of_before():
    for name in ("full", "tiny", "seed"):
        config = PRESETS[name]
        assert config.subword_buckets == 0
        assert not any(key.startswith("subword") for key in config.to_dict())  # config.json, fingerprints unchanged
        assert validate_config(config.to_dict()) == config  # and a config.json without the fields reads as off
        names = {key: tuple(t.shape) for key, t in LSTMClassifier(config).state_dict().items()}
        assert not any("subword" in key for key in names)
        on = LSTMClassifier(config.replace(subword_buckets=1000)).state_dict()
        assert {k: tuple(t.shape) for k, t in on.items() if "subword" not in k} == names
        assert tuple(on["subword_embedding.weight"].shape) == (1000, config.embedding_dim)


@pytest.mark.parametrize("field, value, says", [
    ("subword_buckets", -1, "between 0 (off)"), ("subword_buckets", 10**9, "between 0 (off)"),
    ("subword_buckets", "many", "of type int"), ("subword_min_n", 0, "between 1"),
    ("subword_max_n", 2, "between subword_min_n (3)"), ("subword_max_n", 11, "and 10"),
])
def test_bad_subword_values_name_the_field(field, value, says):
    with pytest.raises(ConfigError, match=rf"field '{field}' = .*{re.escape(says)}"):
        validate_config({field: value})


@pytest.fixture(scope="module")
def subword_model(tmp_path_factory, imdb_archive):
    """A `tiny` model with 2,000 subword buckets, trained in seconds on 900 IMDB reviews; its train/validation."""
    from model_adapters.lstm.training import train_lstm
    from robustness.data.datasets import load_dataset, sample_dataset, train_validation_split

    reviews = sample_dataset(load_dataset(imdb_archive, "train"), 900, seed=11)
    train, validation = train_validation_split(reviews, 0.2, seed=12)
    out_dir = tmp_path_factory.mktemp("subword_lstm")
    metrics = train_lstm(train, validation, resolve_config("tiny", subword_buckets=2000, epochs=3), out_dir, seed=5,
                         progress=False, num_threads=1)
    return out_dir, metrics, train, validation


def test_trained_model_saves_the_option_and_predicts_identically_after_reload(subword_model, one_torch_thread):
    from model_adapters.lstm.adapter import load_lstm_model

    out_dir, metrics, _, validation = subword_model
    assert json.loads((out_dir / "config.json").read_text())["subword_buckets"] == 2000  # n-gram range: default
    model = load_lstm_model(out_dir)
    assert (model.config.subword_buckets, model.config.subword_min_n, model.config.subword_max_n) == (2000, 3, 5)
    assert float(model.network.subword_embedding.weight.detach().abs().sum()) > 0  # training moved the buckets
    # The validation reviews read at load time as they did in training (unknown words are numbered anew).
    predicted = model.predict(list(validation.texts))
    assert np.mean(np.array(predicted) == np.array(validation.labels)) == metrics["validation"]["accuracy"]
    again = load_lstm_model(out_dir).predict_proba(list(reversed(TEXTS)))[::-1]
    np.testing.assert_array_equal(model.predict_proba(TEXTS), again)


def test_predictions_do_not_depend_on_batch_size_or_threads(subword_model, one_torch_thread):
    from model_adapters.lstm.adapter import load_lstm_model
    from model_adapters.lstm.batching import encode_texts, predict_logits

    model = load_lstm_model(subword_model[0])
    texts = list(subword_model[3].texts)[:120] + TEXTS
    encoded = encode_texts(texts, model._reader, model.config)
    one = predict_logits(model.network, encoded, 1, workers=1, subwords=model._subwords)
    for batch_size, workers in ((64, 1), (7, 3)):
        np.testing.assert_allclose(predict_logits(model.network, encoded, batch_size, workers, model._subwords), one,
                                   rtol=1e-5, atol=1e-6)
    alone = np.vstack([model.predict_proba([t]) for t in TEXTS])
    np.testing.assert_allclose(model.predict_proba(TEXTS), alone, rtol=1e-5, atol=1e-6)


def test_input_keys_tell_misspellings_apart_whatever_order_words_were_seen(subword_model):
    from model_adapters.lstm.adapter import load_lstm_model

    first, second = load_lstm_model(subword_model[0]), load_lstm_model(subword_model[0])
    first.input_keys(["zzqx blorp", "an xqvw"])  # numbers unknown words in another order than `second` does
    texts = ["A wonderful mvoie.", "A wonderful mveio.", "A wonderful movie.", "A WONDERFUL MVOIE."]
    keys = first.input_keys(texts)
    assert keys == second.input_keys(texts)
    assert len({keys[0], keys[1], keys[2]}) == 3 and keys[0] == keys[3]


def test_finetuning_keeps_subwords_and_a_grown_word_reads_as_before(subword_model, tmp_path, one_torch_thread):
    from model_adapters.lstm.adapter import load_lstm_model
    from model_adapters.lstm.artifact import load_network
    from model_adapters.lstm.batching import encode_texts, predict_logits
    from model_adapters.lstm.finetune import FineTuneObjective, grown_network, grown_vocabulary
    from model_adapters.lstm.subwords import token_reader
    from model_adapters.lstm.training import train_lstm

    out_dir, _, train, validation = subword_model
    base, vocab = load_network(out_dir)
    typos = ["tlie rnovie was grcat", "grcat fun , tlie end"]
    grown_vocab = grown_vocabulary(vocab, [t.split() for t in typos], min_freq=1, limit=10)
    grown = grown_network(base, base.config, len(vocab), len(grown_vocab))
    before_reader, after_reader = token_reader(vocab, base.config), token_reader(grown_vocab, grown.config)
    before = predict_logits(base, encode_texts(typos, before_reader, base.config), 8, subwords=before_reader)
    after = predict_logits(grown, encode_texts(typos, after_reader, grown.config), 8, subwords=after_reader)
    np.testing.assert_array_equal(before, after)

    rows = np.zeros(len(train), dtype=bool)
    rows[:50] = True
    metrics = train_lstm(train, validation, resolve_config("tiny", epochs=1, subword_buckets=0), tmp_path / "tuned",
                         seed=3, init_from=out_dir, progress=False, num_threads=1,
                         objective=FineTuneObjective(grow_vocab_rows=rows))
    assert metrics["config"]["subword_buckets"] == 2000  # the architecture is the base model's
    assert load_lstm_model(tmp_path / "tuned").predict_proba(TEXTS).shape == (len(TEXTS), 2)


def test_packed_training_and_pretraining_run_with_subwords(subword_model, tmp_path, one_torch_thread):
    from model_adapters.lstm.training import train_lstm

    _, _, train, validation = subword_model
    config = resolve_config("tiny", epochs=1, subword_buckets=500, packed=True, pretrain="ppmi_svd", word_dropout=0.2)
    metrics = train_lstm(train, validation, config, tmp_path / "packed", seed=1, progress=False, num_threads=1)
    assert metrics["completed"] and metrics["pretrain"]["method"] == "ppmi_svd"


def _repo_root():
    from pathlib import Path

    return Path(__file__).resolve().parents[3]


def test_a_word_level_model_grown_with_subwords_predicts_as_before_and_then_reads_spelling(tmp_path, imdb_archive,
                                                                                         one_torch_thread):
    """The loop's `subword` candidate: a model without subwords gets zero n-gram vectors (so it predicts exactly as
    before), and fine-tuning then moves them, so a misspelt word no longer reads as the unknown word alone."""
    from model_adapters.lstm.adapter import load_lstm_model
    from model_adapters.lstm.artifact import load_network
    from model_adapters.lstm.batching import encode_texts, predict_logits
    from model_adapters.lstm.finetune import FineTuneObjective, with_subwords
    from model_adapters.lstm.subwords import token_reader
    from model_adapters.lstm.training import train_lstm
    from robustness.data.datasets import load_dataset, sample_dataset, train_validation_split

    reviews = sample_dataset(load_dataset(imdb_archive, "train"), 600, seed=4)
    train, validation = train_validation_split(reviews, 0.2, seed=5)
    train_lstm(train, validation, resolve_config("tiny", epochs=1), tmp_path / "words", seed=2, progress=False,
               num_threads=1)
    base, vocab = load_network(tmp_path / "words")
    grown = with_subwords(base, 700)
    reader = token_reader(vocab, grown.config)
    texts = TEXTS + ["tlie rnovie was grcat"]
    np.testing.assert_array_equal(
        predict_logits(base, encode_texts(texts, vocab, base.config), 8),
        predict_logits(grown, encode_texts(texts, reader, grown.config), 8, subwords=reader))
    assert with_subwords(grown, 50) is grown  # a model that reads subwords keeps its own

    metrics = train_lstm(train, validation, resolve_config("tiny", epochs=1), tmp_path / "grown", seed=3,
                         init_from=tmp_path / "words", progress=False, num_threads=1,
                         objective=FineTuneObjective(add_subwords=700))
    assert metrics["config"]["subword_buckets"] == 700
    tuned = load_lstm_model(tmp_path / "grown")
    assert float(tuned.network.subword_embedding.weight.detach().abs().sum()) > 0
    # two different misspellings of one word now read differently: each by its own n-grams
    a, b = tuned.predict_proba(["a wonderful mvoie", "a wonderful mveio"])
    assert not np.array_equal(a, b)
    with pytest.raises(Exception, match="add_subwords needs init_from"):
        train_lstm(train, validation, resolve_config("tiny", epochs=1), tmp_path / "none", seed=3, progress=False,
                   objective=FineTuneObjective(add_subwords=700))
