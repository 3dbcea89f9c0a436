"""The loop's data, augment and retrain stages as functions, so `robustness loop` and the `augment` and `train`
commands run the very same code on the same settings (robustness/loop/config.py): augment then train by hand
with one loop.yml gives the rows and the model the loop gives."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

from model_adapters.labels import sort_labels
from model_adapters.lstm.presets import resolve_config
from robustness.data.datasets import load_dataset, sample_dataset, train_validation_split
from robustness.errors import UsageError
from robustness.loop import augment
from robustness.loop.augment import with_augmented
from robustness.loop.config import AugmentSection, LoopConfig, ModelSection
from robustness.loop.hard_rows import FailuresFirst
from robustness.loop.models import is_lstm_dir, load_spec, lstm_config
from robustness.loop.teacher_targets import fine_tune_objective
from robustness.loop.transfer import without_held_out
from robustness.models.labels import resolve_polarity


def load_train_validation(config: LoopConfig, data_path: Path, announce=None):
    """The train split (a seeded sample of `data.max_train` reviews when set) and the validation part carved
    from it by `model.seed`; a CSV/JSONL has no splits, so all its rows. Tables are read as `data.text_column`,
    `data.label_column` and `data.label_map` say (`announce` gets the line naming what was detected)."""
    train_all = load_dataset(data_path, "train", layout=config.data.layout(announce))
    train_all = sample_dataset(train_all, config.data.max_train, config.model.seed)
    return train_validation_split(train_all, config.data.validation_fraction, config.model.seed)


def augment_rows(settings: AugmentSection, train, needs, suite, model=None, evenly: bool = False,
                 holdout: Sequence[str] = (), model_section: ModelSection | None = None):
    """Augmented rows for `needs` (augment.TestNeed per test) from `train`, and their summary. `evenly` spreads the
    budget over every test (no suite results to say which fall short); `select: failures` asks `model` (a loaded
    model, or a model spec, opened as `model_section` says: open_model) which perturbed reviews it fails, judged as
    `suite` (the SuiteConfig that asked) judges them. DIR rows take the labels `suite`'s harness names positive
    and negative (robustness/models/labels.py).
    Held-out tests (`holdout.tests`) never get rows nor a share of the budget (robustness/loop/transfer.py)."""
    needs, excluded = without_held_out(needs, holdout)
    polarity = _row_polarity(suite, train)
    needs = augment.augmentable(needs, settings.dir_policy, polarity)
    budget = augment.plan_budget(needs, len(train), settings.ratio, settings.mode, evenly, settings.margin)
    chooser = None
    if settings.select == "failures":
        if model is None:
            raise UsageError("augment.select failures needs the model the suite ran on (--model SPEC): it says "
                             "which perturbed rows it fails")
        chooser = FailuresFirst(load_spec(model, model_section), train, settings.pool, settings.failures_for,
                                suite=suite)
    rows = augment.generate_augmented(train, needs, budget, settings.seed, settings.dir_policy, chooser,
                                      settings.variants, polarity)
    summary = augment.summarize(rows, budget, len(train), settings.seed, settings.mode, settings.ratio,
                                settings.dir_policy, settings.margin, settings.variants)
    summary |= {"select": settings.select, "pool": settings.pool if chooser else None,
                "failures_for": settings.failures_for if chooser else None,
                "failing_candidates": chooser.found if chooser else None,
                "held_out": list(holdout), "held_out_excluded": excluded}
    return rows, summary


def _row_polarity(suite, train):
    """The positive and negative labels DIR rows are labelled with: the suite's harness names, else the defaults
    over the data's labels (negative/positive, or a binary set's 1st/2nd)."""
    harness = suite.harness
    return resolve_polarity(train.label_set, harness.positive_label, harness.negative_label,
                            f"{suite.source}: harness")


def train_model(config: LoopConfig, train, validation, out_dir: Path, *, start_from: str | Path | None = None,
                rows=None, lstm_settings: Mapping | None = None, progress: bool = True,
                num_threads: int | None = None) -> dict:
    """Train the 'before' model (`rows` None: `model.preset`, `model.epochs`), or retrain on `train` + `rows` as
    `retrain:` says, starting from (finetune) or taught by (teacher targets) the model in `start_from`. A retrain
    keeps that model's own config.json; without one it uses the preset. `lstm_settings` change LSTM config
    fields (`train --set hidden_size=128`). A new LSTM has one output per label of the data (any k >= 2).
    `start_from` may be any model spec when retraining from scratch (it is then only the teacher); fine-tuning
    needs our LSTM. Returns train_lstm's metrics."""
    from model_adapters.lstm.training import train_lstm  # torch: loaded only when a model is trained

    lstm_settings = dict(lstm_settings or {})
    retrain = config.retrain
    if rows is None:
        lstm_settings.setdefault("labels", data_labels(train, validation))
        lstm = resolve_config(resolve_config(config.model.preset, **lstm_settings), epochs=config.model.epochs)
        return train_lstm(train, validation, lstm, out_dir, seed=config.model.seed, progress=progress,
                          num_threads=num_threads, save_epochs=retrain.save_epochs)
    finetune = retrain.mode == "finetune"
    if finetune and start_from is None:
        raise UsageError("retrain.mode finetune needs the model to start from (--init-from MODEL_DIR or "
                         "model.existing); to train a new model on the rows set retrain.mode: scratch")
    ours = start_from is not None and is_lstm_dir(start_from)
    if finetune and not ours:
        raise UsageError(f"retrain.mode finetune fine-tunes our LSTM, and {start_from} is not one (the loop tests any "
                         f"model, but retrains only an LSTM): set retrain.mode: scratch to train a new LSTM on the data "
                         f"and the rows (with retrain.targets: teacher, {start_from} is its teacher)")
    if not ours:  # else the retrain keeps its starting model's config, labels included
        lstm_settings.setdefault("labels", data_labels(train, validation))
    lstm = resolve_config(lstm_config(start_from) if ours else config.model.preset, **lstm_settings)
    objective = fine_tune_objective(start_from, train, rows, retrain, lstm.labels, model_section=config.model)
    # Fine-tuning starts from a trained model: 2 epochs at a third of its peak learning rate unless told.
    learning_rate = retrain.learning_rate or (lstm.learning_rate / 3 if finetune else None)
    lstm = resolve_config(lstm, epochs=retrain.epochs or (2 if finetune else config.model.epochs),
                          learning_rate=learning_rate)
    return train_lstm(with_augmented(train, rows), validation, lstm, out_dir, seed=config.model.seed,
                      init_from=start_from if finetune else None, progress=progress, num_threads=num_threads,
                      objective=objective, save_epochs=retrain.save_epochs)


def data_labels(train, validation) -> tuple[str, ...]:
    """The label set a new LSTM is trained on: every label of the train and validation parts, sorted."""
    return sort_labels(set(train.labels) | set(validation.labels))
