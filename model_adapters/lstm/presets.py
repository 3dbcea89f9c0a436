"""Named LSTM configs. A new variant is a new entry here (or a config.json), never new code.

`seed` reproduces the LangTest article's Keras model (Embedding 32 over a 5,000-word vocabulary,
LSTM(100), last state, Keras initialisation, Adam, 3 epochs, reviews cut to their last 500 tokens as Keras
pad_sequences does).
`tiny` trains in seconds on ~1,000 reviews, for tests; `quick` is for demos; `full` is the benchmarks' model:
accurate and robust, and trained in minutes on 2 CPU cores. Its embedding starts from word co-occurrence in the
train reviews (PPMI + SVD): best validation accuracy 91.2% in 2 epochs against 90.1% from a random start (chosen on validation, never test).
Pretrained vectors alone made the model lean on correctly spelled function words (47% of validation reviews
flipped under OCR typos, against 10% from a random start), so 20% of training tokens are replaced by the unknown
word (word_dropout): 20% flip, validation 91.4% (10% dropout: 18%, 91.2%). Records:
benchmarks/results/train_imdb_full_*.json and full_variant_flips.json (benchmarks/analysis/variant_flips.py).
`full` marks negation ("not bad" reads as "not_bad"): without it the model read "not bad" as "bad" (antonym swaps
after a negator passed 54%, 80% with it) and every augment-and-retrain loop left adjective antonyms under 92%
(94% with it); it costs 0.8 points of validation accuracy (90.6% against 91.4%, one seed) and 0.2 of test.
Records: antonym_negation_marking.json, loop_imdb_neg_*.json, train_imdb_full_no_negation_marking.json.
`full` drops stray marks inside words (OCR's "n^ot" reads as "not", not "n ^ ot", so a typo'd negator still
marks negation): validation 92.0% against 90.6% (test 90.3% against 89.6%, one seed each), and after the loop OCR
typos pass 95.7% against 93.5%. Records: loop_imdb_dsm_*.json, train_imdb_full_no_stray_marks.json.
"""

from __future__ import annotations

from typing import Mapping

from model_adapters.errors import ConfigError
from model_adapters.lstm.config import LSTMConfig, validate_config

PRESETS: dict[str, LSTMConfig] = {
    "seed": LSTMConfig(
        name="seed", vocab_size=5_000, min_freq=1, max_tokens=500, head_tokens=0,
        embedding_dim=32, hidden_size=100, num_layers=1, bidirectional=False, pooling="last", init="keras",
        embedding_dropout=0.0, dropout=0.0, epochs=3, batch_size=64, optimizer="adam",
        learning_rate=1e-3, weight_decay=0.0, schedule="constant", clip_norm=0.0, patience=3,
    ),
    "tiny": LSTMConfig(
        name="tiny", vocab_size=4_000, min_freq=2, max_tokens=100, head_tokens=30,
        embedding_dim=32, hidden_size=32, num_layers=1, bidirectional=True, pooling="max_mean",
        epochs=6, batch_size=32, optimizer="adamw", learning_rate=1e-2, schedule="onecycle", patience=0,
    ),
    "quick": LSTMConfig(
        name="quick", vocab_size=20_000, min_freq=2, max_tokens=160, head_tokens=50,
        embedding_dim=64, hidden_size=64, num_layers=1, bidirectional=False, pooling="max_mean",
        embedding_dropout=0.2, dropout=0.3, epochs=3, batch_size=64, optimizer="adamw",
        learning_rate=4e-3, weight_decay=1e-4, schedule="onecycle", clip_norm=1.0, patience=2,
    ),
    "full": LSTMConfig(
        name="full", vocab_size=40_000, min_freq=2, max_tokens=400, head_tokens=130,
        embedding_dim=128, hidden_size=96, num_layers=1, bidirectional=True, pooling="max_mean",
        embedding_dropout=0.25, dropout=0.4, epochs=2, batch_size=64, optimizer="adamw",
        learning_rate=3e-3, weight_decay=1e-4, schedule="onecycle", clip_norm=1.0, patience=2,
        pretrain="ppmi_svd", pretrain_window=5, word_dropout=0.2, negation_marking=True, drop_stray_marks=True,
    ),
}


def resolve_config(config_or_preset: "str | LSTMConfig | Mapping", **overrides) -> LSTMConfig:
    """A preset name, a config, or a dict of fields (validated) -> LSTMConfig, with `overrides` applied."""
    if isinstance(config_or_preset, LSTMConfig):
        config = config_or_preset
    elif isinstance(config_or_preset, str):
        if config_or_preset not in PRESETS:
            raise ConfigError(f"unknown preset {config_or_preset!r}; choose one of {', '.join(PRESETS)}")
        config = PRESETS[config_or_preset]
    elif isinstance(config_or_preset, Mapping):
        config = validate_config(dict(config_or_preset))
    else:
        raise ConfigError(f"expected a preset name, an LSTMConfig or a dict, got {type(config_or_preset).__name__}")
    overrides = {k: v for k, v in overrides.items() if v is not None}
    return config.replace(**overrides) if overrides else config

# The seed articles' architectures (Keras Models A-D, attention BiLSTM), defined in their own module.
from model_adapters.lstm.seed_presets import SEED_ARCHITECTURES  # noqa: E402

PRESETS.update(SEED_ARCHITECTURES)
