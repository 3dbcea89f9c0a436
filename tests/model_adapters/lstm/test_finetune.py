"""Fine-tuning on augmented rows: the vocabulary grows without changing a prediction, soft targets are checked."""

import numpy as np
import pytest

from model_adapters.lstm.finetune import FineTuneObjective, check_soft_targets, grown_network, grown_vocabulary
from model_adapters.lstm.tokenizer import OOV_ID, Vocabulary
from robustness.data.datasets import Dataset
from robustness.errors import UsageError

TYPOS = ["tlie rnovie was grcat", "tlie acting was awfu1", "grcat fun , tlie end", "tlie rnovie"]


def test_grown_vocabulary_adds_frequent_unknown_tokens_in_a_fixed_order():
    base = Vocabulary(tokens=("<pad>", "<oov>", "the", "movie", "was"))
    grown = grown_vocabulary(base, [t.split() for t in TYPOS], min_freq=2, limit=10)
    assert grown.tokens[:5] == base.tokens
    assert grown.tokens[5:] == ("tlie", "grcat", "rnovie")  # 4, 2, 2 occurrences; ties by token; once-seen left out
    assert grown_vocabulary(base, [t.split() for t in TYPOS], min_freq=2, limit=1).tokens[5:] == ("tlie",)
    assert grown_vocabulary(grown, [t.split() for t in TYPOS], min_freq=2, limit=10) == grown  # nothing new twice


def test_grown_vocabulary_skips_words_the_clean_reviews_already_had():
    """A row copies its source review: the review's own rare words must not join, only what the typos made."""
    base = Vocabulary(tokens=("<pad>", "<oov>", "the", "movie", "was"))
    clean = ["the rnovie theatre was grcat"]  # rare in the clean reviews, so the base vocabulary left them out
    grown = grown_vocabulary(base, [t.split() for t in TYPOS], min_freq=2, limit=10, skip=[t.split() for t in clean])
    assert grown.tokens[5:] == ("tlie",)


def test_grown_model_predicts_exactly_as_before_until_trained(tiny_lstm_dir, one_torch_thread):
    import torch

    from model_adapters.lstm.artifact import load_network
    from model_adapters.lstm.batching import encode_texts, predict_logits

    base, vocab = load_network(tiny_lstm_dir)
    grown_vocab = grown_vocabulary(vocab, [t.split() for t in TYPOS], min_freq=1, limit=100)
    assert len(grown_vocab) > len(vocab)
    grown = grown_network(base, base.config, len(vocab), len(grown_vocab))
    assert grown.config.vocab_size == max(base.config.vocab_size, len(grown_vocab))
    new_rows = grown.embedding.weight[len(vocab):len(grown_vocab)]
    torch.testing.assert_close(new_rows, base.embedding.weight[OOV_ID].expand_as(new_rows))
    before = predict_logits(base, encode_texts(TYPOS, vocab, base.config), 8)
    after = predict_logits(grown, encode_texts(TYPOS, grown_vocab, grown.config), 8)
    np.testing.assert_allclose(after, before, rtol=1e-5, atol=1e-6)  # "tlie" was unknown, now it starts as unknown


def test_soft_targets_must_be_one_probability_row_per_review():
    good = np.array([[0.2, 0.8], [1.0, 0.0]])
    assert check_soft_targets(good, 2, 2).dtype == np.float32
    with pytest.raises(UsageError, match=r"shape \(2, 2\); expected \(3, 2\)"):
        check_soft_targets(good, 3, 2)
    with pytest.raises(UsageError, match="probabilities"):
        check_soft_targets(np.array([[0.5, 0.6], [1.0, 0.0]]), 2, 2)
    with pytest.raises(UsageError, match="probabilities"):
        check_soft_targets(np.array([[np.nan, 1.0], [1.0, 0.0]]), 2, 2)


