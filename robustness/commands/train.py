"""`robustness train`: fit an LSTM on IMDB (or a CSV), selecting the epoch on a validation split carved from train.

The test split is never looked at here, so nothing is tuned on it.
"""

from __future__ import annotations

import math

import click


@click.command(name="train")
@click.option("--data", "data_path", type=click.Path(dir_okay=True), default=None,
              help="aclImdb archive/directory or a CSV/TSV/JSONL with text,label (default: the local IMDB archive).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True, help="Model directory to write.")
@click.option("--preset", default="quick", show_default=True, help="LSTM preset: quick, full, seed (the LangTest article's model), tiny, keras_a-keras_d, attention_bilstm.")
@click.option("--seed", default=13, show_default=True, type=int, help="Seed for initialisation, batches and the split.")
@click.option("--epochs", default=None, type=click.IntRange(min=1), help="Override the preset's number of epochs.")
@click.option("--validation-fraction", default=0.1, show_default=True, type=float,
              help="Share of the training reviews held out to pick the best epoch.")
@click.option("--max-train", default=None, type=click.IntRange(min=2), help="Train on at most N reviews (a seeded sample).")
@click.option("--init-from", default=None, type=click.Path(file_okay=False),
              help="Fine-tune this existing model directory (keeps its vocabulary and architecture).")
@click.option("--augmented", "augmented_path", default=None, type=click.Path(dir_okay=False),
              help="Add the rows of `robustness augment` output to the training part (never to validation).")
@click.option("--grow-vocab", is_flag=True,
              help="With --init-from and --augmented: add the words the augmented rows bring in (OCR typos, slang) "
                   "to the vocabulary; words the clean training reviews already have stay out.")
@click.option("--targets", type=click.Choice(["gold", "teacher"]), default="gold", show_default=True,
              help="With --init-from: train on gold labels, or on targets anchored on the --init-from model (less clean-accuracy drift).")
@click.option("--dir-margin", default=0.0, show_default=True, type=click.FloatRange(0.0, 10.0),
              help="With --init-from and --augmented: antonym-swap (DIR) rows must gain this much log-odds toward their "
                   "label over what --init-from predicts on their source review (e.g. 1.0; 0: off).")
@click.option("--dir-anchor", default="teacher", show_default=True, type=click.Choice(["teacher", "pair"]),
              help="With --dir-margin: measure the gain from what --init-from predicts on the source review (teacher), or "
                   "from the source as the model reads it while training, with gradient through both (pair).")
@click.option("--inv-tolerance", default=None, type=click.FloatRange(0.0, 10.0),
              help="With --augmented: typo'd and other invariance rows must keep their log-odds within this of their "
                   "source review's, as the model reads it while training (e.g. 0.25; default: off).")
@click.option("--blend", default=1.0, show_default=True, type=click.FloatRange(0.0, 1.0, min_open=True),
              help="With --init-from: keep this share of the fine-tuned weights and the rest of that model's "
                   "(e.g. 0.7 gives back part of the clean accuracy a fine-tune costs).")
@click.option("--keep-epoch", default="best", show_default=True, type=click.Choice(["best", "last"]),
              help="Which epoch's weights the model keeps: the best validation accuracy, or the last epoch run.")
@click.option("--save-epochs", is_flag=True, help="Also write every epoch's model to OUT/epochs/N, to test them later.")
@click.option("--threads", default=None, type=click.IntRange(min=1), help="CPU threads for torch (default: all cores).")
@click.option("--set", "settings", multiple=True, metavar="FIELD=VALUE",
              help="Change one config field of the preset, e.g. --set pretrain=ppmi_svd --set hidden_size=128 (repeatable).")
@click.option("--quiet", is_flag=True, help="No progress bar or per-epoch lines.")
def train(data_path, out_dir, preset, seed, epochs, validation_fraction, max_train, init_from, augmented_path,
          grow_vocab, targets, dir_margin, dir_anchor, inv_tolerance, blend, keep_epoch, save_epochs, threads,
          settings, quiet):
    """Train an LSTM sentiment model; rerunning the same command after a kill resumes from the last epoch."""
    from model_adapters.lstm.config import parse_settings
    from model_adapters.lstm.presets import resolve_config
    from model_adapters.lstm.training import train_lstm
    from robustness.data import load_dataset, sample_dataset, train_validation_split
    from robustness.download import resolve_imdb
    from robustness.errors import UsageError

    if not 0.0 < validation_fraction < 1.0:
        raise UsageError(f"--validation-fraction {validation_fraction} must be between 0 and 1 (e.g. 0.1)")
    if grow_vocab and (init_from is None or augmented_path is None):
        raise UsageError("--grow-vocab needs --init-from MODEL_DIR and --augmented FILE: it adds the augmented rows' words to that model's vocabulary")
    if targets == "teacher" and init_from is None:
        raise UsageError("--targets teacher needs --init-from MODEL_DIR: that model is the teacher")
    if dir_margin and (init_from is None or augmented_path is None):
        raise UsageError("--dir-margin needs --init-from MODEL_DIR and --augmented FILE: DIR rows move past what that model predicts")
    if dir_anchor == "pair" and not dir_margin:
        raise UsageError("--dir-anchor pair needs --dir-margin > 0 (e.g. 1.0): it says what the directional hinge measures from")
    if blend < 1.0 and init_from is None:
        raise UsageError(f"--blend {blend} needs --init-from MODEL_DIR: the rest of the weights come from that model")
    if inv_tolerance is not None and augmented_path is None:
        raise UsageError("--inv-tolerance needs --augmented FILE: its invariance rows follow their source reviews")
    settings = parse_settings(settings, UsageError) | ({"epochs": epochs} if epochs is not None else {})
    config = resolve_config(preset, **settings)
    path = data_path or resolve_imdb()
    reviews = load_dataset(path, "train")  # a CSV has no splits: all its rows
    train_set, validation = train_validation_split(reviews, validation_fraction, seed=seed)
    if max_train is not None:
        # Different seed from the split's: the same seed would select by the very hash that chose the split.
        validation_cap = max(1, math.ceil(max_train * validation_fraction / (1 - validation_fraction)))
        train_set = sample_dataset(train_set, max_train, seed=seed + 1)
        validation = sample_dataset(validation, validation_cap, seed=seed + 1)
    from robustness.augment import read_augmented, with_augmented
    from robustness.teacher_targets import retrain_options

    rows = []
    if augmented_path is not None:
        rows = read_augmented(augmented_path)
        leaked = {row.source_id for row in rows} & set(validation.ids)
        if leaked:
            raise UsageError(
                f"{augmented_path}: {len(leaked)} augmented rows come from validation reviews (e.g. {sorted(leaked)[0]}); "
                f"rerun `robustness augment` with --split-seed {seed} --validation-fraction {validation_fraction}"
            )
    if (targets == "teacher" or dir_margin or inv_tolerance is not None) and max_train is not None:  # targets come from the source review: keep rows whose source is sampled
        sampled = set(train_set.ids)
        kept = [row for row in rows if row.source_id in sampled]
        if len(kept) < len(rows):
            click.echo(f"--max-train {max_train}: {len(rows) - len(kept):,} augmented rows come from reviews outside the "
                       f"sample and are left out (their targets come from their source review)", err=True)
        rows = kept
    extra = retrain_options(init_from, train_set, rows, targets, grow_vocab, dir_margin=dir_margin,
                            inv_tolerance=inv_tolerance, dir_anchor=dir_anchor)
    metrics = train_lstm(with_augmented(train_set, rows) if rows else train_set, validation, config, out_dir, seed=seed,
                         init_from=init_from, progress=not quiet, num_threads=threads, blend=blend,
                         keep_epoch=keep_epoch, save_epochs=save_epochs, **extra)
    click.echo(summary_line(metrics))


def summary_line(metrics: dict) -> str:
    minutes, seconds = divmod(int(round(metrics["timings"]["total_s"])), 60)
    return (
        f"trained lstm-{metrics['preset']} on {metrics['n_train']:,} reviews in {minutes}m{seconds:02d}s: "
        f"best epoch {metrics['best_epoch']}/{metrics['epochs_run']}, validation accuracy "
        f"{metrics['validation']['accuracy']:.3f} on {metrics['n_validation']:,} reviews -> {metrics['out_dir']}"
    )
