"""The loop: baseline -> suite -> fix candidates (augment and retrain, normalize, both) -> the rule picks the
'after' model -> the suite again -> reports.

Each stage writes its outputs atomically under OUT_DIR and is recorded in OUT_DIR/state.json, so a rerun
after a kill continues from the last finished stage (training itself resumes from its epoch checkpoint).
Every candidate runs on the same seed as the model before (the very cases, paired case by case, with both held-out
sets and the guards: robustness/loop/fix.py); the chosen one also runs on a fresh seed, to tell a model that
learned the noise from one that memorised the samples.
"""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
import sys
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from model_adapters import checked_proba
from model_adapters.http_adapter import redact_url
from model_adapters.lstm.presets import resolve_config
from model_adapters.normalizer.model import is_normalized_dir
from robustness.data.datasets import has_splits, load_dataset, sample_dataset
from robustness.data.download import resolve_imdb
from robustness.errors import ConfigError, DataError
from robustness.files import ensure_writable_dir, read_json_object, write_json
from robustness.loop import augment
from robustness.loop.augment import read_augmented
from robustness.loop.config import LoopConfig
from robustness.loop.fix import FixRule, candidate_row, choose, compare_guards
from robustness.loop.hard_rows import suite_config_of
from robustness.loop.models import is_lstm_dir, load_spec, open_model
from robustness.loop.preflight import LOOP_LABEL_FIX, check_labels
from robustness.loop.stages import augment_rows, load_train_validation, train_model
from robustness.loop.transfer import GUARDS_FILE, loop_sections, run_guard, with_held_out
from robustness.models.harden import harden
from robustness.models.labels import check_data_labels, display_labels
from robustness.suite.config import load_config
from robustness.suite.paired import paired_outcomes
from robustness.suite.report_files import write_loop_reports
from robustness.suite.run import clean_metrics, run_suite, write_run
from robustness.versions import versions

STATE_FILE = "state.json"
SUMMARY_FILE = "loop_summary.json"
PAIRED_ALPHA = 0.05


class LoopState:
    """Which stages are finished, tied to a fingerprint of the config and data so a changed config never
    silently reuses stale outputs."""

    def __init__(self, out_dir: Path, fingerprint: str):
        self.path = out_dir / STATE_FILE
        self.fingerprint = fingerprint
        self.stages: dict[str, dict] = {}
        if self.path.is_file():
            saved = read_json_object(self.path, "loop state", ConfigError, "pass --restart to start this loop over")
            if saved.get("fingerprint") != fingerprint:
                raise ConfigError(
                    f"{out_dir} holds a loop run with a different config or data; use a new --out directory "
                    f"or pass --restart to discard it"
                )
            self.stages = saved.get("stages", {})

    def done(self, stage: str) -> dict | None:
        return self.stages.get(stage)

    def finish(self, stage: str, record: dict) -> dict:
        self.stages[stage] = record
        write_json(self.path, {"fingerprint": self.fingerprint, "stages": self.stages})
        return record