def test_finetuning_grows_the_vocabulary_and_learns_from_soft_targets(tiny_lstm_dir, imdb_archive, tmp_path,
                                                                       one_torch_thread):
    from model_adapters import load_model
    from model_adapters.lstm.artifact import read_metrics
    from model_adapters.lstm.presets import resolve_config
    from model_adapters.lstm.training import train_lstm
    from robustness.data.datasets import load_dataset, sample_dataset, train_validation_split

    reviews = sample_dataset(load_dataset(imdb_archive, "test"), 200, seed=8)
    train, validation = train_validation_split(reviews, 0.25, seed=9)
    typo = Dataset(ids=tuple(f"t{i}" for i in range(40)), texts=tuple(f"{TYPOS[i % 4]} !" for i in range(40)),
                   labels=tuple("positive" if "grcat" in TYPOS[i % 4] else "negative" for i in range(40)), source="typos")
    clean = Dataset(ids=train.ids + ("c0",), texts=train.texts + ("a grcat evening",),
                    labels=train.labels + ("positive",), source="clean")
    both = Dataset(ids=clean.ids + typo.ids, texts=clean.texts + typo.texts, labels=clean.labels + typo.labels, source="both")
    targets = np.zeros((len(both), 2), dtype=np.float32)
    targets[np.arange(len(both)), [0 if label == "negative" else 1 for label in both.labels]] = 0.9
    targets += 0.05
    objective = FineTuneObjective(soft_targets=targets, grow_vocab_rows=np.arange(len(both)) >= len(clean))
    metrics = train_lstm(both, validation, resolve_config("tiny", epochs=1), tmp_path, seed=2, init_from=tiny_lstm_dir,
                         progress=False, num_threads=1, objective=objective)
    assert metrics["vocab_grown"] >= 2 and metrics["soft_targets"]
    model = load_model(tmp_path)
    assert {"tlie", "rnovie"} <= set(model.vocab.tokens)
    assert "grcat" not in model.vocab.tokens  # a clean review had it: left out, as the base vocabulary left it
    assert model.config.vocab_size >= len(model.vocab)
    assert read_metrics(tmp_path)["vocab_grown"] == metrics["vocab_grown"]
    assert model.predict_proba(["tlie rnovie was grcat"]).shape == (1, 2)
    with pytest.raises(UsageError, match="grow_vocab_rows needs init_from"):
        train_lstm(train, validation, "tiny", tmp_path / "x", objective=FineTuneObjective(grow_vocab_rows=np.ones(len(train), bool)),
                   progress=False, num_threads=1)
    assert not (tmp_path / "x").exists()
    with pytest.raises(UsageError, match=r"grow_vocab_rows has shape \(3,\)"):  # one flag per training review
        train_lstm(both, validation, "tiny", tmp_path / "z", init_from=tiny_lstm_dir,
                   objective=FineTuneObjective(grow_vocab_rows=np.ones(3, bool)), progress=False, num_threads=1)
    assert not (tmp_path / "z").exists()
    from robustness.errors import ModelError

    with pytest.raises(ModelError, match="does not exist"):  # a wrong model to start from: nothing is written
        train_lstm(train, validation, "tiny", tmp_path / "y", init_from=tmp_path / "no_model", progress=False, num_threads=1)
    assert not (tmp_path / "y").exists()


def test_directional_hinge_charges_only_dir_rows_short_of_their_anchor_plus_margin():
    import torch

    from model_adapters.lstm.finetune import directional_hinge

    logits = torch.tensor([[0.0, 2.0], [0.0, 0.5], [3.0, 0.0], [0.0, 9.0]], requires_grad=True)
    # row 0: toward positive, anchor 0 -> log-odds 2 clears 0 + 1; row 1: log-odds 0.5, short by 0.5;
    # row 2: toward negative, anchor 1 -> log-odds 3 short of 1 + 1? no, clears; row 3: not a DIR row
    anchors = torch.tensor([[1, 0.0], [1, 0.0], [0, 1.0], [-1, 0.0]])
    loss = directional_hinge(logits, anchors, margin=1.0)
    assert loss.item() == pytest.approx(0.5 / 4)
    loss.backward()
    assert logits.grad[1, 1] < 0 < logits.grad[1, 0]  # descending moves row 1 toward positive
    assert torch.all(logits.grad[[0, 2, 3]] == 0)
    assert float(directional_hinge(logits, torch.tensor([[-1, 0.0]] * 4), 1.0)) == 0.0


def test_dir_anchors_must_be_a_label_index_or_minus_one_and_a_log_odds():
    from model_adapters.lstm.finetune import check_dir_anchors

    assert check_dir_anchors(np.array([[-1, 0.0], [1, -2.5]]), 2, 2).dtype == np.float32
    with pytest.raises(UsageError, match=r"shape \(2, 2\); expected \(3, 2\)"):
        check_dir_anchors(np.array([[-1, 0.0], [1, -2.5]]), 3, 2)
    with pytest.raises(UsageError, match="label index below 2"):
        check_dir_anchors(np.array([[2, 0.0]]), 1, 2)
    with pytest.raises(UsageError, match="finite"):
        check_dir_anchors(np.array([[1, np.inf]]), 1, 2)


