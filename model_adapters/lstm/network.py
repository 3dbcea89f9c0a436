"""The LSTM classifier built from an LSTMConfig: embedding -> (spatial dropout) -> LSTM -> pooling -> linear.

Batches are normally equal-length (no padding at all), which is what makes torch's CPU LSTM fast;
`lengths` is supported for padded batches so the network stays correct when given one.
"""

from __future__ import annotations

import torch
from torch import nn

from model_adapters.lstm.config import LSTMConfig
from model_adapters.lstm.tokenizer import PAD_ID


class SpatialDropout(nn.Module):
    """Drops whole embedding channels for a review (Keras SpatialDropout1D): a word feature goes missing everywhere."""

    def __init__(self, rate: float):
        super().__init__()
        self.rate = rate

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (batch, time, channels)
        if not self.training or self.rate == 0:
            return x
        keep = torch.empty(x.shape[0], 1, x.shape[2], device=x.device, dtype=x.dtype).bernoulli_(1 - self.rate)
        return x * keep / (1 - self.rate)


class LSTMClassifier(nn.Module):
    def __init__(self, config: LSTMConfig):
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embedding_dim, padding_idx=PAD_ID)
        self.embedding_dropout = SpatialDropout(config.embedding_dropout)
        self.lstm = nn.LSTM(
            config.embedding_dim, config.hidden_size, num_layers=config.num_layers, batch_first=True,
            bidirectional=config.bidirectional, dropout=config.dropout if config.num_layers > 1 else 0.0,
        )
        width = config.hidden_size * (2 if config.bidirectional else 1)
        if config.pooling == "attention":
            self.attention = nn.Linear(width, 1)
        features = width * 2 if config.pooling == "max_mean" else width
        self.dropout = nn.Dropout(config.dropout)
        if config.head_layers:  # only built when asked for, so older state dicts keep their exact keys
            layers = []
            for size in config.head_layers:
                layers += [nn.Linear(features, size), nn.ReLU(), nn.Dropout(config.dropout)]
                features = size
            self.head = nn.Sequential(*layers)
        self.output = nn.Linear(features, len(config.labels))
        if config.init == "keras":
            self._keras_init()

    @torch.no_grad()
    def _keras_init(self) -> None:
        """Keras defaults: uniform(+-0.05) embeddings, glorot input and orthogonal recurrent weights, and a
        forget-gate bias of 1 so the LSTM starts out remembering (matters for last-state models on long reviews)."""
        nn.init.uniform_(self.embedding.weight, -0.05, 0.05)
        hidden = self.config.hidden_size
        for name, param in self.lstm.named_parameters():
            if name.startswith("weight_ih"):
                nn.init.xavier_uniform_(param)
            elif name.startswith("weight_hh"):
                for gate in range(4):  # Keras makes each gate's recurrent block orthogonal
                    nn.init.orthogonal_(param[gate * hidden:(gate + 1) * hidden])
            elif name.startswith("bias_ih"):
                param.zero_()
                param[hidden:2 * hidden] = 1.0  # torch gate order: input, forget, cell, output
            elif name.startswith("bias_hh"):
                param.zero_()
        for layer in [*getattr(self, "head", []), self.output]:
            if isinstance(layer, nn.Linear):
                nn.init.xavier_uniform_(layer.weight)
                nn.init.zeros_(layer.bias)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor | None = None, packed: bool = False) -> torch.Tensor:
        """Logits (batch, n_labels) for token ids (batch, time); `lengths` marks padding when a batch has any."""
        x = self.embedding_dropout(self.embedding(ids))
        if packed and lengths is not None:
            packed_x = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
            out, _ = self.lstm(packed_x)
            out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=ids.shape[1])
        else:
            out, _ = self.lstm(x)
        features = self._pool(out, lengths)
        features = self.dropout(features)
        if self.config.head_layers:
            features = self.head(features)
        return self.output(features)

    def _pool(self, out: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        pooling = self.config.pooling
        mask = None
        if lengths is not None:
            mask = torch.arange(out.shape[1], device=out.device)[None, :] < lengths[:, None]  # (batch, time)
        if pooling == "last":
            return self._last_state(out, lengths)
        if pooling in ("max", "mean"):
            return self._max_mean(out, mask, lengths)[0 if pooling == "max" else 1]
        if pooling == "max_mean":
            return torch.cat(self._max_mean(out, mask, lengths), dim=1)
        weights = self.attention_weights(out, mask).unsqueeze(-1)  # attention: a learned weighting of time steps
        return (out * weights).sum(dim=1)

    def attention_weights(self, out: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """(batch, time) softmax weights of attention pooling over LSTM outputs (sum to 1 per review)."""
        scores = self.attention(out).squeeze(-1)
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        return torch.softmax(scores, dim=1)

    def encode(self, ids: torch.Tensor) -> torch.Tensor:
        """LSTM outputs (batch, time, width) for unpadded ids, in inference mode (used by explanations)."""
        out, _ = self.lstm(self.embedding_dropout(self.embedding(ids)))
        return out

    @staticmethod
    def _max_mean(out: torch.Tensor, mask: torch.Tensor | None, lengths: torch.Tensor | None):
        if mask is None:
            return out.amax(dim=1), out.mean(dim=1)
        m = mask.unsqueeze(-1)
        return (out.masked_fill(~m, float("-inf")).amax(dim=1),
                (out * m).sum(dim=1) / lengths.clamp(min=1)[:, None].to(out.dtype))

    def _last_state(self, out: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        """Forward direction at the last real token; backward direction at the first token (it has read everything)."""
        hidden = self.config.hidden_size
        if lengths is None:
            last = out[:, -1, :hidden]
        else:
            index = (lengths - 1).clamp(min=0).view(-1, 1, 1).expand(-1, 1, hidden)
            last = out[:, :, :hidden].gather(1, index).squeeze(1)
        if not self.config.bidirectional:
            return last
        return torch.cat([last, out[:, 0, hidden:]], dim=1)
