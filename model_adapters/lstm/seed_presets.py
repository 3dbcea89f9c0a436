"""The seed articles' architectures as presets, for `robustness compare` and benchmarks/compare_models.py.

Registered into model_adapters.lstm.presets.PRESETS. Keras models keep the last 370 tokens (pad_sequences
truncates at the front), 6,000 words, Keras initialisation and early stopping. `keras_a`..`keras_d` are
Models A-D of the Keras IMDB article (86.3% best, Model C); `attention_bilstm` is the PyTorch case study's
BiLSTM with attention pooling (89.1% validation; vocabulary 25,000 at min frequency 2, first 300 tokens). The
case study packs padded batches; here batches of length-sorted neighbours are trimmed to equal length instead,
which is the same computation on each batch's common length (reviews lose at most a few tail tokens) and was
measured 7.5x faster on this CPU (one step on 64 reviews of ~230 tokens, 2 threads: 24.4 s packed, 3.3 s
trimmed; benchmarks/packing_speed.py). `packed=True` restores the exact published setup.
"""

from __future__ import annotations

from model_adapters.lstm.config import LSTMConfig

_KERAS = dict(vocab_size=6_002, min_freq=1, max_tokens=370, head_tokens=0, init="keras", clip_norm=0.0,
              schedule="constant", epochs=10, patience=2, weight_decay=0.0)

SEED_ARCHITECTURES: dict[str, LSTMConfig] = {
    # A: LSTM(60) sequences -> global max pool -> Dropout 0.1 -> Dense(50, relu) -> Dropout 0.1; plain SGD.
    "keras_a": LSTMConfig(name="keras_a", embedding_dim=128, hidden_size=60, bidirectional=False, pooling="max",
                          head_layers=(50,), dropout=0.1, optimizer="sgd", learning_rate=0.01, batch_size=64, **_KERAS),
    # B: SpatialDropout1D(0.25) then LSTM(100, dropout=0.5). Keras' LSTM input dropout keeps one mask per review
    # for all time steps, so the two compose into one spatial dropout of 1 - 0.75 * 0.5 = 0.625. Last state,
    # Dropout 0.5, Adam.
    "keras_b": LSTMConfig(name="keras_b", embedding_dim=128, hidden_size=100, bidirectional=False, pooling="last",
                          embedding_dropout=0.625, dropout=0.5, optimizer="adam", learning_rate=1e-3,
                          batch_size=64, **_KERAS),
    # C: Bidirectional LSTM(75) sequences -> global max pool -> Dense(16) -> Dense(8); smaller batches.
    "keras_c": LSTMConfig(name="keras_c", embedding_dim=128, hidden_size=75, bidirectional=True, pooling="max",
                          head_layers=(16, 8), optimizer="adam", learning_rate=1e-3, batch_size=32, **_KERAS),
    # D: the small fast model: Embedding 64, LSTM(50) sequences -> global max pool -> Dense(16); batch 16.
    "keras_d": LSTMConfig(name="keras_d", embedding_dim=64, hidden_size=50, bidirectional=False, pooling="max",
                          head_layers=(16,), optimizer="adam", learning_rate=1e-3, batch_size=16,
                          **{**_KERAS, "epochs": 20}),
    # Embedding 300 -> 2-layer BiLSTM(256, dropout 0.5) -> attention pooling -> Dropout -> Dense(256, relu)
    # -> Dropout -> output; Adam 1e-3, clipping at 5, 10 epochs, best validation epoch kept.
    "attention_bilstm": LSTMConfig(
        name="attention_bilstm", vocab_size=25_002, min_freq=2, max_tokens=300, head_tokens=300,
        embedding_dim=300, hidden_size=256, num_layers=2, bidirectional=True, pooling="attention",
        head_layers=(256,), dropout=0.5, packed=False, optimizer="adam", learning_rate=1e-3, schedule="constant",
        clip_norm=5.0, epochs=10, patience=3, batch_size=64,
    ),
}
