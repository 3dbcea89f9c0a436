"""Every config variant runs; packed padded batches give each review the logits it gets alone."""

import numpy as np
import pytest
import torch

from model_adapters.lstm.batching import collate_padded, equal_length_batches, training_batches
from model_adapters.lstm.config import LSTMConfig
from model_adapters.lstm.network import LSTMClassifier


@pytest.mark.parametrize("pooling", ["last", "max_mean", "attention"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_packed_padded_batch_matches_single_reviews(pooling, bidirectional):
    torch.manual_seed(0)
    config = LSTMConfig(vocab_size=50, embedding_dim=8, hidden_size=6, num_layers=2, bidirectional=bidirectional,
                        pooling=pooling, dropout=0.1, embedding_dropout=0.1)
    network = LSTMClassifier(config).eval()
    rng = np.random.default_rng(0)
    encoded = [rng.integers(2, 50, size=n).astype(np.int32) for n in (5, 1, 9, 3)]
    ids, lengths = collate_padded(encoded, np.arange(4))
    with torch.no_grad():
        batched = network(ids, lengths, packed=True)
        alone = torch.cat([network(torch.from_numpy(e[None].astype(np.int64))) for e in encoded])
    torch.testing.assert_close(batched, alone, rtol=1e-5, atol=1e-5)


def test_keras_init_opens_the_forget_gate():
    network = LSTMClassifier(LSTMConfig(vocab_size=20, embedding_dim=4, hidden_size=3, init="keras"))
    assert network.lstm.bias_ih_l0[3:6].tolist() == [1.0, 1.0, 1.0]
    assert float(network.embedding.weight.detach().abs().max()) <= 0.05


def test_training_batches_cover_every_review_once_with_similar_lengths():
    lengths = np.random.default_rng(1).integers(1, 300, size=1000)
    batches = training_batches(lengths, 32, np.random.default_rng(2))
    assert sorted(np.concatenate(batches).tolist()) == list(range(1000))
    # sorted neighbours: 32 of 1,000 lengths spread over 300 span ~10 (a random batch would span ~280)
    assert max(lengths[b].max() - lengths[b].min() for b in batches) <= 15
    again = training_batches(lengths, 32, np.random.default_rng(2))
    assert all(np.array_equal(a, b) for a, b in zip(batches, again))


def test_equal_length_batches_are_exact():
    encoded = [np.zeros(n, dtype=np.int32) for n in (3, 1, 3, 2, 3, 1)]
    seen = []
    for indices, ids in equal_length_batches(encoded, batch_size=2):
        assert all(len(encoded[i]) == ids.shape[1] for i in indices)
        seen.extend(indices.tolist())
    assert sorted(seen) == list(range(6))