def _reversed_copies(imdb_archive, tiny_lstm_dir, positive_only=False):
    """Train reviews plus a copy of each (of each positive one) ('... reversed') labelled the other way, as DIR
    rows; one-hot gold soft targets aim each copy where its source aims (as an INV row would), so only a hinge can
    pull them apart. Returns the train part's row of each copy's source too."""
    from model_adapters import load_model
    from robustness.data.datasets import load_dataset, sample_dataset, train_validation_split

    reviews = sample_dataset(load_dataset(imdb_archive, "test"), 160, seed=8)
    train, validation = train_validation_split(reviews, 0.25, seed=9)
    flipped = {"positive": "negative", "negative": "positive"}
    rows = [i for i, label in enumerate(train.labels) if label == "positive" or not positive_only]
    copies = Dataset(ids=tuple(f"d{i}" for i in rows), texts=tuple(train.texts[i] + " reversed" for i in rows),
                     labels=tuple(flipped[train.labels[i]] for i in rows), source="dir")
    both = Dataset(ids=train.ids + copies.ids, texts=train.texts + copies.texts, labels=train.labels + copies.labels,
                   source="both")
    base = load_model(tiny_lstm_dir)
    before = base.predict_proba(list(copies.texts))
    toward = np.array([base.labels.index(label) for label in copies.labels])
    anchor = np.log(before[np.arange(len(toward)), toward]) - np.log1p(-before[np.arange(len(toward)), toward])
    anchors = np.concatenate([np.tile([-1.0, 0.0], (len(train), 1)), np.stack([toward, anchor], 1)])
    gold = np.array([base.labels.index(label) for label in train.labels])
    targets = np.eye(2, dtype=np.float32)[np.concatenate([gold, gold[rows]])]
    return train, validation, copies, both, toward, anchor, anchors, targets, np.array(rows)


def _retrained(both, validation, tiny_lstm_dir, targets, out, epochs=1, learning_rate=3e-3, **hinge):
    from model_adapters import load_model
    from model_adapters.lstm.presets import resolve_config
    from model_adapters.lstm.training import train_lstm

    metrics = train_lstm(both, validation, resolve_config("tiny", epochs=epochs, learning_rate=learning_rate), out, seed=2,
                         init_from=tiny_lstm_dir, progress=False, num_threads=1,
                         objective=FineTuneObjective(soft_targets=targets, **hinge))
    return load_model(out), metrics


def _log_odds(model, texts, toward):
    proba = model.predict_proba(list(texts))[np.arange(len(toward)), toward]
    return np.log(proba) - np.log1p(-proba)


def test_the_directional_hinge_moves_dir_rows_the_way_their_change_points(tiny_lstm_dir, imdb_archive, tmp_path,
                                                                           one_torch_thread):
    """Same start, data, seed and soft targets; only the hinge asks the 'reversed' copies to gain log-odds toward
    the other label over the teacher's reading of their source, and they do."""
    train, validation, copies, both, toward, anchor, anchors, targets, _ = _reversed_copies(imdb_archive, tiny_lstm_dir)
    plain, _ = _retrained(both, validation, tiny_lstm_dir, targets, tmp_path / "plain")
    hinged, metrics = _retrained(both, validation, tiny_lstm_dir, targets, tmp_path / "hinge", dir_anchors=anchors,
                                 dir_margin=2.0)
    assert metrics["dir_hinge"] == {"rows": len(copies), "margin": 2.0}
    without = float(np.mean(_log_odds(plain, copies.texts, toward) - anchor))
    with_hinge = float(np.mean(_log_odds(hinged, copies.texts, toward) - anchor))
    assert with_hinge > without + 0.3  # measured: 0.02 without, 0.49 with


def test_an_objective_is_checked_against_the_training_data_before_anything_is_written(tiny_lstm_dir, sample_rows,
                                                                                    tmp_path):
    """A frozen value: checking returns a new objective with float32 arrays, and a wrong shape names the array."""
    train, validation = sample_rows
    objective = FineTuneObjective(dir_anchors=np.array([[-1, 0.0]] * len(train)), dir_margin=1.5)
    checked = objective.checked(len(train), 2)
    assert checked.dir_anchors.dtype == np.float32 and checked.dir_margin == 1.5 and objective.dir_anchors.dtype == np.float64
    with pytest.raises(AttributeError):
        objective.dir_margin = 2.0  # frozen
    from model_adapters.lstm.training import train_lstm

    with pytest.raises(UsageError, match=r"DIR anchors have shape \(2, 2\)"):
        train_lstm(train, validation, "tiny", tmp_path / "m", init_from=tiny_lstm_dir, progress=False, num_threads=1,
                   objective=FineTuneObjective(dir_anchors=np.zeros((2, 2))))
    assert not (tmp_path / "m").exists()


@pytest.fixture()
def sample_rows(imdb_archive):
    from robustness.data.datasets import load_dataset, sample_dataset, train_validation_split

    return train_validation_split(sample_dataset(load_dataset(imdb_archive, "test"), 60, seed=8), 0.25, seed=9)
