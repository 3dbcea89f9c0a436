"""`robustness harden`: any model behind a normalizing front end, saved as a model directory.

    robustness harden --model models/quick --out models/quick-hardened
    robustness harden --model https://host/predict --token-env TOKEN --data train.csv --out models/served-hardened
    robustness test --model models/quick-hardened --out runs/hardened

For a team that cannot retrain: words the model cannot read (look-alike letters, leetspeak, elongations, split
or glued words, typos) are rewritten to words it can, before every prediction.
"""

from __future__ import annotations

from pathlib import Path

import click

from robustness.cli.data_options import data_layout_options
from robustness.cli.model_options import MODEL_HELP, model_spec_options


@click.command("harden")
@click.option("--model", "model_spec", required=True, help=MODEL_HELP)
@model_spec_options
@click.option("--data", "data_path", default=None, type=click.Path(path_type=Path),
              help="Training reviews whose words are the known words, for a model without a vocabulary of its own "
                   "(default: the model's vocabulary, else the English list symspellpy ships).")
@data_layout_options
@click.option("--words", "words_path", default=None, type=click.Path(path_type=Path),
              help="A known-words file (word<TAB>count per line) to use instead.")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path),
              help="The normalized model directory to write (opens with --model everywhere).")
def harden(model_spec, model_options, data_path, layout, words_path, out_dir):
    """Put any model behind a normalizer of the words it cannot read."""
    from robustness.data.datasets import load_dataset
    from robustness.models.harden import harden as build

    if model_options.precision != "fp32":  # a choice for whoever opens the hardened model, not stored in it
        raise click.UsageError(f"--precision {model_options.precision} applies when a model predicts: give it to the "
                               f"commands that open {out_dir} (test, serve, ...), not to harden")
    texts = load_dataset(data_path, "train", layout=layout).texts if data_path is not None else None
    record = build(model_spec, out_dir, model_options.stored(), texts=texts, words_file=words_path,
                   data_source=str(data_path) if data_path is not None else None)
    click.echo(f"hardened {record['wraps']} -> {record['out']}: {record['known_words']:,} known words from "
               f"{record['words_source']}")
