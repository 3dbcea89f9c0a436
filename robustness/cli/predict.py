"""`robustness predict`: label reviews from a CSV/TSV/JSONL file, or typed/piped one per line on stdin.

File mode writes the input columns plus the predicted label and one probability column per label, atomically.
Stdin mode prints `label<TAB>P(positive)<TAB>preview` per review, answering each line as it is typed.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import click

from robustness.cli.model_options import MODEL_HELP, model_spec_options
from robustness.errors import DataError, UsageError

LABEL_COLUMN = "predicted_label"
PREVIEW_CHARS = 60


@click.command()
@click.option("--model", "model_spec", required=True, help=MODEL_HELP)
@model_spec_options
@click.option("--input", "input_path", default=None,
              help="CSV/TSV/JSONL with a text column; omit or pass '-' to read one review per line from stdin.")
@click.option("--output", "output_path", type=click.Path(path_type=Path), default=None,
              help="Write predictions as CSV (TSV for .tsv) here; without it, file mode prints CSV to stdout.")
@click.option("--text-column", default=None,
              help="Column holding the review text (default: detect text, review, sentence, sentences, content, sample).")
@click.option("--batch-size", type=click.IntRange(min=1), default=256, show_default=True)
def predict(model_spec, model_options, input_path, output_path, text_column, batch_size):
    """Label reviews from a file or from stdin (type a review, get its sentiment)."""
    if output_path is not None:
        _check_output(output_path, input_path)
    if input_path in (None, "-"):
        model = model_options.load(model_spec).model
        predict_stdin(model, output_path, batch_size)
        return
    from robustness.data.text_files import find_text_column, load_text_table

    text_column = find_text_column(Path(input_path), text_column)
    table = load_text_table(Path(input_path), required=(text_column,),
                            fix="pass --text-column with the name of the column that holds the reviews")
    texts = _texts_of(table, text_column)
    model = model_options.load(model_spec).model
    output_columns = _output_columns(table.columns, model.labels, input_path)
    proba = _predict(model, texts, batch_size)
    rows = [dict(row, **_prediction_fields(model.labels, p)) for row, p in zip(table.rows, proba)]
    _write_table(output_path, output_columns, rows)
    if output_path is not None:
        click.echo(f"wrote {len(rows)} predictions to {output_path}", err=True)


def predict_stdin(model, output_path: Path | None, batch_size: int = 256) -> None:
    """Interactive terminals get an answer per line; piped input is read whole and predicted in batches."""
    stdin = click.get_binary_stream("stdin")
    interactive = sys.stdin.isatty()
    if interactive:
        click.echo("type a review and press Enter (Ctrl-D to finish)", err=True)
    collected: list[dict] = []
    pending: list[str] = []

    def flush():
        for text, p in zip(pending, _predict(model, pending, batch_size)):
            fields = _prediction_fields(model.labels, p)
            click.echo(f"{fields[LABEL_COLUMN]}\t{_positive_probability(model.labels, p):.4f}\t{_preview(text)}")
            collected.append({"text": text, **fields})
        pending.clear()

    for number, raw in enumerate(stdin, start=1):
        try:
            text = raw.decode("utf-8").removeprefix("\ufeff").rstrip("\r\n")
        except UnicodeDecodeError as exc:
            raise DataError(f"stdin line {number}: not valid UTF-8 at byte {exc.start}; send UTF-8 text") from exc
        if not text.strip():
            continue
        pending.append(text)
        if interactive or len(pending) >= batch_size:
            flush()
    flush()
    if output_path is not None:
        _write_table(output_path, _output_columns(("text",), model.labels, "stdin"), collected)


def _texts_of(table, text_column: str) -> list[str]:
    from robustness.data.text_files import review_text

    if not table.rows:
        raise DataError(f"{table.source}: no data rows; add rows with a {text_column!r} column")
    return [review_text(row.get(text_column), f"{table.source}:{line}", text_column)
            for line, row in zip(table.lines, table.rows)]


def _predict(model, texts: list[str], batch_size: int):
    from robustness.models.predictor import CachedPredictor

    return CachedPredictor(model, batch_size=batch_size).predict(texts)


def _prediction_fields(labels, probabilities) -> dict:
    fields = {LABEL_COLUMN: labels[int(probabilities.argmax())]}
    fields.update({f"p_{label}": f"{float(p):.6f}" for label, p in zip(labels, probabilities)})
    return fields


def _positive_probability(labels, probabilities) -> float:
    return float(probabilities[labels.index("positive")]) if "positive" in labels else float(probabilities.max())


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[:PREVIEW_CHARS - 1] + "…"


def _output_columns(columns, labels, source) -> list[str]:
    added = [LABEL_COLUMN] + [f"p_{label}" for label in labels]
    clash = [c for c in added if c in columns]
    if clash:
        raise UsageError(f"{source} already has column(s) {', '.join(clash)}; rename them or predict from the "
                         f"original file")
    return list(columns) + added


def _write_table(output_path: Path | None, columns: list[str], rows: list[dict]) -> None:
    delimiter = "\t" if output_path is not None and output_path.name.lower().endswith(".tsv") else ","
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=columns, delimiter=delimiter, extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: _cell(v) for k, v in row.items()} for row in rows)
    if output_path is None:
        click.echo(buffer.getvalue(), nl=False)
        return
    from robustness.files import write_text

    write_text(output_path, buffer.getvalue())


def _cell(value):
    """JSONL rows may hold lists or objects; write them as JSON rather than Python reprs."""
    if isinstance(value, (dict, list)):
        import json

        return json.dumps(value, ensure_ascii=False)
    return value


def _check_output(output_path: Path, input_path) -> None:
    from robustness.files import ensure_writable_dir

    if output_path.is_dir():
        raise UsageError(f"--output {output_path} is a directory; give a file path such as "
                         f"{output_path / 'predictions.csv'}")
    if input_path not in (None, "-") and Path(input_path).resolve() == output_path.resolve():
        raise UsageError(f"--output {output_path} is the input file; write predictions to a new file")
    ensure_writable_dir(output_path.parent if str(output_path.parent) else ".")
