"""Fine-tuning an existing LSTM on augmented rows: a vocabulary that grows, soft targets, and a hinge on the
log-odds the suite judges that makes antonym-swap (DIR) rows move their way. FineTuneObjective carries them into
train_lstm as one value.

A frozen vocabulary maps every OCR typo, slang word and abbreviation the augmented rows bring in to the
unknown word, so fine-tuning could only teach the model to ignore them. Growing it adds those tokens with
embeddings copied from the unknown word's: the grown model predicts exactly as before until training moves
them, and training can then learn that "tlie" reads like "the".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Iterable

import numpy as np
import torch

from model_adapters.errors import UsageError
from model_adapters.lstm.config import LSTMConfig
from model_adapters.lstm.network import LSTMClassifier
from model_adapters.lstm.tokenizer import OOV_ID, Vocabulary


@dataclass(frozen=True, eq=False)
class FineTuneObjective:
    """What training aims at beyond the one-hot gold labels, per training row (train reviews, then augmented rows).

    Built by the engine from the retrain settings (robustness/loop/teacher_targets.py: targets, teacher_weight,
    dir_shift, dir_margin, grow_vocab); None everywhere is plain training on gold labels.
    """

    soft_targets: np.ndarray | None = None     # (rows, labels) probabilities replacing the gold labels in the loss
    grow_vocab_rows: np.ndarray | None = None  # (rows,) bool: whose new words may join the vocabulary (needs init_from)
    grow_vocab_limit: int = 20_000             # at most this many new tokens
    dir_anchors: np.ndarray | None = None      # (rows, 2): [label index a DIR row points toward or -1, source log-odds]
    dir_margin: float = 1.0                    # log-odds a DIR row must gain over its anchor (directional_hinge)

    def checked(self, n_rows: int, n_labels: int) -> "FineTuneObjective":
        """The same objective with every array checked against the training data's shape (UsageError naming it)."""
        return replace(
            self,
            soft_targets=None if self.soft_targets is None else check_soft_targets(self.soft_targets, n_rows, n_labels),
            grow_vocab_rows=None if self.grow_vocab_rows is None else check_grow_rows(self.grow_vocab_rows, n_rows),
            dir_anchors=None if self.dir_anchors is None else check_dir_anchors(self.dir_anchors, n_rows, n_labels),
        )


def grown_vocabulary(vocab: Vocabulary, token_lists: Iterable[list[str]], min_freq: int, limit: int,
                     skip: Iterable[list[str]] = ()) -> Vocabulary:
    """`vocab` plus at most `limit` tokens it lacks that occur at least `min_freq` times in `token_lists`
    (most frequent first, ties by token, so the result is deterministic), leaving out every token of `skip`.

    `skip` is for the clean training reviews: an augmented row copies its source review, so its rare words
    (a director's name, a misspelt title) would otherwise join too, and a fine-tune learns each as the
    sentiment of the one review it comes from. Only the words the perturbations made (typos, slang) join.
    """
    counts: Counter = Counter()
    known = set(vocab.tokens)
    for tokens in skip:
        known.update(tokens)
    for tokens in token_lists:
        counts.update(t for t in tokens if t not in known)
    ranked = sorted((t for t, c in counts.items() if c >= min_freq), key=lambda t: (-counts[t], t))
    return Vocabulary(tokens=vocab.tokens + tuple(ranked[:limit]))


def grown_network(base: LSTMClassifier, config: LSTMConfig, known: int, vocab_size: int) -> LSTMClassifier:
    """A copy of `base` for a vocabulary of `vocab_size` tokens whose first `known` are base's: every other
    token's embedding row starts as the unknown word's, so predictions are unchanged until training."""
    rows = max(base.config.vocab_size, vocab_size)
    network = LSTMClassifier(config.replace(vocab_size=rows))
    state = base.state_dict()
    old = state["embedding.weight"]
    embedding = old[OOV_ID].repeat(rows, 1)
    embedding[:known] = old[:known]
    state["embedding.weight"] = embedding
    network.load_state_dict(state)
    return network


def check_soft_targets(targets: np.ndarray, n_rows: int, n_labels: int) -> np.ndarray:
    targets = np.asarray(targets, dtype=np.float32)
    if targets.shape != (n_rows, n_labels):
        raise UsageError(f"soft targets have shape {targets.shape}; expected ({n_rows}, {n_labels}): one row per training review")
    if not np.all(np.isfinite(targets)) or (targets < 0).any() or not np.allclose(targets.sum(1), 1.0, atol=1e-4):
        raise UsageError("soft targets must be probabilities: non-negative rows that sum to 1")
    return targets


def check_grow_rows(rows: np.ndarray, n_rows: int) -> np.ndarray:
    rows = np.asarray(rows)
    if rows.shape != (n_rows,) or rows.dtype != np.bool_:
        raise UsageError(f"grow_vocab_rows has shape {rows.shape} ({rows.dtype}); expected ({n_rows},) booleans: "
                         f"True for each training review whose new words may join the vocabulary")
    return rows


def check_dir_anchors(anchors: np.ndarray, n_rows: int, n_labels: int) -> np.ndarray:
    anchors = np.asarray(anchors, dtype=np.float32)
    if anchors.shape != (n_rows, 2):
        raise UsageError(f"DIR anchors have shape {anchors.shape}; expected ({n_rows}, 2): [label index or -1, log-odds] per training review")
    toward = anchors[:, 0]
    if not np.all(np.isfinite(anchors)) or not np.all((toward == -1) | ((toward >= 0) & (toward < n_labels) & (toward == np.round(toward)))):
        raise UsageError(f"DIR anchors: the first column must be -1 or a label index below {n_labels}, and every value finite")
    return anchors


def directional_hinge(logits: torch.Tensor, anchors: torch.Tensor, margin: float) -> torch.Tensor:
    """How far each DIR row's log-odds of the label its change points toward falls short of its source review's
    (the anchor) plus `margin`, summed and divided by the batch size (rows with label index -1 add nothing).

    Soft targets ask little of a review the model is sure of: moving 0.02 to 0.014 is a tiny cross-entropy
    gradient, so an antonym swap could push such a review the wrong way almost for free. The suite judges DIR
    moves on the log-odds, and so does this loss.
    """
    rows = anchors[:, 0] >= 0
    if not bool(rows.any()):
        return logits.new_zeros(())
    shortfall = torch.relu(anchors[rows, 1] + margin - log_odds(logits[rows], anchors[rows, 0].long()))
    return shortfall.sum() / len(logits)


def log_odds(logits: torch.Tensor, label: torch.Tensor) -> torch.Tensor:
    """log P(label) - log P(any other label), per row, from logits."""
    label = label.unsqueeze(1)
    return logits.gather(1, label).squeeze(1) - logits.scatter(1, label, float("-inf")).logsumexp(1)
