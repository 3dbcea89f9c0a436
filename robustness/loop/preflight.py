"""What the loop checks before its first stage, so a mistake costs seconds, not a training run.

The configs, the model spec and the data splits are read before anything is written; here the labels are checked
for every stage that needs them: the test reviews' labels must be the model's, the suite's named positive and
negative labels must exist (DIR tests, bias gaps, augmented DIR rows), and the capability guards need both poles.
"""

from __future__ import annotations

from robustness.errors import ConfigError
from robustness.loop.config import LoopConfig
from robustness.loop.models import open_model
from robustness.loop.stages import data_labels
from robustness.models.labels import Polarity, check_data_labels, model_polarity, resolve_polarity
from robustness.suite.config import SuiteConfig

LOOP_LABEL_FIX = "name the model's columns with model.spec.labels (in order) or map the data's labels with data.label_map"


def check_labels(config: LoopConfig, suite: SuiteConfig, train, validation, test, data_path) -> Polarity:
    """The Polarity every stage will use, or a one-line error naming the field to change. The model is
    `model.existing` when given (its own labels), else the LSTM the loop trains (one output per data label)."""
    harness = suite.harness
    where = f"{suite.source}: harness"
    if config.model.existing:
        model = open_model(config.model.existing, config.model).model
        check_data_labels(model, test, data_path, where="data.path", fix=LOOP_LABEL_FIX)
        polarity = model_polarity(model.labels, harness.positive_label, harness.negative_label, where)
    else:
        polarity = resolve_polarity(data_labels(train, validation), harness.positive_label, harness.negative_label,
                                    where)
    # augmented DIR rows are labelled over the data's labels (stages.augment_rows): the named ones must be there too
    resolve_polarity(train.label_set, harness.positive_label, harness.negative_label, where)
    if config.guards.capabilities != [] and not polarity.known:
        raise ConfigError(f"guards: capability guards need a positive and a negative label, and the model's labels "
                          f"are {', '.join(polarity.labels)}; name them in {suite.source} as harness: "
                          f"{{positive_label: ..., negative_label: ...}}, or turn the guards off with "
                          f"guards: {{capabilities: []}}")
    return polarity
