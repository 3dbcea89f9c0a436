"""The LSTM family as data: one frozen config describes the tokenizer, the network and its training.

New variants (Keras-style models, attention BiLSTMs) are new config values, never new code. The config is
saved as config.json beside the weights, and validated on load with the bad field named in the error.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from model_adapters.errors import ConfigError, ModelError
from model_adapters.files import read_json_object, write_json

CONFIG_SCHEMA_VERSION = 1
POOLINGS = ("last", "max_mean", "attention", "max", "mean")
OPTIMIZERS = ("adam", "adamw", "sgd")
SCHEDULES = ("constant", "cosine", "onecycle")
INITS = ("torch", "keras")
PRETRAINS = ("none", "ppmi_svd")


# How a trained LSTM may predict: fp32 is the reference; bf16 is the fast path (model_adapters/lstm/fast_inference.py).
PRECISIONS = ("fp32", "bf16")


@dataclass(frozen=True)
class LSTMConfig:
    name: str = "custom"
    labels: tuple[str, ...] = ("negative", "positive")
    # tokenizer / vocabulary
    vocab_size: int = 20_000            # including the padding and out-of-vocabulary tokens
    min_freq: int = 2
    max_tokens: int = 400               # reviews longer than this keep their first head_tokens and the rest from the end
    head_tokens: int = 100
    negation_marking: bool = False      # up to 3 words after a negator, within punctuation, read as "not_good"
    drop_stray_marks: bool = False      # a mark between two letters ("n^ot", "tl)e": OCR noise) is dropped first
    # network
    embedding_dim: int = 64
    hidden_size: int = 64
    num_layers: int = 1
    bidirectional: bool = True
    pooling: str = "max_mean"           # last | max_mean | attention
    embedding_dropout: float = 0.0      # spatial dropout: whole embedding channels dropped per review
    dropout: float = 0.0                # between LSTM layers and before the output layer
    init: str = "torch"                 # torch defaults, or "keras" (glorot/orthogonal, forget-gate bias 1) as in Keras models
    packed: bool = False                # packed sequences in training (exact, but slow on CPU; see training.py)
    head_layers: tuple[int, ...] = ()   # hidden ReLU layers between pooling and output (Keras Dense(50, relu) heads)
    # training
    epochs: int = 3
    batch_size: int = 64
    optimizer: str = "adamw"
    learning_rate: float = 2e-3
    weight_decay: float = 0.0
    schedule: str = "onecycle"          # constant | cosine | onecycle (per step)
    warmup_fraction: float = 0.1        # onecycle only
    clip_norm: float = 1.0              # 0 disables gradient clipping
    patience: int = 2                   # stop after this many epochs without validation-accuracy gain; 0: never
    inference_batch_size: int = 64      # small batches keep the LSTM's outputs in cache: faster on CPU
    word_dropout: float = 0.0           # share of training tokens replaced by the unknown word: robustness to typos/OOV
    pretrain: str = "none"              # none | ppmi_svd: embedding initialised from co-occurrence in the train reviews
    pretrain_window: int = 5            # +- words counted as co-occurring

    @property
    def tail_tokens(self) -> int:
        return self.max_tokens - self.head_tokens

    def replace(self, **changes) -> "LSTMConfig":
        return validate_config({**self.to_dict(), **changes}, where="config override")

    def to_dict(self) -> dict[str, Any]:
        payload = dataclasses.asdict(self)
        payload["labels"] = list(self.labels)
        payload["head_layers"] = list(self.head_layers)
        for name in ADDED_FIELDS:  # left out at their defaults: older configs, artifacts and checkpoints stay identical
            if getattr(self, name) == ADDED_FIELDS[name]:
                payload.pop(name)
        return payload

    def save(self, path: str | Path) -> Path:
        return write_json(path, {"schema_version": CONFIG_SCHEMA_VERSION, "kind": "lstm_config", **self.to_dict()})


ARCHITECTURE_FIELDS = (
    "labels", "vocab_size", "min_freq", "max_tokens", "head_tokens", "negation_marking", "drop_stray_marks",
    "embedding_dim", "hidden_size",
    "num_layers", "bidirectional", "pooling", "init", "head_layers",
)
# Fields added after the first saved models, with the default that reproduces those models.
ADDED_FIELDS: dict[str, Any] = {"head_layers": (), "pretrain": "none", "word_dropout": 0.0,
                                "pretrain_window": 5, "negation_marking": False,
                                "drop_stray_marks": False}


def parse_settings(items, error=ConfigError) -> dict:
    """FIELD=VALUE strings (from --set) -> {field: value}; VALUE is read as JSON when it parses (numbers, true,
    [50]) and as text otherwise. Field names and values are checked later by validate_config."""
    import json

    parsed = {}
    for item in items:
        field, sep, value = item.partition("=")
        if not sep or not field.strip():
            raise error(f"--set {item!r} should be FIELD=VALUE, e.g. --set hidden_size=128")
        try:
            parsed[field.strip()] = json.loads(value)
        except json.JSONDecodeError:
            parsed[field.strip()] = value
    return parsed


def validate_config(payload: dict, where: str = "config", error=ConfigError) -> LSTMConfig:
    """Build a config from a dict, naming the bad field, its value and the fix in the error."""
    if not isinstance(payload, dict):
        raise error(f"{where}: expected a mapping of config fields, got {type(payload).__name__}")
    payload = {k: v for k, v in payload.items() if k not in ("schema_version", "kind")}
    known = {f.name: f for f in fields(LSTMConfig)}
    unknown = sorted(set(payload) - set(known))
    if unknown:
        raise error(f"{where}: unknown field(s) {', '.join(unknown)}; valid fields are {', '.join(known)}")
    values = {}
    for name, value in payload.items():
        expected = known[name].type
        values[name] = _coerce(name, value, expected, where, error)
    config = LSTMConfig(**values)
    _check_ranges(config, where, error)
    return config


def _coerce(name: str, value: Any, expected: str, where: str, error):
    bad = error(f"{where}: field '{name}' = {value!r} should be of type {expected}")
    if expected == "bool":
        if not isinstance(value, bool):
            raise bad
        return value
    if expected == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad
        return value
    if expected == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad
        return float(value)
    if expected == "str":
        if not isinstance(value, str):
            raise bad
        return value
    if expected == "tuple[int, ...]":
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in value):
            raise error(f"{where}: field '{name}' = {value!r} should be a list of positive layer widths, e.g. [50]")
        return tuple(value)
    if not isinstance(value, (list, tuple)) or len(value) < 2 or not all(isinstance(v, str) for v in value):
        raise error(f"{where}: field '{name}' = {value!r} should be a list of at least two label names")
    return tuple(value)


def _check_ranges(c: LSTMConfig, where: str, error) -> None:
    def fail(field: str, rule: str):
        raise error(f"{where}: field '{field}' = {getattr(c, field)!r} {rule}")

    for field in ("vocab_size", "max_tokens", "embedding_dim", "hidden_size", "num_layers", "epochs",
                  "batch_size", "min_freq", "inference_batch_size"):
        if getattr(c, field) < 1:
            fail(field, "must be at least 1")
    if c.vocab_size < 3:
        fail("vocab_size", "must be at least 3 (padding, out-of-vocabulary and one word)")
    if not 0 <= c.head_tokens <= c.max_tokens:
        fail("head_tokens", f"must be between 0 and max_tokens ({c.max_tokens})")
    for field in ("embedding_dropout", "dropout", "warmup_fraction", "word_dropout"):
        if not 0.0 <= getattr(c, field) < 1.0:
            fail(field, "must be in [0, 1)")
    for field in ("learning_rate", "weight_decay", "clip_norm"):  # NaN would pass the sign checks below
        if not math.isfinite(getattr(c, field)):
            fail(field, "must be a finite number")
    for field in ("learning_rate", "weight_decay", "clip_norm"):
        if getattr(c, field) < 0 or (field == "learning_rate" and c.learning_rate == 0):
            fail(field, "must be positive" if field == "learning_rate" else "must not be negative")
    if c.patience < 0:
        fail("patience", "must not be negative")
    if c.pretrain_window < 1:
        fail("pretrain_window", "must be at least 1")
    for field, options in (("pooling", POOLINGS), ("optimizer", OPTIMIZERS), ("schedule", SCHEDULES), ("init", INITS),
                           ("pretrain", PRETRAINS)):
        if getattr(c, field) not in options:
            fail(field, f"is not one of {', '.join(options)}")
    if len(set(c.labels)) != len(c.labels):
        fail("labels", "must not repeat a label")


def load_config(path: str | Path) -> LSTMConfig:
    """Read a model's config.json; any problem is a ModelError naming the file."""
    payload = read_json_object(path, "model config", ModelError,
                               "a model directory needs config.json: train one with `robustness train` or restore it")
    return validate_config(payload, where=str(path), error=ModelError)
