"""The LSTM family: tokenizer, config-driven network, resumable training, safetensors artifact, adapter.

The only package that imports torch. Names are loaded lazily so importing the package stays cheap.
"""

import os

# torch's OpenMP threads spin while waiting for each other; on a busy machine (2 shared cores) a spinning
# thread that lost its core makes training 5-20x slower. Passive waiting costs little when the machine is
# idle. Set before torch is first imported by this package; an explicit user setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

_EXPORTS = {
    "train_lstm": "model_adapters.lstm.training",
    "FineTuneObjective": "model_adapters.lstm.finetune",
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
