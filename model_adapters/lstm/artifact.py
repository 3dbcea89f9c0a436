"""A trained LSTM is a directory: weights.safetensors, config.json, vocab.json, metrics.json.

Weights are only ever read as safetensors (plain tensors, no code). Pickle-based files (.pt, .pth, .bin, ...)
can run arbitrary code when loaded, so they are refused by name and never opened.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as dump_safetensors

from model_adapters.errors import ModelError
from model_adapters.files import write_bytes, write_json
from model_adapters.lstm.config import LSTMConfig, load_config
from model_adapters.lstm.network import LSTMClassifier
from model_adapters.lstm.tokenizer import Vocabulary

WEIGHTS_FILE = "weights.safetensors"
CONFIG_FILE = "config.json"
VOCAB_FILE = "vocab.json"
METRICS_FILE = "metrics.json"
PICKLE_SUFFIXES = (".pt", ".pth", ".bin", ".pkl", ".pickle", ".ckpt", ".joblib", ".h5")


def save_weights(path: str | Path, network: torch.nn.Module) -> Path:
    tensors = {name: t.detach().to("cpu").contiguous() for name, t in network.state_dict().items()}
    return write_bytes(path, dump_safetensors(tensors))


def save_model(out_dir: str | Path, network: LSTMClassifier, vocab: Vocabulary, metrics: dict | None = None) -> Path:
    """Write the artifact; each file is atomic, and weights go last-but-one so config+vocab describe them."""
    out_dir = Path(out_dir)
    network.config.save(out_dir / CONFIG_FILE)
    vocab.save(out_dir / VOCAB_FILE)
    save_weights(out_dir / WEIGHTS_FILE, network)
    if metrics is not None:
        write_json(out_dir / METRICS_FILE, metrics)
    return out_dir


def load_network(path: str | Path) -> tuple[LSTMClassifier, Vocabulary]:
    """Config, vocabulary and weights from a model directory, each checked against the others."""
    directory = Path(path)
    if not directory.exists():
        raise ModelError(f"model directory {directory} does not exist; train one with `robustness train --out {directory}`")
    if not directory.is_dir():
        if directory.suffix.lower() in PICKLE_SUFFIXES:
            raise _pickle_refusal(directory)
        raise ModelError(f"{directory} is a file; pass the model directory holding {WEIGHTS_FILE}, {CONFIG_FILE}, {VOCAB_FILE}")
    config = load_config(directory / CONFIG_FILE)
    vocab = Vocabulary.load(directory / VOCAB_FILE)
    if len(vocab) > config.vocab_size:
        raise ModelError(
            f"{directory / VOCAB_FILE}: {len(vocab)} tokens but config.json says vocab_size {config.vocab_size}; "
            f"the files come from different models"
        )
    network = LSTMClassifier(config)
    network.load_state_dict(read_weights(directory, network))
    network.eval()
    return network, vocab


def read_weights(directory: Path, network: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The safetensors state dict, with missing keys, extra keys and wrong shapes reported by name."""
    weights = directory / WEIGHTS_FILE
    if not weights.is_file():
        pickled = sorted(p.name for p in directory.iterdir() if p.suffix.lower() in PICKLE_SUFFIXES)
        if pickled:
            raise _pickle_refusal(directory / pickled[0])
        raise ModelError(f"{weights}: weights file is missing; a model directory needs {WEIGHTS_FILE}")
    try:
        tensors = load_safetensors(weights.read_bytes())
    except (SafetensorError, ValueError, OSError) as exc:
        raise ModelError(
            f"{weights}: not a readable safetensors file ({exc}); it may be truncated or in another format; re-train or restore it"
        ) from exc
    expected = network.state_dict()
    missing = sorted(set(expected) - set(tensors))
    extra = sorted(set(tensors) - set(expected))
    if missing or extra:
        raise ModelError(
            f"{weights}: tensors do not match config.json (missing: {', '.join(missing) or 'none'}; "
            f"unexpected: {', '.join(extra) or 'none'}); the weights come from a different model"
        )
    for name, tensor in tensors.items():
        if tuple(tensor.shape) != tuple(expected[name].shape):
            raise ModelError(
                f"{weights}: tensor {name} has shape {tuple(tensor.shape)}, config.json implies "
                f"{tuple(expected[name].shape)}; the weights come from a different model"
            )
        if not tensor.is_floating_point() and tensor.dtype != expected[name].dtype:
            raise ModelError(f"{weights}: tensor {name} has dtype {tensor.dtype}, expected {expected[name].dtype}")
    return {name: t.to(expected[name].dtype) for name, t in tensors.items()}


def read_metrics(directory: str | Path) -> dict:
    path = Path(directory) / METRICS_FILE
    if not path.is_file():
        return {}
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path}: not valid JSON ({exc}); re-train or restore metrics.json") from exc
    return payload if isinstance(payload, dict) else {}


def _pickle_refusal(path: Path) -> ModelError:
    return ModelError(
        f"{path}: refusing to load a pickle-based weights file (it could run arbitrary code); "
        f"this project only loads {WEIGHTS_FILE}; re-train with `robustness train` or convert the weights to safetensors"
    )


def config_of(directory: str | Path) -> LSTMConfig:
    return load_config(Path(directory) / CONFIG_FILE)
