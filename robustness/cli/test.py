"""`robustness test`: run a suite on a model, write the run directory, and gate on the pass rates.

Exit codes: 0 every test meets its threshold, 1 the gate failed, 2 usage/config/data/model-loading error,
3 the model failed while predicting. Inputs are all checked before the (long) run starts, and nothing is
written to RUN_DIR unless the run finishes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from robustness.cli.data_options import data_layout_options
from robustness.cli.history_options import check_history_options, history_options, log_mlflow, record_runs
from robustness.cli.model_options import MODEL_HELP, model_spec_options
from robustness.cli.progress import progress_option
from robustness.cli.suite_options import executor_options, load_suite_data, suite_executor, suite_input_options
from robustness.cli.text_table import text_table
from robustness.models.labels import check_data_labels

ENGINES = ("ours", "langtest")


@click.command("test")
@click.option("--model", "model_spec", required=True, help=MODEL_HELP)
@model_spec_options
@suite_input_options
@data_layout_options
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Run directory to write.")
@click.option("--engine", type=click.Choice(ENGINES), default="ours", show_default=True,
              help="'langtest' runs the same config through LangTest's Harness, for comparison.")
@click.option("--gate", "gate_rule", type=click.Choice(["point", "wilson_lower"]), default=None,
              help="Gate on the pass rate itself or on its Wilson 95% lower bound (default: config's).")
@click.option("--mode", type=click.Choice(["ours", "langtest"]), default=None,
              help="Expectation rule for DIR tests: ours (probability must drop) or langtest (same label = pass).")
@click.option("--batch-size", type=click.IntRange(min=1), default=None, help="Texts per model call.")
@progress_option
@click.option("--strict", is_flag=True, default=None,
              help="A skipped test (e.g. grammar's paraphrase, which needs a generation model) fails the gate.")
@executor_options
@click.option("--baseline", default=None, metavar="latest-passing|TAG|RUN_ID|PATH",
              help="Gate against an earlier run too: a test significantly worse than there (paired McNemar on the "
                   "same cases, else non-overlapping intervals) is a regression and fails the gate.")
@history_options
def test(model_spec, model_options, config_path, data_path, out_dir, sample, seed, split, engine, gate_rule, mode,
         batch_size, progress, layout, strict, executor, ray_address, workers, baseline, history_path, no_history,
         tags, mlflow_uri):
    """Run a robustness suite and gate on its pass rates."""
    from robustness.errors import EXIT_GATE_FAILED, UsageError
    from robustness.files import ensure_writable_dir
    from robustness.suite.config import load_config

    config = load_config(config_path).with_overrides(seed=seed, sample=sample, gate=gate_rule, mode=mode,
                                                     batch_size=batch_size, strict=strict or None)
    if mode is not None:  # the flag beats per-test modes too: it is the whole run's rule
        config = config.model_copy(update={"tests": tuple(t.model_copy(update={"mode": mode}) for t in config.tests)})
    baseline_at = None
    if baseline is not None:  # a baseline that cannot be found fails now, and is copied before the run writes
        import tempfile

        from robustness.history.baseline import resolve_baseline, snapshot_baseline

        copies = tempfile.TemporaryDirectory(prefix="robustness-baseline-")
        baseline_at = snapshot_baseline(resolve_baseline(baseline, history_path), Path(copies.name))
    check_history_options(mlflow_uri)  # a missing MLflow fails now, not after the run
    run_on = suite_executor(executor, ray_address, workers, model_options, model_spec)
    if run_on is not None and engine == "langtest":
        raise UsageError("--executor ray runs our engine; drop --engine langtest or --executor ray")
    resolved = model_options.load(model_spec)
    model = resolved.model
    dataset, data_info = load_suite_data(data_path, split, layout)
    check_data_labels(model, dataset, data_path)
    ensure_writable_dir(out_dir)
    run_kwargs = dict(progress=progress, model_info=resolved.record(), data_info=data_info)
    if engine == "langtest":
        from robustness.langtest.engine import run_langtest_suite

        result = run_langtest_suite(model, dataset, config, **run_kwargs)
    else:
        from robustness.suite.run import run_suite

        result = run_suite(model, dataset, config, work_dir=out_dir, executor=run_on, **run_kwargs)
    from robustness.suite.run import write_reports, write_run

    against = None
    if baseline_at is not None:  # before anything is written: results.json is written once, with the comparison
        from robustness.history.baseline import gate_against_baseline

        copy, label, original = baseline_at
        against = gate_against_baseline(result.results, result.cases_file, copy, label, recorded_as=original)
    write_run(result, out_dir)
    write_reports(result.results, Path(out_dir), baseline=against)
    click.echo(format_table(result.results))
    polarity = result.results["model"].get("polarity") or {}
    if None in polarity.values() and any(t.get("expectation") == "DIR" for t in result.results["tests"]):
        click.echo(f"note: DIR cases that point one way were not judged: the model's labels "
                   f"{result.results['model']['labels']} name no positive and negative label; set "
                   f"harness.positive_label and harness.negative_label in the suite config", err=True)
    click.echo(f"wrote {Path(out_dir) / 'results.json'}")
    from robustness.history.record import suite_run, test_rows

    record_runs([(suite_run(result.results, Path(out_dir)), test_rows(result.results))], tags, history_path,
                no_history)
    log_mlflow(mlflow_uri, result.results, Path(out_dir), "test", tags)
    if not result.results["gate"]["passed"]:
        sys.exit(EXIT_GATE_FAILED)


def format_table(results: dict) -> str:
    """The compact per-test table printed after a run (also used by `robustness report`)."""
    rows = [("test", "exp", "n", "pass rate", "95% CI", "min", "status")]
    for t in results["tests"]:
        if t.get("kind") in ("score", "skipped"):  # accuracy, fairness, representation, grammar, group gaps
            from reports.view import score_text, threshold_text

            rows.append((t["name"], t["expectation"], str(t["n_applicable"]), score_text(t), "",
                         threshold_text(t), t["status"].upper()))
            continue
        rate = "-" if t["pass_rate"] is None else f"{t['pass_rate']:.3f}"
        ci = "-" if t["ci_low"] is None else f"[{t['ci_low']:.3f}, {t['ci_high']:.3f}]"
        expectation = t["expectation"] + ("*" if t["expectation"] == "DIR" and t["mode"] == "langtest" else "")
        rows.append((t["name"], expectation, str(t["n_applicable"]), rate, ci, f"{t['min_pass_rate']:.2f}",
                     t["status"].upper()))
    lines = text_table(rows)
    gate = results["gate"]
    if results.get("baseline"):
        regressions = results["baseline"]["regressions"]
        lines.append(f"against {results['baseline']['source']}: "
                     + (f"{len(regressions)} regression(s): {', '.join(regressions)}" if regressions
                        else "no test significantly worse"))
    clean = results.get("clean") or {}
    accuracy = clean.get("accuracy")
    blocking = (gate["failed_tests"] + (gate.get("regressions") or [])
                or (gate.get("skipped_tests") if gate.get("strict") else None))
    verdict = "PASSED" if gate["passed"] else f"FAILED ({', '.join(blocking or []) or 'insufficient data'})"
    lines.append(f"gate ({gate['rule']}): {verdict}; clean accuracy "
                 f"{'-' if accuracy is None else f'{accuracy:.3f}'} on {clean.get('n', 0)} reviews; "
                 f"engine {results['engine']}, seed {results['seed']}")
    if gate.get("skipped_tests"):
        lines.append(f"skipped{' (strict: fails the gate)' if gate.get('strict') else ''}: {', '.join(gate['skipped_tests'])}")
    if gate["insufficient_tests"]:
        lines.append(f"insufficient cases: {', '.join(gate['insufficient_tests'])}")
    return "\n".join(lines)
