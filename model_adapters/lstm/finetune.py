"""Fine-tuning an existing LSTM on augmented rows: a vocabulary that grows, soft targets, and two losses on the
log-odds the suite judges: a hinge that makes antonym-swap (DIR) rows move their way, and a penalty that keeps
typo'd (INV) rows with their source review.

A frozen vocabulary maps every OCR typo, slang word and abbreviation the augmented rows bring in to the
unknown word, so fine-tuning could only teach the model to ignore them. Growing it adds those tokens with
embeddings copied from the unknown word's: the grown model predicts exactly as before until training moves
them, and training can then learn that "tlie" reads like "the".
"""

from __future__ import annotations

from collections import Counter
from typing import Callable, Iterable

import numpy as np
import torch

from model_adapters.lstm.config import LSTMConfig
from model_adapters.lstm.network import LSTMClassifier
from model_adapters.lstm.tokenizer import OOV_ID, Vocabulary
from model_adapters.errors import UsageError


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


def check_growable(config: LSTMConfig) -> None:
    if config.ngram_buckets:
        raise UsageError("growing the vocabulary of a model with an n-gram bag would re-hash its bigrams; "
                         "fine-tune it with grow_vocab off")


def grown_network(base: LSTMClassifier, config: LSTMConfig, known: int, vocab_size: int) -> LSTMClassifier:
    """A copy of `base` for a vocabulary of `vocab_size` tokens whose first `known` are base's: every other
    token's embedding row starts as the unknown word's, so predictions are unchanged until training."""
    check_growable(base.config)
    rows = max(base.config.vocab_size, vocab_size)
    network = LSTMClassifier(config.replace(vocab_size=rows))
    state = base.state_dict()
    old = state["embedding.weight"]
    embedding = old[OOV_ID].repeat(rows, 1)
    embedding[:known] = old[:known]
    state["embedding.weight"] = embedding
    network.load_state_dict(state)
    return network


def blended_state(base: LSTMClassifier, tuned: LSTMClassifier, share: float) -> dict[str, torch.Tensor]:
    """`share` of each of the fine-tuned model's weights plus the rest of the base model's (WiSE-FT, Wortsman et
    al. 2022); `base` must have `tuned`'s shapes (grown_network).

    Every fine-tuning step that teaches typos and antonym swaps also drifts the model from what it knew of
    clean reviews. Both models start from the same weights, so the line between them usually stays in one
    basin: a point on it keeps part of what the fine-tune learnt and gives back part of the drift (on IMDB
    about as much of each as stopping the fine-tune early: README, benchmark table).
    """
    check_blend(share)
    tuned_state, base_state = tuned.state_dict(), base.state_dict()
    return {name: share * weight + (1.0 - share) * base_state[name] for name, weight in tuned_state.items()}


def check_blend(share: float) -> None:
    if not 0.0 < share <= 1.0:
        raise UsageError(f"blend {share} is out of range; it is the fine-tuned weights' share, in (0, 1]")


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


def check_sources(sources: np.ndarray, n_rows: int, kind: str) -> np.ndarray:
    """`kind` ("INV", "DIR") names the rows in the error."""
    sources = np.asarray(sources)
    if sources.shape != (n_rows,) or not np.issubdtype(sources.dtype, np.integer):
        raise UsageError(f"{kind} sources have shape {sources.shape} ({sources.dtype}); expected ({n_rows},) integers: a source row or -1 per training review")
    if ((sources < -1) | (sources >= n_rows)).any() or (sources == np.arange(n_rows)).any():
        raise UsageError(f"{kind} sources must be -1 or the index of another training review (0 .. {n_rows - 1})")
    return sources.astype(np.int64)


def directional_hinge(logits: torch.Tensor, anchors: torch.Tensor, margin: float,
                      source_log_odds: torch.Tensor | None = None) -> torch.Tensor:
    """How far each DIR row's log-odds of the label its change points toward falls short of its source review's
    (the anchor) plus `margin`, summed and divided by the batch size (rows with label index -1 add nothing).

    Soft targets ask little of a review the model is sure of: moving 0.02 to 0.014 is a tiny cross-entropy
    gradient, so an antonym swap could push such a review the wrong way almost for free. The suite judges DIR
    moves on the log-odds, and so does this loss. `source_log_odds` (one per DIR row, in order) replaces the
    fixed anchors with the source reviews as the model reads them now (paired_source_log_odds).
    """
    rows = anchors[:, 0] >= 0
    if not bool(rows.any()):
        return logits.new_zeros(())
    anchor = anchors[rows, 1] if source_log_odds is None else source_log_odds
    shortfall = torch.relu(anchor + margin - log_odds(logits[rows], anchors[rows, 0].long()))
    return shortfall.sum() / len(logits)


def paired_source_log_odds(anchors: torch.Tensor, sources: np.ndarray,
                           read: Callable[[np.ndarray], torch.Tensor]) -> torch.Tensor | None:
    """Each DIR row's source review's log-odds of the row's label, as the model reads the source now, with
    gradient; None when the batch has no DIR row.

    The suite asks a swap to move the retrained model's own reading of the review, so a hinge anchored on the
    teacher's reading can be met while the test still fails (the source drifted past the row). With gradient
    through both, what the pair learns is the difference between them: the swapped words, not the review
    around them. `read(rows)` gives the model's logits for those rows. Sparing the sources whose gold label the
    row points to (no gradient there) was measured worse on full IMDB: the spared sources sharpen and the rows
    chase them (benchmarks/results/loop_imdb_dsm_pairsafe_*.json).
    """
    rows = (anchors[:, 0] >= 0).numpy()
    if not rows.any():
        return None
    return log_odds(read(sources[rows]), anchors[torch.from_numpy(rows), 0].long())


def invariance_penalty(logits: torch.Tensor, sources: np.ndarray, read: Callable[[np.ndarray], torch.Tensor],
                       tolerance: float) -> torch.Tensor:
    """How far each INV row's log-odds (of the label its source review gets) strays beyond `tolerance` from its
    source's, as the model reads the source now, summed and divided by the batch size.

    `sources[i]` is row i's source row, -1 for rows without one; `read(rows)` gives the model's logits for those
    rows. The source is read without dropout and without gradient: the copy must follow its review, not the other
    way round. A teacher target fixed before training would pull a borderline copy to the borderline; this
    pulls it to wherever the review itself is heading.
    """
    paired = sources >= 0
    if not paired.any():
        return logits.new_zeros(())
    with torch.no_grad():
        source_logits = read(sources[paired])
    label = source_logits.argmax(1)
    stray = (log_odds(logits[torch.from_numpy(paired)], label) - log_odds(source_logits, label)).abs()
    return torch.relu(stray - tolerance).sum() / len(logits)


def log_odds(logits: torch.Tensor, label: torch.Tensor) -> torch.Tensor:
    """log P(label) - log P(any other label), per row, from logits."""
    label = label.unsqueeze(1)
    return logits.gather(1, label).squeeze(1) - logits.scatter(1, label, float("-inf")).logsumexp(1)