def run_loop(config: LoopConfig, out_dir: str | Path, *, restart: bool = False, progress: bool = True,
             log: Callable[[str], None] | None = None, executor_for: Callable | None = None) -> dict:
    """Run (or resume) the whole loop; returns the loop summary written to OUT_DIR/loop_summary.json.
    `executor_for(open_model)` gives the executor each suite run uses (robustness/suite/executors.py; None: in
    process); results do not depend on it, so a run may resume on another."""
    log = log or (lambda message: print(message, file=sys.stderr, flush=True))
    started = time.perf_counter()
    out_dir = Path(out_dir)

    suite_config = with_held_out(load_config(config.suite.config), config.holdout)  # held-out tests run like any
    _check_models(config)
    data_path = Path(config.data.path) if config.data.path else resolve_imdb()
    train, validation, test = _load_splits(config, data_path)  # before anything is deleted or created
    check_labels(config, suite_config, train, validation, test, data_path)
    if restart:
        _discard_run(out_dir)
    out_dir = ensure_writable_dir(out_dir)
    state = LoopState(out_dir, _fingerprint(config, data_path, suite_config.to_dict()))

    def stage(name: str, work: Callable[[], dict]) -> dict:
        record = state.done(name)
        if record is not None:
            log(f"[loop] {name}: already done, reusing {out_dir}")
            return record
        log(f"[loop] {name} ...")
        t0 = time.perf_counter()
        record = work()
        record["seconds"] = round(time.perf_counter() - t0, 2)
        return state.finish(name, record)

    # model.existing is any model spec, kept as a string (Path would fold the // of a URL)
    before_dir = config.model.existing if config.model.existing else out_dir / "model_before"
    if not config.model.existing:
        stage("train_before", lambda: _train(config, train, validation, before_dir, augmented=None, progress=progress))

    def run_suite_stage(name: str, model_dir: Path, seed: int) -> dict:
        return _suite(model_dir, test, suite_config, seed, config.suite.sample, out_dir / name, data_path, progress,
                      config.model, executor_for)

    stage("suite_before", lambda: run_suite_stage("suite_before", before_dir, config.suite.seed))
    guarded = config.guards.capabilities != []  # capability guards: the same template cases on every model
    if guarded:
        stage("guards_before", lambda: run_guard(before_dir, config.guards, out_dir / "guards_before", config.model,
                                                 suite_config.harness))
    augmentations = {}

    def augmented_model(name: str, results_dir: Path, rows_dir: Path, target: Path, normalizer=None) -> Path:
        """Rows for what the run in `results_dir` fails (seen through `normalizer` when the retrained model will sit
        behind one), and the model before fine-tuned on them in `target` (the model before when none are needed)."""
        key = "augment" if name == "augment" else f"fix_{name}_rows"
        augmentations[name] = stage(key, lambda: _augment(config, train, results_dir, rows_dir, before_dir,
                                                          normalizer))
        if not augmentations[name]["n_rows"]:  # every test already meets its threshold: nothing to learn
            log(f"[loop] {name}: no augmented rows (every test passes): it retrains nothing")
            return before_dir
        stage("train_after" if name == "augment" else f"fix_{name}_train",
              lambda: _train(config, train, validation, target, augmented=rows_dir / "augmented.csv",
                             init_from=before_dir, progress=progress))
        return target

    # the fix stage: every candidate on the same cases, held-out sets and guards; the rule picks the winner
    models = {}
    for name in config.fix.candidates:
        models[name] = out_dir / "fix" / name / "model"
        if name == "augment":
            models[name] = augmented_model(name, out_dir / "suite_before", out_dir / "augment", out_dir / "model_after")
        elif name == "normalize":
            stage(f"fix_{name}_model", lambda target=models[name]: _harden(before_dir, target, config, train))
        else:  # normalize+augment: augment for what the normalized model still fails, then normalize that model
            base = augmented_model(name, out_dir / "fix" / "normalize" / "suite", out_dir / "fix" / name / "augment",
                                   out_dir / "fix" / name / "retrained", normalizer=models["normalize"])
            stage(f"fix_{name}_model", lambda base=base, target=models[name]: _harden(base, target, config, train))
        stage(f"fix_{name}_suite", lambda name=name: run_suite_stage(f"fix/{name}/suite", models[name],
                                                                     config.suite.seed))
        if guarded:
            stage(f"fix_{name}_guards", lambda name=name: run_guard(models[name], config.guards,
                                                                    out_dir / "fix" / name / "guards", config.model,
                                                                    suite_config.harness))
    accuracy = stage("fix_clean", lambda: _validation_accuracy({"before": before_dir, **models}, validation, config))
    fix, paired = _fix_block(config, out_dir, models, accuracy, guarded, state)
    winner = fix["winner"] or config.fix.candidates[0]
    if fix["winner"] is None:
        log(f"[loop] {fix['why']}; the 'after' model is the first candidate, {winner}, for comparison")
    after_dir = models[winner]
    stage("suite_after", lambda: _copy_run(out_dir / "fix" / winner / "suite", out_dir / "suite_after"))
    if config.suite.fresh_seed is not None:
        stage("suite_fresh_before", lambda: run_suite_stage("suite_fresh_before", before_dir, config.suite.fresh_seed))
        stage("suite_fresh", lambda: run_suite_stage("suite_fresh", after_dir, config.suite.fresh_seed))
    clean = stage("clean", lambda: _clean_metrics(before_dir, after_dir, test, config))
    if guarded:
        stage("guards_after", lambda: _copy_run(out_dir / "fix" / winner / "guards", out_dir / "guards_after"))

    timings = {f"{name}_s": record.get("seconds") for name, record in state.stages.items()}
    augmentation = augmentations.get(winner) or augmentations.get("augment") or _no_augmentation(config, train)
    summary = _summary(config, out_dir, before_dir, after_dir, augmentation, clean, timings, started, winner,
                       paired[winner])
    summary["fix"] = fix | {"chosen": winner}
    summary |= loop_sections(config, out_dir, summary)
    write_json(out_dir / SUMMARY_FILE, summary)

    write_loop_reports(summary, out_dir)
    log(f"[loop] wrote {out_dir / 'before_after.html'}")
    return summary


