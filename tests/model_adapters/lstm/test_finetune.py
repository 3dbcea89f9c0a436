"""Fine-tuning on augmented rows: the vocabulary grows without changing a prediction, soft targets are checked."""

import functools

import numpy as np
import pytest

from model_adapters.lstm.finetune import check_soft_targets, grown_network, grown_vocabulary
from model_adapters.lstm.tokenizer import OOV_ID, Vocabulary
from robustness.data import Dataset
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
    from robustness.data import load_dataset, sample_dataset, train_validation_split

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
    metrics = train_lstm(both, validation, resolve_config("tiny", epochs=1), tmp_path, seed=2, init_from=tiny_lstm_dir, progress=False,
                         num_threads=1, soft_targets=targets, grow_vocab_rows=np.arange(len(both)) >= len(clean))
    assert metrics["vocab_grown"] >= 2 and metrics["soft_targets"]
    model = load_model(tmp_path)
    assert {"tlie", "rnovie"} <= set(model.vocab.tokens)
    assert "grcat" not in model.vocab.tokens  # a clean review had it: left out, as the base vocabulary left it
    assert model.config.vocab_size >= len(model.vocab)
    assert read_metrics(tmp_path)["vocab_grown"] == metrics["vocab_grown"]
    assert model.predict_proba(["tlie rnovie was grcat"]).shape == (1, 2)
    with pytest.raises(UsageError, match="grow_vocab_rows needs init_from"):
        train_lstm(train, validation, "tiny", tmp_path / "x", grow_vocab_rows=np.ones(len(train), bool), progress=False,
                   num_threads=1)
    assert not (tmp_path / "x").exists()
    with pytest.raises(UsageError, match=r"grow_vocab_rows has shape \(3,\)"):  # one flag per training review
        train_lstm(both, validation, "tiny", tmp_path / "z", init_from=tiny_lstm_dir, grow_vocab_rows=np.ones(3, bool),
                   progress=False, num_threads=1)
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
    from robustness.data import load_dataset, sample_dataset, train_validation_split

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
                         init_from=tiny_lstm_dir, progress=False, num_threads=1, soft_targets=targets, **hinge)
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
    assert metrics["dir_hinge"] == {"rows": len(copies), "margin": 2.0, "anchor": "teacher"}
    without = float(np.mean(_log_odds(plain, copies.texts, toward) - anchor))
    with_hinge = float(np.mean(_log_odds(hinged, copies.texts, toward) - anchor))
    assert with_hinge > without + 0.3  # measured: 0.02 without, 0.49 with


def test_the_paired_hinge_moves_dir_rows_away_from_their_source_as_the_model_reads_it(tiny_lstm_dir, imdb_archive,
                                                                                      tmp_path, one_torch_thread):
    """The suite checks the retrained model's copy against the same model's source review. Anchored on the
    teacher, the hinge is also met by souring the positive sources themselves; anchored on the pair, more copies
    end up below their own source, and the sources keep their label."""
    train, validation, copies, both, toward, _, anchors, targets, rows = _reversed_copies(imdb_archive, tiny_lstm_dir,
                                                                                           positive_only=True)
    sources = np.concatenate([np.full(len(train), -1), rows])
    originals = [train.texts[i] for i in rows]

    def judged(**hinge):
        model, metrics = _retrained(both, validation, tiny_lstm_dir, targets, tmp_path / str(len(hinge)), epochs=4,
                                    learning_rate=1e-2, dir_anchors=anchors, dir_margin=2.0, **hinge)
        source = _log_odds(model, originals, toward)
        moved = float(np.mean(_log_odds(model, copies.texts, toward) - source > 1e-4))  # the suite's DIR pass rule
        return moved, float(np.mean(source)), metrics

    teacher_moved, teacher_source, _ = judged()
    pair_moved, pair_source, metrics = judged(dir_sources=sources)
    assert metrics["dir_hinge"] == {"rows": len(copies), "margin": 2.0, "anchor": "pair"}
    assert pair_moved > teacher_moved + 0.1  # measured: 61% of copies pass anchored on the teacher, 86% on the pair
    assert pair_source < teacher_source - 0.4  # log-odds of "negative" on the positive sources: -0.98 / -1.82
    with pytest.raises(UsageError, match="dir_sources needs dir_anchors"):
        _retrained(both, validation, tiny_lstm_dir, targets, tmp_path / "x", dir_sources=sources)


