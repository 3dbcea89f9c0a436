"""A transformers sequence-classification model (`hf:NAME_OR_DIR`) behind the SentimentModel protocol.

Texts are tokenized once, sorted by token length and run in batches under `torch.inference_mode()`, so padding
is minimal and each text's probabilities do not depend on the batch size or the order of the input.
transformers and torch are imported only when such a model is loaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from model_adapters.errors import ModelError
from model_adapters.option_names import COMMAND_FLAGS, OptionNames
from model_adapters.protocol import ProbabilityModel, model_labels

MISSING_EXTRA = "hf: needs the transformers extra: pip install '.[hf]'"
# Files any saved tokenizer leaves behind (fast tokenizer, its config, or a slow tokenizer's vocabulary).
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "vocab.json", "spiece.model",
                   "sentencepiece.bpe.model", "tokenizer.model")
DEFAULT_MAX_LENGTH = 512


def is_transformers_dir(path: str | Path) -> bool:
    """A directory saved by `save_pretrained`: its config.json names a `model_type` (our LSTM's does not)."""
    import json

    config = Path(path) / "config.json"
    if not config.is_file():
        return False
    try:
        payload = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(payload, dict) and ("model_type" in payload or "architectures" in payload)


class TransformersModel(ProbabilityModel):
    """A loaded tokenizer + AutoModelForSequenceClassification; `labels` follow the model's `id2label`."""

    def __init__(self, network, tokenizer, labels: Sequence[str], name: str, batch_size: int = 32,
                 max_length: int = DEFAULT_MAX_LENGTH, info: dict | None = None):
        self.network = network
        self.tokenizer = tokenizer
        self.labels = tuple(labels)
        self.name = name
        self.batch_size = batch_size
        self.max_length = max_length
        self.info = dict(info or {})

    def __repr__(self) -> str:
        return f"TransformersModel({self.name!r}, labels={self.labels})"

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        texts = [str(text) for text in texts]
        out = np.zeros((len(texts), len(self.labels)), dtype=np.float64)
        if not texts:
            return out
        ids = self.tokenizer(texts, truncation=True, max_length=self.max_length)["input_ids"]
        filler = [self._filler_id()]
        ids = [row if row else filler for row in ids]  # a tokenizer without special tokens maps "" to nothing
        order = sorted(range(len(ids)), key=lambda i: (len(ids[i]), i))
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                chosen = order[start:start + self.batch_size]
                batch = self.tokenizer.pad({"input_ids": [ids[i] for i in chosen]}, return_tensors="pt")
                logits = self.network(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
                out[chosen] = torch.softmax(logits.double(), dim=-1).numpy()
        return out

    def _filler_id(self) -> int:
        for token_id in (self.tokenizer.unk_token_id, self.tokenizer.pad_token_id, 0):
            if token_id is not None:
                return int(token_id)
        return 0  # pragma: no cover


def load_transformers_model(name_or_dir: str, *, labels: Sequence[str] | None = None, allow_download: bool = False,
                            batch_size: int = 32, where: str | None = None,
                            names: OptionNames = COMMAND_FLAGS) -> TransformersModel:
    """`hf:NAME_OR_DIR` -> TransformersModel; local files only unless `allow_download`. Any problem is one
    ModelError line naming the spec and the fix."""
    where = where or f"hf:{name_or_dir}"
    try:
        import transformers
    except ImportError:
        raise ModelError(MISSING_EXTRA) from None
    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    local = Path(name_or_dir)
    if local.exists():
        _check_directory(local, where)
    elif _looks_like_path(name_or_dir):
        raise ModelError(f"{where}: directory {name_or_dir} does not exist; pass the directory written by "
                         f"save_pretrained, or a Hugging Face Hub name (NAME or ORG/NAME) with {names.allow_download}")
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(name_or_dir, local_files_only=not allow_download)
        network = transformers.AutoModelForSequenceClassification.from_pretrained(
            name_or_dir, local_files_only=not allow_download)
    except (OSError, ValueError, KeyError) as exc:
        fix = ("check the directory holds a model saved with save_pretrained" if local.exists() else
               f"pass a local directory, or {names.allow_download} to fetch it from the Hugging Face Hub"
               if not allow_download else "check the model name on the Hugging Face Hub")
        raise ModelError(f"{where}: cannot load ({type(exc).__name__}: {_first_line(exc)}); {fix}") from None
    network.eval()
    config = network.config
    id2label = getattr(config, "id2label", None) or {}
    found = [id2label.get(i, id2label.get(str(i), f"LABEL_{i}")) for i in range(int(config.num_labels))]
    info = {"family": "transformers", "model_type": getattr(config, "model_type", None),
            "revision": getattr(config, "_commit_hash", None)}
    return TransformersModel(network, tokenizer, model_labels(found, labels, where, names), name=local.name or name_or_dir,
                             batch_size=batch_size, max_length=_max_length(tokenizer, config), info=info)


def _check_directory(directory: Path, where: str) -> None:
    if not directory.is_dir():
        raise ModelError(f"{where} is a file; pass the directory written by save_pretrained (with config.json)")
    if not (directory / "config.json").is_file():
        raise ModelError(f"{where}: no config.json in {directory}; pass a directory written by "
                         f"model.save_pretrained(DIR)")
    if not any((directory / name).is_file() for name in TOKENIZER_FILES):
        raise ModelError(f"{where}: {directory} has no tokenizer ({', '.join(TOKENIZER_FILES[:2])} or a vocab file); "
                         f"save it beside the model with tokenizer.save_pretrained(DIR)")


def _looks_like_path(name: str) -> bool:
    """A Hub id is NAME or ORG/NAME; anything absolute, relative (./, ../, ~) or deeper is a local path."""
    return name.startswith(("/", ".", "~")) or name.count("/") > 1 or "\\" in name


def _max_length(tokenizer, config) -> int:
    """The smaller of the tokenizer's limit (RoBERTa's 514 positions hold 512 tokens) and the position table;
    a tokenizer without a limit reports a huge sentinel, which is ignored."""
    limits = [value for value in (getattr(tokenizer, "model_max_length", None),
                                  getattr(config, "max_position_embeddings", None))
              if isinstance(value, int) and 0 < value < 100_000]
    return min(limits) if limits else DEFAULT_MAX_LENGTH


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
