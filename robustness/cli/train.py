"""`robustness train`: fit an LSTM, or retrain one on augmented rows, as the loop's train stages do.

Settings come from the loop config's `model:`, `data:` and `retrain:` sections (robustness/loop/config.py, one
schema with one set of defaults), so `augment` then `train` by hand with the loop's config gives the loop's model.
Validation is carved from the train split; the test split is never looked at here, so nothing is tuned on it.
"""

from __future__ import annotations

import click

from robustness.cli.data_options import data_layout_options, with_layout
from robustness.cli.progress import progress_option


@click.command(name="train", epilog="""\b
Settings: --config reads a loop config (model:, data:, retrain: sections; docs/loop-config.md).
--set section.field=value changes one of its fields (retrain.teacher_weight=1.0, data.validation_fraction=0.2,
data.max_train=1000 for a quick run on a sample, retrain.save_epochs=true); a bare --set FIELD=VALUE changes a
field of the LSTM config (hidden_size=128, pretrain=ppmi_svd). Flags win over --set, --set over the file.
A new model has one output per label of the data: any k >= 2 labels (negative/neutral/positive, 1..5 stars).
\b
Without --init-from/--augmented: a new model from model.preset. With them: a retrain as retrain: says
(default: fine-tune --init-from for 2 epochs at a third of its learning rate on targets anchored on it, the
rows' new words added to its vocabulary; retrain.mode=scratch retrain.targets=gold: a new model on gold labels).""")
@click.option("--config", "config_path", default=None, metavar="LOOP_YML",
              help="Loop config file or shipped name (e.g. loop_full_imdb); default: the schema's defaults.")
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE",
              help="section.field=value: a loop config field; FIELD=VALUE: an LSTM config field (repeatable).")
@click.option("--data", "data_path", type=click.Path(dir_okay=True), default=None,
              help="aclImdb archive/directory, CSV/TSV/JSONL, Parquet or a `datasets` directory (default: data.path, "
                   "else the local IMDB archive; docs/data-formats.md).")
@data_layout_options
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True, help="Model directory to write.")
@click.option("--preset", default=None,
              help="model.preset of a new model: quick, full, seed (the LangTest article's model), tiny, keras_a-keras_d, "
                   "attention_bilstm (a retrain keeps its starting model's config).")
@click.option("--seed", default=None, type=int, help="model.seed: initialisation, batches and the validation split (default 13).")
@click.option("--epochs", default=None, type=click.IntRange(min=1),
              help="model.epochs of a new model, retrain.epochs of a retrain.")
@click.option("--init-from", default=None, type=click.Path(file_okay=False),
              help="The model before augmentation (default: model.existing): fine-tuned, and the teacher of teacher targets.")
@click.option("--augmented", "augmented_path", default=None, type=click.Path(dir_okay=False),
              help="Rows written by `robustness augment`, added to the training part (never to validation).")
@click.option("--threads", default=None, type=click.IntRange(min=1), help="CPU threads for torch (default: all cores).")
@progress_option
def train(config_path, settings, data_path, layout, out_dir, preset, seed, epochs, init_from, augmented_path, threads,
          progress):
    """Train an LSTM sentiment model; rerunning the same command after a kill resumes from the last epoch."""
    from pathlib import Path

    from model_adapters.lstm.config import parse_settings
    from robustness.data.download import resolve_imdb
    from robustness.errors import UsageError
    from robustness.loop.config import load_loop_config, with_overrides, with_settings
    from robustness.loop.stages import load_train_validation, train_model

    loop_settings = [item for item in settings if "." in item.partition("=")[0]]
    lstm_settings = parse_settings([item for item in settings if item not in loop_settings], UsageError)
    config = with_layout(with_settings(load_loop_config(config_path), loop_settings), layout)
    start_from = init_from or config.model.existing
    retraining = start_from is not None or augmented_path is not None
    flags = {("model", "preset"): preset, ("model", "seed"): seed, ("data", "path"): data_path,
             ("retrain" if retraining else "model", "epochs"): epochs}
    config = with_overrides(config, {key: value for key, value in flags.items() if value is not None}, "command line")
    retrain = config.retrain
    if retraining and start_from is None and (retrain.mode == "finetune" or retrain.targets == "teacher" or retrain.dir_margin):
        raise UsageError("--augmented without --init-from MODEL_DIR: fine-tuning, teacher targets and the directional "
                         "hinge need the model before augmentation; for a new model on the rows pass --set "
                         "retrain.mode=scratch --set retrain.targets=gold")
    train_set, validation = load_train_validation(config, Path(config.data.path) if config.data.path else resolve_imdb(),
                                                  layout.announce)
    rows = _augmented_rows(augmented_path, config, train_set, validation) if retraining else None
    if start_from is not None and not str(start_from).startswith(("http://", "https://")):
        start_from = Path(start_from)  # a URL stays a string: Path would fold its //
    metrics = train_model(config, train_set, validation, Path(out_dir), start_from=start_from,
                          rows=rows, lstm_settings=lstm_settings, progress=progress, num_threads=threads)
    click.echo(summary_line(metrics))


def _augmented_rows(path, config, train_set, validation) -> list:
    """The rows of `path` (none without it), refused when any comes from a validation review; with
    data.max_train, rows whose source review is outside the sample are left out (their targets need it)."""
    from robustness.errors import UsageError
    from robustness.loop.augment import read_augmented

    if path is None:
        return []
    rows = read_augmented(path)
    leaked = {row.source_id for row in rows} & set(validation.ids)
    if leaked:
        raise UsageError(
            f"{path}: {len(leaked)} augmented rows come from validation reviews (e.g. {sorted(leaked)[0]}); rerun "
            f"`robustness augment` with the same --config and --set as train (model.seed {config.model.seed}, "
            f"data.validation_fraction {config.data.validation_fraction})"
        )
    if config.data.max_train is not None:
        sampled = set(train_set.ids)
        kept = [row for row in rows if row.source_id in sampled]
        if len(kept) < len(rows):
            click.echo(f"data.max_train {config.data.max_train}: {len(rows) - len(kept):,} augmented rows come from "
                       f"reviews outside the sample and are left out (their targets come from their source review)",
                       err=True)
        rows = kept
    return rows


def summary_line(metrics: dict) -> str:
    minutes, seconds = divmod(int(round(metrics["timings"]["total_s"])), 60)
    return (
        f"trained lstm-{metrics['preset']} on {metrics['n_train']:,} reviews in {minutes}m{seconds:02d}s: "
        f"best epoch {metrics['best_epoch']}/{metrics['epochs_run']}, validation accuracy "
        f"{metrics['validation']['accuracy']:.3f} on {metrics['n_validation']:,} reviews -> {metrics['out_dir']}"
    )
