"""The LSTM family: tokenizer, config-driven network, resumable training, safetensors artifact, adapter.

The only package that imports torch. Names are loaded lazily so importing the package stays cheap.
"""

_EXPORTS = {
    "train_lstm": "model_adapters.lstm.training",
    "load_lstm_model": "model_adapters.lstm.adapter",
    "LSTMAdapter": "model_adapters.lstm.adapter",
    "LSTMConfig": "model_adapters.lstm.config",
    "PRESETS": "model_adapters.lstm.presets",
    "resolve_config": "model_adapters.lstm.presets",
}

__all__ = list(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'model_adapters.lstm' has no attribute {name!r}")
