"""Train an LSTM classifier: seeded, resumable after a kill, early-stopped on validation, saved as an artifact.

Every epoch ends with an atomic checkpoint in the output directory; rerunning the same command continues
from it. The artifact keeps the weights of the epoch with the best validation accuracy.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np
import torch
from torch import nn

from model_adapters.errors import DataError, UsageError
from model_adapters.f1 import macro_f1
from model_adapters.files import ensure_writable_dir, write_json
from model_adapters.lstm.artifact import METRICS_FILE, load_network, save_model
from model_adapters.lstm.batching import (
    collate_padded,
    collate_trimmed,
    encode_tokens,
    predict_logits,
    tokenize_texts,
    training_batches,
)
from model_adapters.lstm.checkpoint import CHECKPOINT_FILE, read_checkpoint_state, restore_checkpoint, save_checkpoint
from model_adapters.lstm.config import ARCHITECTURE_FIELDS, LSTMConfig
from model_adapters.lstm.finetune import FineTuneObjective, directional_hinge, grown_network, grown_vocabulary
from model_adapters.lstm.network import LSTMClassifier
from model_adapters.lstm.presets import resolve_config
from model_adapters.lstm.tokenizer import OOV_ID, PAD_ID, Vocabulary
from model_adapters.progress import progress_bar

METRICS_SCHEMA_VERSION = 1
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
    objective: FineTuneObjective | None = None,
    save_epochs: bool = False,
) -> dict:
    """Train on `train`, select the epoch on `validation`, write the model directory; returns its metrics.

    `train`/`validation` need `.texts` and `.labels` (robustness.data.datasets.Dataset). With `init_from`, the existing
    model's vocabulary and architecture are kept and only the training settings come from the config
    (fine-tuning for the augment-and-retrain loop). `objective` (finetune.FineTuneObjective, one value per train
    review) adds soft targets, vocabulary growth and the directional hinge; the history's train_loss includes
    the hinge. `save_epochs` also writes each epoch's model to `out_dir/epochs/N`, for comparing epochs with the
    suite afterwards. `epoch_callback(record)` runs after each saved epoch.
    """
    started = time.perf_counter()
    config = resolve_config(config_or_preset)
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(num_threads or available_threads())
    try:
        with torch.random.fork_rng(devices=[]):  # seeded locally; the caller's global RNG is left untouched
            torch.manual_seed(seed)
            run = _set_up(train, validation, config, out_dir, seed, init_from, objective or FineTuneObjective())
            for epoch in range(run.state["next_epoch"], run.config.epochs):
                if run.config.patience and run.state["stale_epochs"] >= run.config.patience:
                    break
                record = _train_epoch(run, epoch, progress)
                _record_epoch(run, record, save_epochs, progress)
                if epoch_callback is not None:
                    epoch_callback(record)
            return _finish(run, init_from, save_epochs, started)
    finally:
        torch.set_num_threads(previous_threads)


@dataclass
class _Run:
    """One training run once set up: the data as ids, the network and its optimizer, and the state a
    checkpoint keeps (epoch to run next, history, best epoch)."""

    config: LSTMConfig
    seed: int
    out_dir: Path
    vocab: Vocabulary
    train_x: list
    train_y: np.ndarray
    val_x: list
    val_y: np.ndarray
    objective: FineTuneObjective
    network: LSTMClassifier
    optimizer: torch.optim.Optimizer
    state: dict
    grown: int
    tokenize_s: float

    @property
    def checkpoint(self) -> Path:
        return self.out_dir / CHECKPOINT_FILE


def _set_up(train, validation, config: LSTMConfig, out_dir, seed: int, init_from, objective: FineTuneObjective) -> _Run:
    """Check every input, then build the vocabulary, the encoded data and the network, and resume from a
    checkpoint when one is there. Nothing is written before the inputs are checked."""
    if objective.grow_vocab_rows is not None and init_from is None:
        raise UsageError("grow_vocab_rows needs init_from: only an existing model's vocabulary can grow")
    base, vocab = None, None
    if init_from is not None:  # fine-tuning: the base model's architecture and vocabulary, its trained embedding
        if Path(init_from).resolve() == Path(out_dir).resolve():
            raise UsageError(f"{out_dir} is the model to fine-tune from; write the fine-tuned model to another directory")
        base, vocab = load_network(init_from)
        config = config.replace(**{f: getattr(base.config, f) for f in ARCHITECTURE_FIELDS}, pretrain="none")
    train_y = _label_ids(train, config, "train")
    val_y = _label_ids(validation, config, "validation")
    objective = objective.checked(len(train), len(config.labels))
    out_dir = ensure_writable_dir(out_dir)  # after every input has been checked: bad input leaves nothing behind
    t0 = time.perf_counter()
    train_x, vocab, base, config, grown = _encode_train(train, config, vocab, base, objective)
    val_x = encode_tokens(tokenize_texts(validation.texts, config), vocab)
    tokenize_s = time.perf_counter() - t0

    network = LSTMClassifier(config)
    if base is not None:
        network.load_state_dict(base.state_dict())
    run = _Run(config=config, seed=seed, out_dir=out_dir, vocab=vocab, train_x=train_x, train_y=train_y, val_x=val_x,
               val_y=val_y, objective=objective, network=network, optimizer=_optimizer(network, config), state={},
               grown=grown, tokenize_s=tokenize_s)
    _resume_or_start(run, _fingerprint(config, seed, train, validation, vocab, init_from, objective), init_from)
    return run


def _encode_train(train, config: LSTMConfig, vocab: Vocabulary | None, base: LSTMClassifier | None,
                  objective: FineTuneObjective):
    """Token ids of the train reviews, and the vocabulary they are read with: built from them (a new model),
    the base model's, or the base model's grown by the words the augmented rows bring in (then `base` and
    `config` grow with it). Returns (train_x, vocab, base, config, tokens added)."""
    train_tokens = tokenize_texts(train.texts, config)
    grown = 0
    if vocab is None:
        vocab = Vocabulary.build(train_tokens, config.vocab_size, config.min_freq)
    elif objective.grow_vocab_rows is not None:
        rows = objective.grow_vocab_rows
        base_size = len(vocab)
        vocab = grown_vocabulary(vocab, [t for t, g in zip(train_tokens, rows) if g], config.min_freq,
                                 objective.grow_vocab_limit, skip=[t for t, g in zip(train_tokens, rows) if not g])
        grown = len(vocab) - base_size
        if grown:
            base = grown_network(base, config, base_size, len(vocab))
            config = config.replace(vocab_size=base.config.vocab_size)
    return encode_tokens(train_tokens, vocab), vocab, base, config, grown


def _resume_or_start(run: _Run, fingerprint: dict, init_from) -> None:
    """Continue from the checkpoint in the output directory (refused when it comes from other settings or data),
    or start fresh, pre-training the embedding of a new model when its config asks for it."""
    run.state = {"fingerprint": fingerprint, "next_epoch": 0, "history": [], "best_epoch": None,
                 "best_accuracy": -1.0, "stale_epochs": 0, "train_s": 0.0}
    if run.checkpoint.is_file():
        saved, tensors, metadata = read_checkpoint_state(run.checkpoint)
        if saved.get("fingerprint") != fingerprint:
            raise UsageError(
                f"{run.checkpoint}: an unfinished run with a different config, seed or data; delete that file "
                f"to start over, or choose another --out"
            )
        restore_checkpoint(tensors, metadata, run.network, run.optimizer)
        run.state = saved
    elif init_from is None and run.config.pretrain != "none":
        run.state["pretrain"] = _pretrain_embedding(run.network, run.train_x, run.config, run.seed)


def _train_epoch(run: _Run, epoch: int, progress: bool) -> dict:
    """One pass over the train reviews in seeded length-bucketed batches, then the validation metrics: the
    epoch's history record."""
    config, network, optimizer = run.config, run.network, run.optimizer
    steps_per_epoch = math.ceil(len(run.train_x) / config.batch_size)
    total_steps = steps_per_epoch * config.epochs
    head_fraction = config.head_tokens / config.max_tokens
    soft_targets = run.objective.soft_targets
    dir_anchors = None if run.objective.dir_anchors is None else torch.from_numpy(run.objective.dir_anchors)
    loss_fn = nn.CrossEntropyLoss()
    epoch_start = time.perf_counter()
    batches = training_batches(np.array([len(x) for x in run.train_x]), config.batch_size,
                               np.random.default_rng([run.seed, epoch]))
    network.train()
    loss_sum, correct, seen = 0.0, 0, 0
    bar = _progress(len(batches), f"epoch {epoch + 1}/{config.epochs}", progress)
    unknown_words = torch.Generator().manual_seed(run.seed * 1_000 + epoch)  # word dropout, reproducible on resume
    for step, batch in enumerate(batches):
        lr = learning_rate_at(epoch * steps_per_epoch + step, total_steps, config)
        for group in optimizer.param_groups:
            group["lr"] = lr
        targets = torch.from_numpy(run.train_y[batch])
        wanted = targets if soft_targets is None else torch.from_numpy(soft_targets[batch])
        if config.packed:
            ids, lengths = collate_padded(run.train_x, batch)
        else:
            ids, lengths = collate_trimmed(run.train_x, batch, head_fraction), None
        logits = network(word_dropout(ids, config.word_dropout, unknown_words), lengths, packed=config.packed)
        loss = loss_fn(logits, wanted)
        if dir_anchors is not None:
            loss = loss + directional_hinge(logits, dir_anchors[batch], run.objective.dir_margin)
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
    validation_metrics = evaluate_encoded(network, run.val_x, run.val_y, config)
    return {
        "epoch": epoch + 1, "train_loss": loss_sum / seen, "train_accuracy": correct / seen,
        "validation_loss": validation_metrics["loss"], "validation_accuracy": validation_metrics["accuracy"],
        "validation_macro_f1": validation_metrics["macro_f1"], "learning_rate_end": lr,
        "seconds": time.perf_counter() - epoch_start, "train_seconds": train_s,
    }


