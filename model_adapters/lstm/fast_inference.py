"""The LSTM's fast inference path: bfloat16 on CPUs that compute it natively (AVX512-BF16, AMX), in padded batches.

Why it is fast: fp32 inference is compute-bound on 2 cores; bfloat16 matrix products run on the CPU's bf16 units,
and they pay off only in batches bigger than the handful of reviews that share an exact length. So reviews of
similar length are padded into one batch, and padding is kept away from every real position: each direction of a
bidirectional layer runs as its own one-way LSTM, the backward one over each review reversed (padding after the
real tokens in both), and pooling masks the padding. Bitwise, outputs differ from the fp32 reference (bf16
rounding); `benchmarks/train_imdb.py` and `benchmarks/analysis/inference_paths.py` measure the agreement.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch import nn

from model_adapters.lstm.network import LSTMClassifier

FAST_BATCH_SIZE = 32  # against 16, 64 and 128: benchmarks/analysis/inference_paths.py


def native_bf16() -> bool:
    """Whether this CPU computes bfloat16 products in hardware (else torch emulates them, slower than fp32)."""
    cpu = torch.cpu
    return any(getattr(cpu, probe, lambda: False)() for probe in ("_is_amx_tile_supported",
                                                                  "_is_avx512_bf16_supported"))


class FastLSTM:
    """A bf16 copy of a trained LSTMClassifier's embedding and recurrent layers, predicting logits for padded
    batches; pooling and the output layers read the LSTM's outputs in fp32, as the reference does."""

    def __init__(self, network: LSTMClassifier, batch_size: int = FAST_BATCH_SIZE):
        self.network = network
        self.batch_size = batch_size
        config = network.config
        self.embedding = network.embedding.weight.detach().to(torch.bfloat16)
        self.directions: list[list[nn.LSTM]] = []
        for layer in range(config.num_layers):
            suffixes = ["", "_reverse"] if config.bidirectional else [""]
            self.directions.append([_one_way(network.lstm, layer, suffix) for suffix in suffixes])
        # One layer pooled by max/mean/last never needs the backward outputs back in reading order: it reads the
        # review reversed from the ids, and both directions' real positions are 0..length-1.
        self.unordered = config.num_layers == 1 and config.pooling != "attention"

    def logits(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """(batch, labels) fp32 logits for end-padded ids (batch, time) with their true lengths."""
        network = self.network
        reverse = _reverse_index(lengths, ids.shape[1])
        if self.unordered:
            outputs = [direction(nn.functional.embedding(ids if i == 0 else ids.gather(1, reverse), self.embedding))[0]
                       for i, direction in enumerate(self.directions[0])]
            features = self._pool_each(outputs, lengths)
        else:
            x = nn.functional.embedding(ids, self.embedding)
            for directions in self.directions:
                x = self._layer(x, directions, reverse)
            features = network._pool(x.float(), lengths)
        if network.config.head_layers:
            features = network.head(features)
        return network.output(features)

    @staticmethod
    def _layer(x: torch.Tensor, directions: list[nn.LSTM], reverse: torch.Tensor) -> torch.Tensor:
        forward, _ = directions[0](x)
        if len(directions) == 1:
            return forward
        index = reverse.unsqueeze(-1)
        backward, _ = directions[1](x.gather(1, index.expand(-1, -1, x.shape[2])))
        return torch.cat([forward, backward.gather(1, index.expand(-1, -1, backward.shape[2]))], dim=2)

    def _pool_each(self, outputs: list[torch.Tensor], lengths: torch.Tensor) -> torch.Tensor:
        """The network's pooling (max, mean, max_mean or last) of each direction over its real positions, in the
        reference's feature order, summed in fp32."""
        pooling = self.network.config.pooling
        if pooling == "last":
            index = (lengths - 1).view(-1, 1, 1)
            return torch.cat([out.gather(1, index.expand(-1, 1, out.shape[2])).squeeze(1).float()
                              for out in outputs], dim=1)
        padding = (torch.arange(outputs[0].shape[1])[None, :] >= lengths[:, None]).unsqueeze(-1)
        maxima, means = [], []
        for out in (out.float() for out in outputs):
            if pooling in ("max", "max_mean"):
                maxima.append(out.masked_fill(padding, float("-inf")).amax(dim=1))
            if pooling in ("mean", "max_mean"):
                means.append(out.masked_fill(padding, 0).sum(dim=1) / lengths[:, None])
        return torch.cat(maxima + means, dim=1)


def _one_way(lstm: nn.LSTM, layer: int, suffix: str) -> nn.LSTM:
    """One direction of one layer of `lstm` as a standalone one-way bf16 LSTM (same weights, rounded)."""
    input_size = lstm.weight_ih_l0.shape[1] if layer == 0 else lstm.hidden_size * (2 if lstm.bidirectional else 1)
    single = nn.LSTM(input_size, lstm.hidden_size, batch_first=True)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(single, f"{name}_l0").copy_(getattr(lstm, f"{name}_l{layer}{suffix}"))
    return single.to(torch.bfloat16).eval().requires_grad_(False)


def _reverse_index(lengths: torch.Tensor, time: int) -> torch.Tensor:
    """(batch, time) positions that reverse each review's real tokens and leave its padding where it is."""
    steps = torch.arange(time)[None, :]
    return torch.where(steps < lengths[:, None], lengths[:, None] - 1 - steps, steps)


def padded_batches(encoded: Sequence[np.ndarray], batch_size: int):
    """(indices, ids, lengths) for length-sorted batches padded at the end. The batches depend only on the
    reviews given, so the same call always batches (and rounds) alike."""
    lengths = np.fromiter((len(e) for e in encoded), dtype=np.int64, count=len(encoded))
    order = np.argsort(lengths, kind="stable")
    for start in range(0, len(order), batch_size):
        indices = order[start:start + batch_size]
        ids = np.zeros((len(indices), lengths[indices].max()), dtype=np.int64)
        for row, i in enumerate(indices):
            ids[row, :lengths[i]] = encoded[i]
        yield indices, torch.from_numpy(ids), torch.from_numpy(lengths[indices])