def _check_models(config: LoopConfig) -> None:
    """Fail in a second, not after loading 50,000 reviews: the preset must exist, and so must a given model.

    `model.existing` may be any model spec (a directory, hf:, skops:, py:, http(s)://): the loop tests any model,
    but fine-tuning needs our LSTM, so another model is retrained with `retrain.mode: scratch` (a new LSTM from the
    data and the rows, the existing model its teacher when `retrain.targets: teacher`). It opens as `model.spec`
    says (a served model's token variable and HTTP settings, skops trust, labels: loop/models.py: open_model)."""
    existing = config.model.existing
    if existing and is_normalized_dir(existing) and any("normalize" in name for name in config.fix.candidates):
        raise ConfigError(f"model.existing: {existing} is a normalized model already (`robustness harden`); point "
                          f"model.existing at the model it wraps, or drop the normalize candidates from fix.candidates")
    if existing and not is_lstm_dir(existing):
        if config.retrain.mode == "finetune" and config.fix.retrains():
            raise ConfigError(f"model.existing: {existing} is not an LSTM directory written by `robustness train`: the "
                              f"loop tests any model but fine-tunes only our LSTM; set retrain.mode: scratch to train a "
                              f"new LSTM on the data and the augmented rows, or fix.candidates: [normalize] for a fix "
                              f"without retraining")
        open_model(existing, config.model)  # a spec that does not load (a refused token, ...) fails here, in one line
    elif existing and config.model.spec.labels is not None:
        raise ConfigError(f"model.spec.labels: model.existing {existing} is our LSTM, which names its own labels; drop "
                          f"model.spec.labels")
    if not existing or (config.retrain.mode == "scratch" and config.fix.retrains()):
        resolve_config(config.model.preset)


def _no_augmentation(config: LoopConfig, train) -> dict:
    """The augmentation record of a loop whose candidates retrain nothing (`normalize` alone)."""
    settings = config.augment
    return {"seed": settings.seed, "ratio": 0.0, "mode": settings.mode, "dir_policy": settings.dir_policy,
            "margin": settings.margin, "n_train": len(train), "n_rows": 0, "rows_per_test": {}, "select": "none"}


def _harden(base, target: Path, config: LoopConfig, train) -> dict:
    """The `normalize` candidates: `base` behind the normalizer; a model without a vocabulary of its own takes the
    training texts' words. `model.existing` keeps its `model.spec` options (a token only by its variable's name)."""
    spec = config.model.spec
    options = spec.stored() if config.model.opens(base) else {}
    return harden(str(base), target, options, texts=train.texts, data_source="the loop's train split")


