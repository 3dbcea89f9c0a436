"""The loop's data, augment and retrain stages as functions, so `robustness loop` and the `augment` and `train`
commands run the very same code on the same settings (robustness/loop_config.py): augment then train by hand
with one loop.yml gives the rows and the model the loop gives."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

from robustness.errors import ConfigError, UsageError
from robustness.loop_config import AugmentSection, LoopConfig


def load_train_validation(config: LoopConfig, data_path: Path):
    """The train split (a seeded sample of `data.max_train` reviews when set) and the validation part carved
    from it by `model.seed`; a CSV/JSONL has no splits, so all its rows."""
    from robustness.data import load_dataset, sample_dataset, train_validation_split

    train_all = sample_dataset(load_dataset(data_path, "train"), config.data.max_train, config.model.seed)
    return train_validation_split(train_all, config.data.validation_fraction, config.model.seed)


def augment_rows(settings: AugmentSection, train, needs, suite, model_dir: Path | None = None, evenly: bool = False):
    """Augmented rows for `needs` (augment.TestNeed per test) from `train`, and their summary. `evenly` spreads the
    budget over every test (no suite results to say which fall short); `select: failures` asks the model in
    `model_dir` which perturbed reviews it fails, judged as `suite` (the SuiteConfig that asked) judges them."""
    from robustness import augment

    needs = augment.augmentable(needs, settings.dir_policy)
    budget = augment.plan_budget(needs, len(train), settings.ratio, settings.mode, evenly, settings.margin)
    chooser = None
    if settings.select == "failures":
        if model_dir is None:
            raise UsageError("augment.select failures needs the model the suite ran on (--model MODEL_DIR): it says "
                             "which perturbed rows it fails")
        from model_adapters import load_model

        from robustness.hard_rows import FailuresFirst

        chooser = FailuresFirst(load_model(model_dir), train, settings.pool, settings.failures_for, suite=suite)
    rows = augment.generate_augmented(train, needs, budget, settings.seed, settings.dir_policy, chooser,
                                      settings.variants)
    summary = augment.summarize(rows, budget, len(train), settings.seed, settings.mode, settings.ratio,
                                settings.dir_policy, settings.margin, settings.variants)
    summary |= {"select": settings.select, "pool": settings.pool if chooser else None,
                "failures_for": settings.failures_for if chooser else None,
                "failing_candidates": chooser.found if chooser else None}
    return rows, summary


def train_model(config: LoopConfig, train, validation, out_dir: Path, *, start_from: Path | None = None,
                rows=None, lstm_settings: Mapping | None = None, progress: bool = True,
                num_threads: int | None = None) -> dict:
    """Train the 'before' model (`rows` None: `model.preset`, `model.epochs`), or retrain on `train` + `rows` as
    `retrain:` says, starting from (finetune) or taught by (teacher targets) the model in `start_from`. A retrain
    keeps that model's own config.json; without one it uses the preset. `lstm_settings` change LSTM config
    fields (`train --set hidden_size=128`). Returns train_lstm's metrics."""
    from model_adapters.lstm.presets import resolve_config
    from model_adapters.lstm.training import train_lstm

    lstm_settings = dict(lstm_settings or {})
    retrain = config.retrain
    if rows is None:
        lstm = resolve_config(resolve_config(config.model.preset, **lstm_settings), epochs=config.model.epochs)
        return train_lstm(train, validation, lstm, out_dir, seed=config.model.seed, progress=progress,
                          num_threads=num_threads, save_epochs=retrain.save_epochs)
    from robustness.augment import with_augmented
    from robustness.teacher_targets import fine_tune_objective

    finetune = retrain.mode == "finetune"
    if finetune and start_from is None:
        raise UsageError("retrain.mode finetune needs the model to start from (--init-from MODEL_DIR or "
                         "model.existing); to train a new model on the rows set retrain.mode: scratch")
    objective = fine_tune_objective(start_from, train, rows, retrain)
    lstm = resolve_config(_model_config(start_from) if start_from is not None else config.model.preset, **lstm_settings)
    # Fine-tuning starts from a trained model: 2 epochs at a third of its peak learning rate unless told.
    learning_rate = retrain.learning_rate or (lstm.learning_rate / 3 if finetune else None)
    lstm = resolve_config(lstm, epochs=retrain.epochs or (2 if finetune else config.model.epochs),
                          learning_rate=learning_rate)
    return train_lstm(with_augmented(train, rows), validation, lstm, out_dir, seed=config.model.seed,
                      init_from=start_from if finetune else None, progress=progress, num_threads=num_threads,
                      objective=objective, save_epochs=retrain.save_epochs)


def _model_config(model_dir: Path) -> dict:
    from robustness.files import read_json_object

    return read_json_object(Path(model_dir) / "config.json", "model config", ConfigError,
                            "pass a directory written by `robustness train`")
