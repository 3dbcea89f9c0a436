"""Models behind one protocol: `labels` and `predict_proba(texts) -> (n, k)`.

`load_model_spec(spec)` opens any model a command may name (a directory, hf:, skops:, py:, http(s)://) and
says what results should record about it; `load_model(path)` opens a model directory (LSTM, TF-IDF baseline or
transformers). Heavy libraries (torch, transformers, skops) are imported only by the adapter that needs them.
"""

from model_adapters.protocol import SentimentModel, checked_proba, predict_labels

__all__ = ["SentimentModel", "checked_proba", "predict_labels", "load_model", "load_model_spec"]


def load_model(path):
    """Open a model directory as a SentimentModel: an LSTM, a saved TF-IDF baseline or a transformers model."""
    from model_adapters.specs import load_directory_model

    return load_directory_model(path)


def load_model_spec(spec, **options):
    """See model_adapters.specs.load_model_spec."""
    from model_adapters.specs import load_model_spec as resolve

    return resolve(spec, **options)
