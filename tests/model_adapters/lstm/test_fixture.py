"""The shared `tiny_lstm_dir` fixture is a real, loadable model that beats chance."""

from model_adapters import load_model
from model_adapters.lstm.artifact import read_metrics


def test_tiny_lstm_fixture_loads_and_beats_chance(tiny_lstm_dir):
    model = load_model(tiny_lstm_dir)
    assert model.labels == ("negative", "positive")
    assert read_metrics(tiny_lstm_dir)["validation"]["accuracy"] > 0.65
    proba = model.predict_proba(["A wonderful, moving film.", "Terrible. I want my money back."])
    assert proba.shape == (2, 2)