def test_the_paired_hinge_pulls_the_source_the_other_way_too():
    import torch

    from model_adapters.lstm.finetune import directional_hinge, paired_source_log_odds

    source_logits = torch.tensor([[0.0, 1.0], [1.0, 0.0]], requires_grad=True)  # rows 0 and 1 as the model reads them
    read = lambda rows: source_logits[torch.from_numpy(rows)]  # noqa: E731
    logits = torch.tensor([[0.0, 1.0], [0.0, 1.5], [2.0, 0.0]], requires_grad=True)
    anchors = torch.tensor([[-1, 0.0], [1, 9.0], [0, 9.0]])  # the teacher's anchors (9.0) are ignored
    sources = np.array([-1, 0, 1])
    live = paired_source_log_odds(anchors, sources, read)
    torch.testing.assert_close(live, torch.tensor([1.0, 1.0]))
    loss = directional_hinge(logits, anchors, 1.0, live)
    assert loss.item() == pytest.approx((0.5 + 0.0) / 3)  # row 1: 1.5 short of 1 + 1 by 0.5; row 2: 2 clears 2
    loss.backward()
    assert logits.grad[1, 1] < 0 and source_logits.grad[0, 1] > 0  # the copy moves up, its source down
    assert paired_source_log_odds(torch.tensor([[-1, 0.0]] * 3), sources, read) is None


def test_invariance_penalty_charges_copies_that_stray_from_their_source_beyond_the_tolerance():
    import torch

    from model_adapters.lstm.finetune import invariance_penalty

    source_logits = {0: [0.0, 1.0], 1: [2.0, 0.0]}  # as the model reads rows 0 and 1 now
    read = lambda rows: torch.tensor([source_logits[int(r)] for r in rows])  # noqa: E731
    logits = torch.tensor([[0.0, 1.0], [0.0, -1.0], [0.0, 3.0], [5.0, 0.0]], requires_grad=True)
    sources = np.array([-1, 0, 0, 1])  # row 1 strays 2 from row 0's log-odds, row 2 by 2 the other way, row 3 by 3
    penalty = invariance_penalty(logits, sources, read, tolerance=0.5)
    assert penalty.item() == pytest.approx((1.5 + 1.5 + 2.5) / 4)
    penalty.backward()
    assert torch.all(logits.grad[0] == 0)
    assert logits.grad[1, 1] < 0 < logits.grad[2, 1]  # each pulled back toward its source
    assert invariance_penalty(logits, np.array([-1] * 4), read, 0.5).item() == 0.0


def test_sources_must_point_at_another_row_or_minus_one():
    from model_adapters.lstm.finetune import check_sources

    assert check_sources(np.array([-1, 0, 0]), 3, "INV").dtype == np.int64
    with pytest.raises(UsageError, match=r"INV sources have shape \(3,\).*expected \(4,\) integers"):
        check_sources(np.array([-1, 0, 0]), 4, "INV")
    with pytest.raises(UsageError, match="DIR sources must be -1 or the index of another training review"):
        check_sources(np.array([-1, 1, 0]), 3, "DIR")  # row 1 its own source
    with pytest.raises(UsageError, match="another training review"):
        check_sources(np.array([-1, 5, 0]), 3, "INV")


def test_the_invariance_penalty_keeps_copies_with_their_source(tiny_lstm_dir, imdb_archive, tmp_path, one_torch_thread):
    """Copies (word order reversed) whose soft target says nothing (0.5 / 0.5), so cross-entropy pulls them to the
    borderline: with the penalty more of them keep their source review's label, which is what an INV test asks."""
    from model_adapters import load_model
    from model_adapters.lstm.presets import resolve_config
    from model_adapters.lstm.training import train_lstm
    from robustness.data import load_dataset, sample_dataset, train_validation_split

    reviews = sample_dataset(load_dataset(imdb_archive, "test"), 160, seed=8)
    train, validation = train_validation_split(reviews, 0.25, seed=9)
    copies = Dataset(ids=tuple(f"c{i}" for i in range(len(train))),
                     texts=tuple(" ".join(reversed(t.split())) for t in train.texts), labels=train.labels, source="inv")
    both = Dataset(ids=train.ids + copies.ids, texts=train.texts + copies.texts, labels=train.labels + copies.labels,
                   source="both")
    gold = np.eye(2, dtype=np.float32)[[0 if label == "negative" else 1 for label in train.labels]]
    targets = np.concatenate([gold, np.full_like(gold, 0.5)])
    sources = np.concatenate([np.full(len(train), -1), np.arange(len(train))])

    def agreement(out, **penalty):
        metrics = train_lstm(both, validation, resolve_config("tiny", epochs=2, learning_rate=3e-3), out, seed=2,
                             init_from=tiny_lstm_dir, progress=False, num_threads=1, soft_targets=targets, **penalty)
        model = load_model(out)
        same = model.predict_proba(list(train.texts)).argmax(1) == model.predict_proba(list(copies.texts)).argmax(1)
        return float(same.mean()), metrics

    without, _ = agreement(tmp_path / "plain")
    with_penalty, metrics = agreement(tmp_path / "penalty", inv_sources=sources, inv_tolerance=0.1)
    assert metrics["inv_consistency"] == {"rows": len(copies), "tolerance": 0.1}
    assert with_penalty >= without + 0.05  # measured: 76% of copies agree without, 85% with