def _validation_accuracy(models: dict, validation, config: LoopConfig) -> dict:
    """Clean accuracy of every model on the validation part (the fix rule's clean check: never the test split)."""
    found = {name: _gold_metrics(model_dir, validation, config)["accuracy"] for name, model_dir in models.items()}
    return {"split": "validation", "n": len(validation), "accuracy": found}


def _fix_block(config: LoopConfig, out_dir: Path, models: dict, accuracy: dict, guarded: bool,
               state) -> tuple[dict, dict]:
    """The candidates table and the winner by the rule (robustness/loop/fix.py), and each candidate's paired
    outcomes against the model before (the winner's are the summary's `paired`: read once)."""
    rule = FixRule(max_clean_drop_pt=config.fix.max_clean_drop_pt)
    before = _read_results(out_dir / "suite_before")
    read_guards = lambda path: read_json_object(path, "capability results", ConfigError,  # noqa: E731
                                                "pass --restart to rerun the loop")
    rows, paired = [], {}
    for name in models:
        suite_dir = out_dir / "fix" / name / "suite"
        paired[name] = paired_outcomes(out_dir / "suite_before" / "cases.jsonl.gz", suite_dir / "cases.jsonl.gz")
        guards = (compare_guards(read_guards(out_dir / "guards_before" / GUARDS_FILE),
                                 read_guards(out_dir / "fix" / name / "guards" / GUARDS_FILE), rule.alpha)
                  if guarded else None)
        stages = [f"fix_{name}_model", f"fix_{name}_suite", f"fix_{name}_guards"]
        stages += (["augment", "train_after"] if name == "augment"  # building it includes the retrain
                   else [f"fix_{name}_rows", f"fix_{name}_train"] if name == "normalize+augment" else [])
        seconds = sum((state.done(stage) or {}).get("seconds") or 0 for stage in stages)
        rows.append(candidate_row(name, before, _read_results(suite_dir), paired[name], config.holdout.tests, config.holdout.second, guards,
                                  accuracy["accuracy"]["before"], accuracy["accuracy"][name], round(seconds, 2), rule)
                    | {"model": _recorded_spec(models[name])})
    return {"candidates": rows, "clean_split": accuracy["split"], "clean_n": accuracy["n"], **choose(rows, rule)}, paired


