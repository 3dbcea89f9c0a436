"""Train an LSTM classifier: seeded, resumable after a kill, early-stopped on validation, saved as an artifact.

Every epoch ends with an atomic checkpoint in the output directory; rerunning the same command continues
from it. The best epoch's weights (by validation accuracy) are what the artifact keeps, or the last epoch's.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import platform
import time
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np
import torch
from torch import nn

from model_adapters.lstm.artifact import METRICS_FILE, load_network, save_model
from model_adapters.lstm.batching import collate_padded, collate_trimmed, encode_tokens, predict_logits, tokenize_texts, training_batches
from model_adapters.lstm.checkpoint import CHECKPOINT_FILE, read_checkpoint_state, restore_checkpoint, save_checkpoint
from model_adapters.lstm.config import ARCHITECTURE_FIELDS, LSTMConfig
from model_adapters.lstm.finetune import (blended_state, check_blend, check_dir_anchors, check_grow_rows, check_growable,
                                          check_soft_targets, check_sources, directional_hinge, grown_network,
                                          grown_vocabulary, invariance_penalty, paired_source_log_odds)
from model_adapters.lstm.network import LSTMClassifier
from model_adapters.lstm.presets import resolve_config
from model_adapters.lstm.tokenizer import OOV_ID, PAD_ID, Vocabulary
from model_adapters.errors import DataError, UsageError
from model_adapters.files import ensure_writable_dir, write_json

METRICS_SCHEMA_VERSION = 1
KEEP_EPOCHS = ("best", "last")  # which epoch's weights the artifact keeps: best validation accuracy, or the last run
EPOCHS_DIR = "epochs"  # with save_epochs: every epoch's model, out_dir/epochs/N


def available_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def train_lstm(
    train,
    validation,
    config_or_preset: "str | LSTMConfig | Mapping" = "quick",
    out_dir: str | Path = "model",
    seed: int = 13,
    init_from: str | Path | None = None,
    progress: bool = True,
    epoch_callback: Callable[[dict], None] | None = None,
    num_threads: int | None = None,
    soft_targets: "np.ndarray | None" = None,
    grow_vocab_rows: "np.ndarray | None" = None,
    grow_vocab_limit: int = 20_000,
    dir_anchors: "np.ndarray | None" = None,
    dir_margin: float = 1.0,
    inv_sources: "np.ndarray | None" = None,
    inv_tolerance: float = 0.25,
    dir_sources: "np.ndarray | None" = None,
    blend: float = 1.0,
    keep_epoch: str = "best",
    save_epochs: bool = False,
) -> dict:
    """Train on `train`, select the epoch on `validation`, write the model directory; returns its metrics.

    `train`/`validation` need `.texts` and `.labels` (robustness.data.Dataset). With `init_from`, the existing
    model's vocabulary and architecture are kept and only the training settings come from the config
    (fine-tuning for the augment-and-retrain loop); `grow_vocab_rows` (with `init_from`: per train review,
    True for the augmented rows) adds the tokens those rows bring in that the vocabulary lacks and no other
    train review has. `soft_targets` (one probability row per train review)
    replaces the one-hot gold labels in the loss. `dir_anchors` (per train review: the label index its change
    points toward, or -1, and its source's log-odds of that label) adds a hinge asking each such row for
    `dir_margin` more log-odds than its source (finetune.directional_hinge), or with `dir_sources` (per train
    review: the row of its source review, or -1) than the source as the model reads it while training;
    `inv_sources` (the same shape) makes each such row's log-odds follow its source's within `inv_tolerance`
    (finetune.invariance_penalty). The history's train_loss includes those terms. `blend` < 1 (with
    `init_from`) keeps that share of the best epoch's weights (the epoch is still chosen on its own validation
    accuracy) and the rest of the starting model's (finetune.blended_state); the metrics' `validation` is then
    the blend's. `keep_epoch` "last" keeps the last epoch run instead of the one with the best validation
    accuracy: a fine-tune's epochs often differ by a few validation reviews, noise that should not decide
    whether the model sees the end of its schedule. `save_epochs` also writes each epoch's model (unblended)
    to `out_dir/epochs/N`, for comparing epochs with the suite afterwards. `epoch_callback(record)` runs after
    each saved epoch.
    """
    started = time.perf_counter()
    config = resolve_config(config_or_preset)
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(num_threads or available_threads())
    try:
        with torch.random.fork_rng(devices=[]):  # seeded locally; the caller's global RNG is left untouched
            torch.manual_seed(seed)
            return _train(train, validation, config, out_dir, seed, init_from, progress, epoch_callback, started,
                          soft_targets, grow_vocab_rows, grow_vocab_limit, dir_anchors, dir_margin,
                          inv_sources, inv_tolerance, dir_sources, blend, keep_epoch, save_epochs)
    finally:
        torch.set_num_threads(previous_threads)


def _train(train, validation, config, out_dir, seed, init_from, progress, epoch_callback, started,
           soft_targets, grow_vocab_rows, grow_vocab_limit, dir_anchors, dir_margin,
           inv_sources, inv_tolerance, dir_sources, blend, keep_epoch, save_epochs) -> dict:
    if keep_epoch not in KEEP_EPOCHS:
        raise UsageError(f"keep_epoch {keep_epoch!r} is unknown; choose one of {', '.join(KEEP_EPOCHS)}")
    if grow_vocab_rows is not None and init_from is None:
        raise UsageError("grow_vocab_rows needs init_from: only an existing model's vocabulary can grow")
    check_blend(blend)
    if blend < 1.0 and init_from is None:
        raise UsageError(f"blend {blend} needs init_from: the rest of the weights come from the model fine-tuned from")
    base = None
    if init_from is not None:  # fine-tuning: the base model's architecture and vocabulary, its trained embedding
        if Path(init_from).resolve() == Path(out_dir).resolve():
            raise UsageError(f"{out_dir} is the model to fine-tune from; write the fine-tuned model to another directory")
        base, vocab = load_network(init_from)
        if grow_vocab_rows is not None:
            check_growable(base.config)
        config = config.replace(**{f: getattr(base.config, f) for f in ARCHITECTURE_FIELDS}, pretrain="none")
    train_y = _label_ids(train, config, "train")
    val_y = _label_ids(validation, config, "validation")
    if soft_targets is not None:
        soft_targets = check_soft_targets(soft_targets, len(train), len(config.labels))
    if dir_anchors is not None:
        dir_anchors = torch.from_numpy(check_dir_anchors(dir_anchors, len(train), len(config.labels)))
    if inv_sources is not None:
        inv_sources = check_sources(inv_sources, len(train), "INV")
    if grow_vocab_rows is not None:
        grow_vocab_rows = check_grow_rows(grow_vocab_rows, len(train))
    if dir_sources is not None:
        if dir_anchors is None:
            raise UsageError("dir_sources needs dir_anchors: they pair the directional hinge's rows with their source reviews")
        dir_sources = check_sources(dir_sources, len(train), "DIR")
    out_dir = ensure_writable_dir(out_dir)  # after every input has been checked: bad input leaves nothing behind
    t0 = time.perf_counter()
    train_tokens = tokenize_texts(train.texts, config)
    grown = 0
    if init_from is None:
        vocab = Vocabulary.build(train_tokens, config.vocab_size, config.min_freq)
    elif grow_vocab_rows is not None:
        base_size = len(vocab)
        vocab = grown_vocabulary(vocab, [t for t, g in zip(train_tokens, grow_vocab_rows) if g], config.min_freq,
                                 grow_vocab_limit, skip=[t for t, g in zip(train_tokens, grow_vocab_rows) if not g])
        grown = len(vocab) - base_size
        if grown:
            base = grown_network(base, config, base_size, len(vocab))
            config = config.replace(vocab_size=base.config.vocab_size)
    train_x = encode_tokens(train_tokens, vocab)
    del train_tokens
    val_x = encode_tokens(tokenize_texts(validation.texts, config), vocab)
    tokenize_s = time.perf_counter() - t0

    network = LSTMClassifier(config)
    if init_from is not None:
        network.load_state_dict(base.state_dict())
    optimizer = _optimizer(network, config)
    fingerprint = _fingerprint(config, seed, train, validation, vocab, init_from, soft_targets, dir_anchors, dir_margin,
                               inv_sources, inv_tolerance, dir_sources, keep_epoch)
    checkpoint = out_dir / CHECKPOINT_FILE
    state = {"fingerprint": fingerprint, "next_epoch": 0, "history": [], "best_epoch": None,
             "best_accuracy": -1.0, "stale_epochs": 0, "train_s": 0.0}
    if checkpoint.is_file():
        saved, tensors, metadata = read_checkpoint_state(checkpoint)
        if saved.get("fingerprint") != fingerprint:
            raise UsageError(
                f"{checkpoint}: an unfinished run with a different config, seed or data; delete that file "
                f"to start over, or choose another --out"
            )
        restore_checkpoint(tensors, metadata, network, optimizer)
        state = saved
    elif init_from is None and config.pretrain != "none":
        state["pretrain"] = _pretrain_embedding(network, train_x, config, seed)

    steps_per_epoch = math.ceil(len(train_x) / config.batch_size)
    total_steps = steps_per_epoch * config.epochs
    head_fraction = config.head_tokens / config.max_tokens
    loss_fn = nn.CrossEntropyLoss()
    # the source reviews' logits, for the terms that pair a row with its source (invariance penalty, paired hinge)
    read = functools.partial(_read_quietly, network, train_x, config=config, head_fraction=head_fraction)
    for epoch in range(state["next_epoch"], config.epochs):
        if config.patience and state["stale_epochs"] >= config.patience:
            break
        epoch_start = time.perf_counter()
        batches = training_batches(np.array([len(x) for x in train_x]), config.batch_size, np.random.default_rng([seed, epoch]))
        network.train()
        loss_sum, correct, seen = 0.0, 0, 0
        bar = _progress(len(batches), f"epoch {epoch + 1}/{config.epochs}", progress)
        unknown_words = torch.Generator().manual_seed(seed * 1_000 + epoch)  # word dropout, reproducible on resume
        for step, batch in enumerate(batches):
            lr = learning_rate_at(epoch * steps_per_epoch + step, total_steps, config)
            for group in optimizer.param_groups:
                group["lr"] = lr
            targets = torch.from_numpy(train_y[batch])
            wanted = targets if soft_targets is None else torch.from_numpy(soft_targets[batch])
            if config.packed:
                ids, lengths = collate_padded(train_x, batch)
                logits = network(word_dropout(ids, config.word_dropout, unknown_words), lengths, packed=True)
            else:
                ids = collate_trimmed(train_x, batch, head_fraction)
                logits = network(word_dropout(ids, config.word_dropout, unknown_words))
            loss = loss_fn(logits, wanted)
            if dir_anchors is not None:
                anchors = dir_anchors[batch]
                live = None if dir_sources is None else paired_source_log_odds(anchors, dir_sources[batch], read)
                loss = loss + directional_hinge(logits, anchors, dir_margin, live)
            if inv_sources is not None:
                loss = loss + invariance_penalty(logits, inv_sources[batch], read, inv_tolerance)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if config.clip_norm > 0:
                nn.utils.clip_grad_norm_(network.parameters(), config.clip_norm)
            optimizer.step()
            loss_sum += loss.item() * len(batch)
            correct += int((logits.argmax(1) == targets).sum())
            seen += len(batch)
            bar.update(1)
            if step % 20 == 0:
                bar.set_postfix(loss=f"{loss_sum / seen:.4f}", acc=f"{correct / seen:.4f}", lr=f"{lr:.2e}")
        bar.close()
        train_s = time.perf_counter() - epoch_start
        validation_metrics = evaluate_encoded(network, val_x, val_y, config)
        record = {
            "epoch": epoch + 1, "train_loss": loss_sum / seen, "train_accuracy": correct / seen,
            "validation_loss": validation_metrics["loss"], "validation_accuracy": validation_metrics["accuracy"],
            "validation_macro_f1": validation_metrics["macro_f1"], "learning_rate_end": lr,
            "seconds": time.perf_counter() - epoch_start, "train_seconds": train_s,
        }
        state["history"].append(record)
        state["train_s"] += record["seconds"]
        improved = validation_metrics["accuracy"] > state["best_accuracy"]
        if improved:
            state.update(best_accuracy=validation_metrics["accuracy"], stale_epochs=0)
        else:
            state["stale_epochs"] += 1
        if improved or keep_epoch == "last":
            state["best_epoch"] = epoch + 1
            save_model(out_dir, network, vocab)
        if save_epochs:
            save_model(ensure_writable_dir(out_dir / EPOCHS_DIR / str(epoch + 1)), network, vocab)
        state["next_epoch"] = epoch + 1
        save_checkpoint(checkpoint, network, optimizer, state)
        if progress:
            print(f"epoch {epoch + 1}: train loss {record['train_loss']:.4f} acc {record['train_accuracy']:.4f} | "
                  f"validation loss {record['validation_loss']:.4f} acc {record['validation_accuracy']:.4f} "
                  f"({record['seconds']:.0f}s)", flush=True)
        if epoch_callback is not None:
            epoch_callback(record)

    validate = lambda net: {"n": len(val_x), **evaluate_encoded(net, val_x, val_y, config)}  # noqa: E731
    best, unblended = _final_network(network, out_dir, vocab, checkpoint, optimizer, state, base, blend, validate)
    final = validate(best)
    metrics = {
        "schema_version": METRICS_SCHEMA_VERSION, "kind": "lstm_training", "completed": True,
        "preset": config.name, "seed": seed, "init_from": str(init_from) if init_from is not None else None,
        "config": config.to_dict(), "history": state["history"], "best_epoch": state["best_epoch"],
        "epochs_run": len(state["history"]), "keep_epoch": keep_epoch,
        "epoch_models": str(out_dir / EPOCHS_DIR) if save_epochs else None,
        "validation": final,
        "n_train": len(train_x), "n_validation": len(val_x), "vocab_size_used": len(vocab), "vocab_grown": grown,
        "soft_targets": soft_targets is not None,
        "dir_hinge": ({"rows": int((dir_anchors[:, 0] >= 0).sum()), "margin": dir_margin,
                       "anchor": "teacher" if dir_sources is None else "pair"} if dir_anchors is not None else None),
        "inv_consistency": ({"rows": int((inv_sources >= 0).sum()), "tolerance": inv_tolerance}
                            if inv_sources is not None else None),
        "blend": {"share": blend, "validation_unblended": unblended} if unblended is not None else None,
        "parameters": sum(p.numel() for p in best.parameters()),
        "pretrain": state.get("pretrain"),
        "timings": {"tokenize_s": round(tokenize_s, 3), "pretrain_s": (state.get("pretrain") or {}).get("seconds", 0.0),
                    "train_s": round(state["train_s"], 3),
                    "total_s": round(time.perf_counter() - started, 3)},
        "threads": torch.get_num_threads(),
        "versions": {"torch": torch.__version__, "numpy": np.__version__, "python": platform.python_version()},
        "data_fingerprint": fingerprint["data"],
    }
    write_json(out_dir / METRICS_FILE, metrics)
    checkpoint.unlink(missing_ok=True)
    return {**metrics, "out_dir": str(out_dir)}


def _final_network(network, out_dir: Path, vocab: Vocabulary, checkpoint: Path, optimizer, state: dict,
                   base: LSTMClassifier | None, blend: float, validate: Callable) -> tuple[LSTMClassifier, dict | None]:
    """The artifact's network: the best epoch's or, with `blend` < 1, its blend with `base`; and the best epoch's
    own validation metrics when blended (else None).

    Before the artifact takes the blend, the checkpoint keeps the best epoch's weights: a rerun after a kill
    starts from them again, so it never blends a blend, and a rerun asking for another blend (or none) gets it.
    """
    resumed = bool(state.get("tuned_in_checkpoint"))
    best = network.eval() if resumed else load_network(out_dir)[0]
    unblended = None
    if blend < 1.0:
        if not resumed:
            state["tuned_in_checkpoint"] = True
            save_checkpoint(checkpoint, best, optimizer, state)
        unblended = validate(best)
        best.load_state_dict(blended_state(base, best, blend))
    if blend < 1.0 or resumed:
        save_model(out_dir, best, vocab)
    return best, unblended


def _read_quietly(network: LSTMClassifier, encoded, rows: np.ndarray, config: LSTMConfig, head_fraction: float):
    """The network's logits for `rows` without dropout, cut (head + tail) to the shortest of them as a training
    batch is, then back to training mode (with gradient unless the caller turns it off)."""
    network.eval()
    try:
        if config.packed:
            ids, lengths = collate_padded(encoded, rows)
            return network(ids, lengths, packed=True)
        return network(collate_trimmed(encoded, rows, head_fraction))
    finally:
        network.train()


def word_dropout(ids: torch.Tensor, rate: float, generator: torch.Generator) -> torch.Tensor:
    """Replace a `rate` share of the (non-padding) tokens by the unknown word, so the model learns not to lean
    on any single word being spelled right: typos, OCR errors and slang all arrive as unknown words."""
    if rate <= 0:
        return ids
    drop = (torch.rand(ids.shape, generator=generator) < rate) & (ids != PAD_ID)
    return ids.masked_fill(drop, OOV_ID)


def _pretrain_embedding(network: LSTMClassifier, train_x, config: LSTMConfig, seed: int) -> dict:
    """Co-occurrence vectors of the train reviews into the embedding layer (fine-tuned afterwards like any weight)."""
    from model_adapters.lstm.pretrain import cooccurrence_vectors

    vectors, record = cooccurrence_vectors(train_x, network.embedding.num_embeddings,
                                           network.embedding.embedding_dim, config.pretrain_window, seed)
    with torch.no_grad():
        network.embedding.weight.copy_(torch.from_numpy(vectors))
    return record


def evaluate_encoded(network: LSTMClassifier, encoded: Sequence[np.ndarray], gold: np.ndarray, config: LSTMConfig) -> dict:
    logits = predict_logits(network, encoded, config.inference_batch_size)
    loss = float(nn.functional.cross_entropy(torch.from_numpy(logits), torch.from_numpy(gold)))
    predicted = logits.argmax(1)
    return {"loss": loss, "accuracy": float((predicted == gold).mean()), "macro_f1": macro_f1(gold, predicted, len(config.labels))}


def macro_f1(gold: np.ndarray, predicted: np.ndarray, n_labels: int) -> float:
    scores = []
    for k in range(n_labels):
        tp = int(((predicted == k) & (gold == k)).sum())
        fp = int(((predicted == k) & (gold != k)).sum())
        fn = int(((predicted != k) & (gold == k)).sum())
        scores.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    return float(np.mean(scores))


def learning_rate_at(step: int, total_steps: int, config: LSTMConfig) -> float:
    """Per-step learning rate: constant, cosine decay, or one-cycle (linear warm-up then cosine to 1%)."""
    base = config.learning_rate
    if config.schedule == "constant" or total_steps <= 1:
        return base
    if config.schedule == "cosine":
        return base * 0.5 * (1 + math.cos(math.pi * step / total_steps))
    warmup = max(1, int(total_steps * config.warmup_fraction))
    if step < warmup:
        return base * (0.1 + 0.9 * step / warmup)
    progress = (step - warmup) / max(1, total_steps - warmup)
    return base * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * progress)))


def _optimizer(network: nn.Module, config: LSTMConfig) -> torch.optim.Optimizer:
    if config.optimizer == "sgd":  # plain SGD as Keras' optimizer='SGD' (no momentum)
        return torch.optim.SGD(network.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    if config.optimizer == "adam":
        return torch.optim.Adam(network.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    return torch.optim.AdamW(network.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)


def _label_ids(dataset, config: LSTMConfig, name: str) -> np.ndarray:
    index = {label: i for i, label in enumerate(config.labels)}
    unknown = sorted(set(dataset.labels) - set(index))
    if unknown:
        raise DataError(f"{name} data ({getattr(dataset, 'source', '?')}): labels {unknown} are not among the model's labels {list(config.labels)}")
    if len(dataset) == 0:
        raise DataError(f"{name} data ({getattr(dataset, 'source', '?')}) is empty; it needs labeled reviews")
    return np.array([index[label] for label in dataset.labels], dtype=np.int64)


def _fingerprint(config: LSTMConfig, seed: int, train, validation, vocab: Vocabulary, init_from,
                 soft_targets: np.ndarray | None = None, dir_anchors: "torch.Tensor | None" = None,
                 dir_margin: float = 1.0, inv_sources: np.ndarray | None = None, inv_tolerance: float = 0.25,
                 dir_sources: np.ndarray | None = None, keep_epoch: str = "best") -> dict:
    """What a checkpoint must match to be resumed: the config, seed, data, targets, vocabulary and starting model."""
    data = hashlib.sha256()
    for dataset in (train, validation):
        for text, label in zip(dataset.texts, dataset.labels):
            data.update(hashlib.sha256(text.encode("utf-8")).digest() + label.encode("utf-8"))
        data.update(b"|")
    if soft_targets is not None:  # rounded: a resumed run recomputes them, and float noise is no new data
        data.update(np.round(soft_targets.astype(np.float64), 5).tobytes())
    if dir_anchors is not None:
        data.update(np.round(dir_anchors.numpy().astype(np.float64), 4).tobytes() + f"margin={dir_margin}".encode())
    if inv_sources is not None:
        data.update(inv_sources.astype(np.int64).tobytes() + f"tolerance={inv_tolerance}".encode())
    if dir_sources is not None:
        data.update(b"dir_sources" + dir_sources.astype(np.int64).tobytes())
    if keep_epoch != "best":  # which epoch the artifact holds so far depends on it
        data.update(f"keep_epoch={keep_epoch}".encode())
    vocab_hash = hashlib.sha256("\n".join(vocab.tokens).encode("utf-8")).hexdigest()
    return {"config": json.loads(json.dumps(config.to_dict())), "seed": seed, "data": data.hexdigest(),
            "vocab": vocab_hash, "init_from": str(init_from) if init_from is not None else None}


def _progress(total: int, desc: str, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="batch", disable=not enabled, leave=False, dynamic_ncols=True)
