"""How the loop opens a model: `model.existing` with the options of `model.spec`, the LSTMs it trains with the
defaults. The stages, the teacher targets and the guards all open models here, and nothing here runs a stage."""

from __future__ import annotations

from pathlib import Path

from model_adapters.hf_adapter import is_transformers_dir
from model_adapters.sklearn_adapter import TFIDF_MANIFEST
from model_adapters.specs import load_model_spec
from robustness.errors import ConfigError
from robustness.files import read_json_object
from robustness.loop.config import ModelSection


def load_spec(model, model_section: ModelSection | None = None):
    """`model` itself when it is loaded already, else the model its spec names (directory, hf:, skops:, py:, URL),
    opened as open_model opens it."""
    if hasattr(model, "predict_proba"):
        return model
    return open_model(model, model_section).model


def open_model(spec, model_section: ModelSection | None = None):
    """The ResolvedModel `spec` names. When `spec` is the loop config's `model.existing`, it opens with the options
    of `model.spec` (a served model's token variable and HTTP settings, skops trust, labels, hf downloads), and a
    failure names those fields rather than the commands' flags; any other spec (the LSTMs the loop trains) opens
    with the defaults."""
    if model_section is None or not model_section.opens(spec):
        return load_model_spec(str(spec))
    return load_model_spec(str(spec), **model_section.spec.load_kwargs())  # errors name model.spec.* fields


def is_lstm_dir(spec) -> bool:
    """True for a directory written by `robustness train` (not a TF-IDF or transformers directory, not hf:/URL)."""
    path = Path(str(spec))
    return (path.is_dir() and (path / "config.json").is_file() and not (path / TFIDF_MANIFEST).is_file()
            and not is_transformers_dir(path))


def lstm_config(model_dir: Path) -> dict:
    """The config.json of an LSTM directory (its preset, sizes and labels)."""
    return read_json_object(Path(model_dir) / "config.json", "model config", ConfigError,
                            "pass a directory written by `robustness train`")