def _record_epoch(run: _Run, record: dict, save_epochs: bool, progress: bool) -> None:
    """Record the epoch; the artifact takes its weights when its validation accuracy is the best so far; then
    the checkpoint, so a kill from here on resumes after this epoch."""
    state, epoch = run.state, record["epoch"]
    state["history"].append(record)
    state["train_s"] += record["seconds"]
    if record["validation_accuracy"] > state["best_accuracy"]:
        state.update(best_accuracy=record["validation_accuracy"], stale_epochs=0, best_epoch=epoch)
        save_model(run.out_dir, run.network, run.vocab)
    else:
        state["stale_epochs"] += 1
    if save_epochs:
        save_model(ensure_writable_dir(run.out_dir / EPOCHS_DIR / str(epoch)), run.network, run.vocab)
    state["next_epoch"] = epoch
    save_checkpoint(run.checkpoint, run.network, run.optimizer, state)
    if progress:
        print(f"epoch {epoch}: train loss {record['train_loss']:.4f} acc {record['train_accuracy']:.4f} | "
              f"validation loss {record['validation_loss']:.4f} acc {record['validation_accuracy']:.4f} "
              f"({record['seconds']:.0f}s)", flush=True)


def _finish(run: _Run, init_from, save_epochs: bool, started: float) -> dict:
    """The best epoch's model, measured once more on validation; metrics.json written, the checkpoint removed."""
    best = load_network(run.out_dir)[0]
    state, objective = run.state, run.objective
    metrics = {
        "schema_version": METRICS_SCHEMA_VERSION, "kind": "lstm_training", "completed": True,
        "preset": run.config.name, "seed": run.seed, "init_from": str(init_from) if init_from is not None else None,
        "config": run.config.to_dict(), "history": state["history"], "best_epoch": state["best_epoch"],
        "epochs_run": len(state["history"]),
        "epoch_models": str(run.out_dir / EPOCHS_DIR) if save_epochs else None,
        "validation": {"n": len(run.val_x), **evaluate_encoded(best, run.val_x, run.val_y, run.config)},
        "n_train": len(run.train_x), "n_validation": len(run.val_x), "vocab_size_used": len(run.vocab),
        "vocab_grown": run.grown,
        "soft_targets": objective.soft_targets is not None,
        "dir_hinge": ({"rows": int((objective.dir_anchors[:, 0] >= 0).sum()), "margin": objective.dir_margin}
                      if objective.dir_anchors is not None else None),
        "parameters": sum(p.numel() for p in best.parameters()),
        "pretrain": state.get("pretrain"),
        "timings": {"tokenize_s": round(run.tokenize_s, 3), "pretrain_s": (state.get("pretrain") or {}).get("seconds", 0.0),
                    "train_s": round(state["train_s"], 3),
                    "total_s": round(time.perf_counter() - started, 3)},
        "threads": torch.get_num_threads(),
        "versions": {"torch": torch.__version__, "numpy": np.__version__, "python": platform.python_version()},
        "data_fingerprint": state["fingerprint"]["data"],
    }
    write_json(run.out_dir / METRICS_FILE, metrics)
    run.checkpoint.unlink(missing_ok=True)
    return {**metrics, "out_dir": str(run.out_dir)}


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
    return {"loss": loss, "accuracy": float((predicted == gold).mean()), "macro_f1": macro_f1(gold, predicted)}


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
                 objective: FineTuneObjective) -> dict:
    """What a checkpoint must match to be resumed: the config, seed, data, targets, vocabulary and starting model."""
    data = hashlib.sha256()
    for dataset in (train, validation):
        for text, label in zip(dataset.texts, dataset.labels):
            data.update(hashlib.sha256(text.encode("utf-8")).digest() + label.encode("utf-8"))
        data.update(b"|")
    if objective.soft_targets is not None:  # rounded: a resumed run recomputes them, and float noise is no new data
        data.update(np.round(objective.soft_targets.astype(np.float64), 5).tobytes())
    if objective.dir_anchors is not None:
        data.update(np.round(objective.dir_anchors.astype(np.float64), 4).tobytes()
                    + f"margin={objective.dir_margin}".encode())
    vocab_hash = hashlib.sha256("\n".join(vocab.tokens).encode("utf-8")).hexdigest()
    return {"config": json.loads(json.dumps(config.to_dict())), "seed": seed, "data": data.hexdigest(),
            "vocab": vocab_hash, "init_from": str(init_from) if init_from is not None else None}


def _progress(total: int, desc: str, enabled: bool):
    return progress_bar(total, desc, "batch", enabled, leave=False)
