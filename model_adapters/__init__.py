"""Models behind one protocol: `labels` and `predict_proba(texts) -> (n, k)`.

`load_model(path)` opens a saved LSTM artifact directory; other adapters wrap callables and
scikit-learn pipelines. torch is imported only inside `model_adapters.lstm`.
"""

from model_adapters.protocol import SentimentModel, checked_proba, predict_labels

__all__ = ["SentimentModel", "checked_proba", "predict_labels", "load_model"]


def load_model(path):
    """Open a model artifact directory as a SentimentModel: an LSTM, or a saved TF-IDF baseline."""
    from pathlib import Path

    from model_adapters.sklearn_adapter import TFIDF_MANIFEST, load_tfidf_model

    if (Path(path) / TFIDF_MANIFEST).is_file():  # no torch needed for a bag of words
        return load_tfidf_model(path)
    from model_adapters.lstm.adapter import load_lstm_model

    return load_lstm_model(path)
