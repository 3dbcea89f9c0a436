"""`robustness loop`: the whole augment-and-retrain loop with a before/after report."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from robustness.cli.history_options import check_history_options, history_options, log_mlflow, record_runs
from robustness.cli.progress import progress_option
from robustness.cli.suite_options import executor_options
from robustness.errors import EXIT_GATE_FAILED


@click.command(help="Suite, augment, retrain, suite again (same and fresh seeds): writes LOOP_DIR/before_after.html.")
@click.option("--config", "config_path", default=None, metavar="LOOP_YML",
              help="Loop config file or shipped name, e.g. loop_full_imdb, the full-IMDB recipe (default: a short "
                   "quick-preset loop on IMDB; fields: docs/loop-config.md).")
@click.option("--set", "settings", multiple=True, metavar="SECTION.FIELD=VALUE",
              help="Change one loop config field, e.g. --set augment.ratio=0.5 (repeatable; the flags below win).")
@click.option("--data", "data_path", type=click.Path(path_type=Path), default=None,
              help="aclImdb archive or directory, a `datasets` directory with train and test, or a table with "
                   "data.test_path naming its test reviews (default: cache or ../shared/data, else download).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("runs/loop"), show_default=True)
@click.option("--model", "model_spec", default=None,
              help="Start from this existing model instead of training one: an LSTM directory, or any model spec "
                   "(hf:, skops:, py:, http(s)://) with retrain.mode=scratch (only our LSTM is fine-tuned).")
@click.option("--preset", default=None, help="LSTM preset for the models the loop trains (quick, full, seed, ...; see `robustness train --help`).")
@click.option("--sample", type=int, default=None, help="Test reviews per suite run.")
@click.option("--max-train", type=int, default=None, help="Train on a seeded subsample of this many reviews.")
@click.option("--restart", is_flag=True, help="Discard an earlier run in --out instead of resuming it.")
@click.option("--gate", "gate", is_flag=True,
              help="Exit 1 when the retrained model's verdict fails (its gate, the fresh-seed gate, or a capability "
                   "guard significantly worse), as `robustness test` does; without it the loop exits 0 once it ran.")
@progress_option
@executor_options
@history_options
def loop(config_path, settings, data_path, out_dir, model_spec, preset, sample, max_train, restart, gate, progress,
         executor, ray_address, workers, history_path, no_history, tags, mlflow_uri):
    from robustness.loop.config import load_loop_config, with_overrides, with_settings
    from robustness.loop.run import run_loop

    config = with_settings(load_loop_config(config_path), settings)
    check_history_options(mlflow_uri)
    flags = {("model", "existing"): model_spec, ("model", "preset"): preset,
             ("data", "path"): str(data_path) if data_path else None, ("data", "max_train"): max_train,
             ("suite", "sample"): sample}  # a flag left out keeps the file's value
    config = with_overrides(config, {key: value for key, value in flags.items() if value is not None}, "command line")
    from robustness.suite.executors import executor_for

    executor_for(executor, None, ray_address, workers)  # the executor options are checked before anything runs
    elsewhere = executor == "ray" or (workers or 1) > 1
    summary = run_loop(config, out_dir, restart=restart, progress=progress,
                       executor_for=(lambda open_model: executor_for(executor, open_model, ray_address, workers))
                       if elsewhere else None)
    after_ok = summary["after"]["gate"]["passed"] and (summary["fresh"] is None or summary["fresh"]["gate"]["passed"])
    worse = (summary.get("guards") or {}).get("significantly_worse") or []
    after_ok = after_ok and not worse  # a capability guard that got significantly worse fails the verdict
    clean = summary["clean"]
    click.echo(f"gate before: {'PASS' if summary['before']['gate']['passed'] else 'FAIL'}  "
               f"after: {'PASS' if after_ok else 'FAIL'}  "
               f"clean accuracy {clean['before']['accuracy']:.4f} -> {clean['after']['accuracy']:.4f}")
    if summary.get("transfer"):
        click.echo(f"transfer: {summary['transfer']['verdict_text']}"
                   + (f"; capability guards significantly worse: {', '.join(worse)}" if worse else ""))
    fix = summary.get("fix")
    if fix:
        click.echo(f"fix stage: {fix['winner'] + ' won' if fix['winner'] else 'no candidate qualified'} ({fix['why']})")
    click.echo(f"report: {Path(out_dir) / 'before_after.html'}")
    from robustness.history.record import loop_run, test_rows

    record_runs([(loop_run(summary, Path(out_dir)) | {"passed": int(after_ok)}, test_rows(summary["after"]))], tags,
                history_path, no_history)
    log_mlflow(mlflow_uri, summary["after"], Path(out_dir), "loop", tags,
               extra_metrics={"clean_accuracy_before": clean["before"]["accuracy"], "release_verdict": float(after_ok)},
               extra_params={"chosen_fix": str((summary.get("fix") or {}).get("chosen")),
                             "transfer_verdict": str((summary.get("transfer") or {}).get("verdict"))})
    if gate and not after_ok:
        sys.exit(EXIT_GATE_FAILED)