def _copy_run(source: Path, target: Path) -> dict:
    """The winner's suite or guards run as the loop's 'after' run: the same model, seed and cases, so a copy."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target)
    return {"run_dir": str(target), "copied_from": str(source)}


def _discard_run(out_dir: Path) -> None:
    """--restart deletes an earlier loop run, and nothing else: a directory without state.json is refused."""
    if not out_dir.exists():
        return
    if not (out_dir / STATE_FILE).is_file() and any(out_dir.iterdir()):
        raise ConfigError(f"--restart would delete {out_dir}, which holds no loop run ({STATE_FILE} is missing); "
                          f"pass the --out directory of a loop run or a new path")
    shutil.rmtree(out_dir)


def _load_splits(config: LoopConfig, data_path: Path):
    """Train/validation carved from the train split (never tuned on test); the test split for the suite."""
    test_path = Path(config.data.test_path) if config.data.test_path else None
    if test_path is None and not has_splits(data_path):
        raise DataError(f"{data_path}: the loop needs train and test splits; pass the aclImdb archive, an aclImdb/ "
                        f"directory or a `datasets` directory with both, or name the test reviews with data.test_path")
    said: set[str] = set()

    def announce(line: str) -> None:  # which columns and labels were detected, once per file
        if line not in said:
            said.add(line)
            print(line, file=sys.stderr, flush=True)

    train, validation = load_train_validation(config, data_path, announce)
    test = load_dataset(test_path or data_path, "test", layout=config.data.layout(announce))
    return train, validation, test


def _train(config: LoopConfig, train, validation, model_dir: Path, augmented: Path | None,
           init_from: Path | None = None, progress: bool = True) -> dict:
    rows = read_augmented(augmented) if augmented is not None else None
    metrics = train_model(config, train, validation, model_dir, start_from=init_from, rows=rows, progress=progress)
    return {"model_dir": str(model_dir), "n_train": metrics["n_train"], "validation": metrics.get("validation"),
            "best_epoch": metrics.get("best_epoch"), "history": metrics.get("history"),
            "vocab_grown": metrics.get("vocab_grown", 0), "soft_targets": bool(metrics.get("soft_targets")),
            "dir_hinge": metrics.get("dir_hinge")}


def _suite(model_dir: Path, test, suite_config, seed: int, sample: int | None, run_dir: Path, data_path: Path,
           progress: bool, model_section=None, executor_for=None) -> dict:
    resolved = open_model(model_dir, model_section)
    executor = executor_for(functools.partial(open_model, model_dir, model_section)) if executor_for else None
    model = resolved.model
    check_data_labels(model, test, data_path, where="data.path", fix=LOOP_LABEL_FIX)  # again: a resumed run
    result = run_suite(model, test, suite_config, seed=seed, sample=sample, progress=progress, work_dir=run_dir,
                       executor=executor,
                       model_info=(getattr(model, "info", None) or {}) | resolved.record(),
                       data_info={"path": str(data_path), "split": "test"})
    write_run(result, run_dir, reports=True)
    return {"run_dir": str(run_dir), "passed": result.passed}


def _augment(config: LoopConfig, train, results_dir: Path, rows_dir: Path, model_dir, normalizer=None) -> dict:
    """Augmented rows for the tests the run in `results_dir` fails (picked by `model_dir` with select: failures),
    written to ROWS_DIR/augmented.csv. With `normalizer` (a normalized model directory) the rows are picked by it
    and their texts are what it passes on: the model retrained on them will read text through it."""
    results = _read_results(results_dir)
    needs = augment.needs_from_results(results)
    rows, summary = augment_rows(config.augment, train, needs, suite_config_of(results, str(results_dir)),
                                 normalizer or model_dir, holdout=config.holdout.all_tests(),
                                 model_section=config.model)
    if normalizer is not None:
        normalized = load_spec(normalizer).normalize([row.text for row in rows])
        rows = [replace(row, text=text) for row, text in zip(rows, normalized)]
        summary["normalized_by"] = str(normalizer)
    augment.write_augmented(rows, rows_dir / "augmented.csv")
    augment.write_summary(summary, rows_dir / "summary.json")
    return summary


def _clean_metrics(before_dir: Path, after_dir: Path, test, config: LoopConfig) -> dict:
    """Gold-label metrics of both models on the same clean test reviews."""
    test = sample_dataset(test, config.data.test_sample, config.suite.seed)
    result = {"split": "test", "n": len(test)}
    for side, model_dir in (("before", before_dir), ("after", after_dir)):
        metrics = _gold_metrics(model_dir, test, config)
        result[side] = {"n": len(test), "accuracy": metrics["accuracy"], "macro_f1": metrics["macro_f1"]}
    return result


def _gold_metrics(model_dir, dataset, config: LoopConfig) -> dict:
    """clean_metrics of the model in `model_dir` on `dataset`'s unperturbed texts (any label set, named as the
    data's)."""
    model = load_spec(model_dir, config.model)
    labels = display_labels(model.labels)
    predicted = [labels[i] for i in checked_proba(model, dataset.texts).argmax(axis=1)]
    return clean_metrics(dataset.labels, predicted, labels)


def _read_results(run_dir: Path) -> dict:
    return read_json_object(run_dir / "results.json", "results", ConfigError, "pass --restart to rerun the loop")


