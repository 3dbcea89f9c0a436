"""Expose any SentimentModel to LangTest as a "custom" hub model, so LangTest's own Harness can test it.

LangTest's custom hub wants an object with `predict(text) -> label`, called one text at a time. Label
types bite twice: LangTest's CSV loader keeps the sample's 1/0 labels as ints (a "positive" string label
is even dropped: it goes through ast.literal_eval), yet `generated_results()` joins predicted labels as
strings and crashes on an int. Robustness tests compare the model with itself, so the bridge answers
with the canonical index as a string, "0" (negative) / "1" (positive): what LangTest prints for the
IMDB sample, and safe for every robustness report. (Accuracy tests would compare int gold with these
strings; this harness runs only robustness tests.)

    bridge = LangTestModel(model)                       # predict("great film") -> "1"
    harness = make_harness(bridge, "sample.csv", config)  # langtest.Harness(task="text-classification", ...)

langtest is imported only inside make_harness (importing it takes seconds).
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from model_adapters.errors import ModelError, ModelRuntimeError
from model_adapters.labels import LABELS, normalize_label
from model_adapters.protocol import checked_proba


def index_labels(model_labels) -> dict[str, str]:
    """model label -> canonical index as a string (negative "0", positive "1"), the IMDB sample's labels.

    Any other label set (neutral, star ratings, names a served model chose) maps to its column index as a string:
    robustness tests compare the model with itself, so only distinct strings matter.
    """
    try:
        mapping = {label: str(LABELS.index(normalize_label(label, "model label"))) for label in model_labels}
    except Exception:
        mapping = {}
    if sorted(mapping.values()) == ["0", "1"]:
        return mapping
    return {label: str(index) for index, label in enumerate(model_labels)}


class LangTestModel:
    """A SentimentModel behind LangTest's custom-hub interface (`predict(text) -> label`).

    `output_labels` maps each model label to the string LangTest should see (default "0"/"1"). With `record=True`
    every probability row is kept by text, so a LangTest run can be summarised with probabilities too.
    """

    def __init__(self, model, output_labels: Mapping[str, Any] | None = None, record: bool = False):
        self.model = model
        self.output_labels = dict(output_labels) if output_labels is not None else index_labels(model.labels)
        missing = [label for label in model.labels if label not in self.output_labels]
        if missing:
            raise ModelError(f"output_labels has no entry for model label(s) {missing}")
        if not all(isinstance(value, str) for value in self.output_labels.values()):
            raise ModelError("output_labels values must be strings: LangTest's generated_results() joins them as text")
        self.record = record
        self.recorded: dict[str, np.ndarray] = {}
        self.n_calls = 0
        self.error: ModelRuntimeError | None = None

    def predict(self, text: str, *args, **kwargs):
        """One text in, one label out: the way LangTest calls custom models."""
        return self.output_labels[self.model.labels[int(self.predict_proba_one(text).argmax())]]

    def predict_proba_one(self, text: str) -> np.ndarray:
        self.n_calls += 1
        try:
            row = checked_proba(self.model, [str(text)])[0]
        except ModelRuntimeError as exc:
            self.error = self.error or exc  # LangTest may swallow or re-wrap it; the engine re-raises this one
            raise
        if self.record:
            self.recorded[str(text)] = row
        return row


def make_harness(bridge: LangTestModel, data_source, config: dict, *, feature_column: str = "text",
                 target_column: str = "label"):
    """A real `langtest.Harness` for text classification over a CSV, with `bridge` as a custom-hub model."""
    from langtest import Harness

    data = {"data_source": str(data_source), "feature_column": feature_column, "target_column": target_column}
    return Harness(task="text-classification", model={"model": bridge, "hub": "custom"}, data=data, config=config)
