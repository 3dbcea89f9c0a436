"""`robustness loop`: the whole augment-and-retrain loop with a before/after report."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(help="Suite, augment, retrain, suite again (same and fresh seeds): writes LOOP_DIR/before_after.html.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help="Loop config YAML (default: a short quick-preset loop on IMDB).")
@click.option("--data", "data_path", type=click.Path(path_type=Path), default=None,
              help="aclImdb archive or directory (default: cache or ../shared/data, else download).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("runs/loop"), show_default=True)
@click.option("--model", "model_dir", type=click.Path(path_type=Path), default=None,
              help="Start from this existing model instead of training one.")
@click.option("--preset", default=None, help="LSTM preset for the models the loop trains (quick, full, seed, ...; see `robustness train --help`).")
@click.option("--sample", type=int, default=None, help="Test reviews per suite run.")
@click.option("--max-train", type=int, default=None, help="Train on a seeded subsample of this many reviews.")
@click.option("--restart", is_flag=True, help="Discard an earlier run in --out instead of resuming it.")
@click.option("--progress/--no-progress", default=True, show_default=True)
def loop(config_path, data_path, out_dir, model_dir, preset, sample, max_train, restart, progress):
    from robustness.loop import run_loop
    from robustness.loop_config import load_loop_config

    config = load_loop_config(config_path)
    overrides = {
        "model": {"existing": str(model_dir) if model_dir else None, "preset": preset},
        "data": {"path": str(data_path) if data_path else None, "max_train": max_train},
        "suite": {"sample": sample},
    }
    config = _override(config, overrides)
    summary = run_loop(config, out_dir, restart=restart, progress=progress)
    after_ok = summary["after"]["gate"]["passed"] and (summary["fresh"] is None or summary["fresh"]["gate"]["passed"])
    clean = summary["clean"]
    click.echo(f"gate before: {'PASS' if summary['before']['gate']['passed'] else 'FAIL'}  "
               f"after: {'PASS' if after_ok else 'FAIL'}  "
               f"clean accuracy {clean['before']['accuracy']:.4f} -> {clean['after']['accuracy']:.4f}")
    click.echo(f"report: {Path(out_dir) / 'before_after.html'}")


def _override(config, overrides: dict):
    """CLI flags win over the file; a flag left out keeps the file's value."""
    from robustness.loop_config import loop_config_from_dict

    data = config.to_dict()
    for section, fields in overrides.items():
        for key, value in fields.items():
            if value is not None:
                data[section][key] = value
    return loop_config_from_dict(data, source="command line")