def _summary(config: LoopConfig, out_dir: Path, before_dir: Path, after_dir: Path, augmentation: dict, clean: dict,
             timings: dict, started: float, chosen: str, paired: list[dict]) -> dict:
    runs = {name: out_dir / name for name in ("suite_before", "suite_after", "suite_fresh_before", "suite_fresh")}
    fresh = _read_results(runs["suite_fresh"]) if (runs["suite_fresh"] / "results.json").is_file() else None
    fresh_before = (_read_results(runs["suite_fresh_before"])
                    if (runs["suite_fresh_before"] / "results.json").is_file() else None)
    timings = dict(timings) | {"total_s": round(time.perf_counter() - started, 2)}
    return {
        "schema_version": 1,
        "kind": "loop_summary",
        "created_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "before": _read_results(runs["suite_before"]),
        "after": _read_results(runs["suite_after"]),
        "fresh": fresh,
        "fresh_before": fresh_before,
        "clean": {"split": clean["split"], "before": clean["before"], "after": clean["after"]},
        "paired": {"alpha": PAIRED_ALPHA, "method": "mcnemar_exact", "tests": paired},  # suite_after = the winner's
        "augmentation": {"seed": augmentation["seed"], "ratio": augmentation["ratio"], "mode": augmentation["mode"],
                         "dir_policy": augmentation["dir_policy"],
                         "margin": augmentation.get("margin", 0.0), "n_train_original": augmentation["n_train"],
                         "n_augmented": augmentation["n_rows"], "rows_per_test": augmentation["rows_per_test"],
                         "select": augmentation.get("select", "random")}
                        | ({"failing_candidates": augmentation["failing_candidates"]}
                           if augmentation.get("failing_candidates") else {})
                        | ({"failures_for": augmentation["failures_for"]} if augmentation.get("failures_for") else {}),
        "models": {"before": {"path": _recorded_spec(before_dir), "name": _model_name(before_dir)},
                   "after": {"path": _recorded_spec(after_dir),
                             "name": _model_name(before_dir) + (f"+{chosen}" if after_dir != before_dir else "")}},
        "config": _recorded_config(config),
        "seeds": {"suite": config.suite.seed, "fresh_suite": config.suite.fresh_seed, "augment": config.augment.seed,
                  "train": config.model.seed, "sample": config.suite.seed},
        "versions": versions(),
        "timings": timings,
    }


def _model_name(model_dir: Path | str) -> str:
    """The preset a model directory was trained with, as the reports name it (lstm-<preset>); another model
    (model.existing: hf:, skops:, py:, a URL) by its spec."""
    if not is_lstm_dir(model_dir):
        return _recorded_spec(model_dir)
    config = read_json_object(Path(model_dir) / "config.json", "model config", ConfigError, "re-train the model")
    return f"lstm-{config.get('name', 'custom')}"


def _recorded_spec(spec: Path | str) -> str:
    """A model spec as the summary may record it: a served model's URL without credentials or query values."""
    text = str(spec)
    return redact_url(text) if text.startswith(("http://", "https://")) else text


def _recorded_config(config: LoopConfig) -> dict:
    data = config.to_dict()
    if data["model"]["existing"]:
        data["model"]["existing"] = _recorded_spec(data["model"]["existing"])
    return data


def _fingerprint(config: LoopConfig, data_path: Path, suite_config: dict) -> str:
    """What a resumed run must share with the first: the config, the data, the suite. Of `model.spec` only the
    labels count (they rename what the model predicts): a token variable or HTTP settings changed to get a served
    model to answer resume the run, and a config without `model.spec` fingerprints as before it existed."""
    loop = config.to_dict()
    spec = loop["model"].pop("spec", None)
    if spec and spec["labels"] is not None:
        loop["model"]["spec"] = {"labels": spec["labels"]}
    payload = json.dumps({"loop": loop, "data": str(data_path), "suite": suite_config}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]
