"""Models behind one protocol: `labels` and `predict_proba(texts) -> (n, k)`.

`load_model(path)` opens a saved LSTM artifact directory; other adapters wrap callables and
scikit-learn pipelines. torch is imported only inside `model_adapters.lstm`.
"""

from model_adapters.protocol import SentimentModel, checked_proba, predict_labels

__all__ = ["SentimentModel", "checked_proba", "predict_labels", "load_model"]


def load_model(path):
    """Open a model artifact directory (LSTM today) as a SentimentModel."""
    from model_adapters.lstm.adapter import load_lstm_model

    return load_lstm_model(path)