def test_blended_state_is_the_share_weighted_mean_of_the_two_models(tiny_lstm_dir):
    import torch

    from model_adapters.lstm.artifact import load_network
    from model_adapters.lstm.finetune import blended_state

    base, _ = load_network(tiny_lstm_dir)
    tuned, _ = load_network(tiny_lstm_dir)
    with torch.no_grad():
        for weight in tuned.parameters():
            weight.add_(1.0)
    blended = blended_state(base, tuned, 0.7)
    for name, weight in base.state_dict().items():
        torch.testing.assert_close(blended[name], weight + 0.7)
    with pytest.raises(UsageError, match=r"blend 0.0 is out of range"):
        blended_state(base, tuned, 0.0)


def test_a_blended_finetune_keeps_its_share_of_the_tuned_weights_and_survives_a_kill(tiny_lstm_dir, imdb_archive,
                                                                                      tmp_path, one_torch_thread,
                                                                                      monkeypatch):
    """blend 0.5 saves the midpoint of the starting model and the very model blend 1.0 saves, its validation
    score next to the unblended one; a kill while finishing does not blend the blend again on the rerun."""
    import torch

    import model_adapters.lstm.training as training
    from model_adapters.lstm.artifact import load_network, read_metrics
    from model_adapters.lstm.checkpoint import CHECKPOINT_FILE, read_checkpoint_state
    from model_adapters.lstm.presets import resolve_config
    from robustness.data import load_dataset, sample_dataset, train_validation_split

    reviews = sample_dataset(load_dataset(imdb_archive, "test"), 120, seed=8)
    train, validation = train_validation_split(reviews, 0.25, seed=9)
    config = resolve_config("tiny", epochs=1, learning_rate=3e-3)
    run = functools.partial(training.train_lstm, train, validation, config, seed=2, init_from=tiny_lstm_dir,
                            progress=False, num_threads=1)
    tuned_metrics = run(out_dir=tmp_path / "tuned")
    metrics = run(out_dir=tmp_path / "half", blend=0.5)
    base, tuned, half = (load_network(d)[0].state_dict() for d in (tiny_lstm_dir, tmp_path / "tuned", tmp_path / "half"))
    for name in base:
        torch.testing.assert_close(half[name], 0.5 * base[name] + 0.5 * tuned[name])
    assert metrics["blend"] == {"share": 0.5, "validation_unblended": tuned_metrics["validation"]}
    assert tuned_metrics["blend"] is None

    def killed_blending(out_dir):
        """Run with blend 0.5, killed once the blended weights are saved but not the metrics."""
        real_write_json = training.write_json

        def killed_writing_metrics(path, payload):
            raise KeyboardInterrupt

        monkeypatch.setattr(training, "write_json", killed_writing_metrics)
        with pytest.raises(KeyboardInterrupt):
            run(out_dir=out_dir, blend=0.5)
        monkeypatch.setattr(training, "write_json", real_write_json)
        assert read_metrics(out_dir) == {}
        assert read_checkpoint_state(out_dir / CHECKPOINT_FILE)[0]["tuned_in_checkpoint"]
        on_disk = load_network(out_dir)[0].state_dict()
        for name in base:  # the kill came after the blend reached the artifact: a rerun must not blend it again
            torch.testing.assert_close(on_disk[name], half[name])

    def assert_weights(out_dir, expected):
        saved = load_network(out_dir)[0].state_dict()
        for name in base:
            torch.testing.assert_close(saved[name], expected[name])

    killed_blending(tmp_path / "killed")
    run(out_dir=tmp_path / "killed", blend=0.5)
    assert_weights(tmp_path / "killed", half)
    killed_blending(tmp_path / "unblended")
    assert run(out_dir=tmp_path / "unblended")["blend"] is None  # rerun without a blend: the tuned weights
    assert_weights(tmp_path / "unblended", tuned)
    with pytest.raises(UsageError, match="blend 0.5 needs init_from"):
        training.train_lstm(train, validation, config, tmp_path / "scratch", blend=0.5, progress=False, num_threads=1)
    with pytest.raises(UsageError, match="blend 1.5 is out of range"):
        run(out_dir=tmp_path / "scratch", blend=1.5)
    with pytest.raises(UsageError, match="is the model to fine-tune from"):
        run(out_dir=tiny_lstm_dir, blend=0.5)
    assert not (tmp_path / "scratch").exists()
