"""The fix that needs no retraining: the model before against the same model behind the normalizer (`robustness
harden`), judged by the fix stage's rule (robustness/loop/fix.py) on the very same cases.

Both models run the default suite plus both held-out sets (holdout.tests and holdout.second, the loop config's
defaults) on a seeded sample of test reviews, the capability guards, and clean accuracy on the validation part
carved from train (never the test split). Saves benchmarks/results/fix_candidates_TAG.json with the candidates
table row, the verdict, every family's pass rate before/after, and the suite wall time of both models measured
in this run (the normalizer's overhead, side by side). The issue's goal for a winner is checked and reported:

    held-out failure rate falls >= 50% relative with McNemar p < 0.05; no guard significantly worse;
    clean accuracy drops <= 0.3 pt.

    python benchmarks/fix_candidates.py --model runs/benchmarks/full --tag full_normalize
    python benchmarks/fix_candidates.py --model runs/benchmarks/baseline --tag tfidf_normalize
    python benchmarks/fix_candidates.py --model runs/benchmarks/full --serve --tag served_normalize
"""

from __future__ import annotations

import argparse
import json
import os
import selectors
import subprocess
import sys
import time
from pathlib import Path

from provenance import WORK, git_commit, record_path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
GOALS = {"min_relative_held_out_drop": 0.5, "alpha": 0.05, "max_clean_drop_pt": 0.3}


def main(argv=None) -> int:
    args = parse_args(argv)
    from model_adapters import checked_proba
    from model_adapters.specs import load_model_spec
    from robustness.data.datasets import load_dataset, sample_dataset
    from robustness.data.download import resolve_imdb
    from robustness.files import write_json
    from robustness.loop.config import LoopConfig
    from robustness.loop.fix import FixRule, candidate_row, choose, compare_guards
    from robustness.loop.stages import load_train_validation
    from robustness.loop.transfer import run_guard, with_held_out
    from robustness.models.harden import harden
    from robustness.models.labels import display_labels
    from robustness.suite.config import load_config
    from robustness.suite.paired import paired_outcomes
    from robustness.suite.run import run_suite, write_run

    started = time.perf_counter()
    out = Path(args.out or WORK / f"fix_candidates_{args.tag}")
    config = LoopConfig()
    data_path = Path(args.data) if args.data else resolve_imdb()
    train, validation = load_train_validation(config, data_path)
    validation = sample_dataset(validation, args.validation_sample, config.model.seed)
    test = load_dataset(data_path, "test")
    suite = with_held_out(load_config(args.config), config.holdout)
    after_spec = str(out / "model_normalized")
    hardened, record_sides = None, {}
    for side in ("before", "after"):
        # a served model gets a fresh server per side: one warmed by the other side's texts would flatter the second
        server = serve(args.model) if args.serve else None
        try:
            base = server[1] if server else args.model
            if side == "after":
                hardened = harden(base, after_spec, {}, texts=train.texts, data_source=str(data_path))
            spec = base if side == "before" else after_spec
            t0 = time.perf_counter()
            model = load_model_spec(spec).model
            getattr(model, "words", None) and model.words.nearest("warm", 1)  # the SymSpell index, built once per load
            load_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            result = run_suite(model, test, suite, seed=args.seed, sample=args.sample, progress=True,
                               work_dir=out / f"suite_{side}", data_info={"path": str(data_path), "split": "test"})
            suite_s = time.perf_counter() - t0
            write_run(result, out / f"suite_{side}")
            labels = display_labels(model.labels)
            predicted = [labels[i] for i in checked_proba(model, validation.texts).argmax(axis=1)]
            accuracy = sum(p == g for p, g in zip(predicted, validation.labels)) / len(validation)
            guard = run_guard(spec, config.guards, out / f"guards_{side}")
        finally:
            if server:
                server[0].terminate()
                server[0].wait(timeout=30)
        record_sides[side] = {"spec": "http (served)" if args.serve and side == "before" else record_path(spec),
                              "suite_seconds": round(suite_s, 2), "load_seconds": round(load_s, 2),
                              "timings": result.results["timings"],
                              "clean_validation_accuracy": accuracy, "results": result.results,
                              "guards": json.loads(Path(guard["path"]).read_text(encoding="utf-8"))}
    rule = FixRule()
    before, after = record_sides["before"], record_sides["after"]
    paired = paired_outcomes(out / "suite_before" / "cases.jsonl.gz", out / "suite_after" / "cases.jsonl.gz")
    row = candidate_row("normalize", before["results"], after["results"], paired, config.holdout.tests,
                        config.holdout.second, compare_guards(before["guards"], after["guards"], rule.alpha),
                        before["clean_validation_accuracy"], after["clean_validation_accuracy"],
                        after["suite_seconds"], rule)
    verdict = choose([row], rule)
    held = row["held_out"]
    goal = {"relative_held_out_drop": None if held["relative_change"] is None else -held["relative_change"],
            "met": bool(row["qualifies"] and held["relative_change"] is not None
                        and -held["relative_change"] >= GOALS["min_relative_held_out_drop"])}
    families = [{"test": t["name"], "category": t.get("category"),
                 "role": ("held_out" if t["name"] in config.holdout.tests else "second_held_out"
                          if t["name"] in config.holdout.second else "suite"),
                 "pass_rate_before": b.get("pass_rate"), "pass_rate_after": t.get("pass_rate"),
                 "score_before": b.get("score"), "score_after": t.get("score")}
                for t, b in zip(after["results"]["tests"], before["results"]["tests"])]
    record = {"kind": "fix_candidates", "candidates": [row], "verdict": verdict, "goals": GOALS, "goal": goal,
              "model": before["spec"], "served": bool(args.serve), "normalizer": hardened | {"out": record_path(
                  hardened["out"])},
              "overhead": {"bare_suite_s": before["suite_seconds"], "normalized_suite_s": after["suite_seconds"],
                           "bare_load_s": before["load_seconds"], "normalized_load_s": after["load_seconds"],
                           "ratio": round(after["suite_seconds"] / before["suite_seconds"], 3), "goal_max_ratio": 1.3,
                           "bare_timings": before["timings"], "normalized_timings": after["timings"]},
              "families": families, "seed": args.seed, "sample": args.sample,
              "validation": {"n": len(validation), "seed": config.model.seed},
              "holdout": {"tests": config.holdout.tests, "second": config.holdout.second},
              "seconds": round(time.perf_counter() - started, 1),
              "command": " ".join(["python", "benchmarks/fix_candidates.py", *(argv or sys.argv[1:])]),
              **git_commit(), "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg()}}
    path = write_json(RESULTS / f"fix_candidates_{args.tag}.json", record)
    print(f"normalize on {before['spec']}: held-out failure {100 * held['rate_before']:.2f}% -> "
          f"{100 * held['rate_after']:.2f}% (p {held['mcnemar_p']:.3g}); second set "
          f"{100 * row['second_held_out']['rate_before']:.2f}% -> {100 * row['second_held_out']['rate_after']:.2f}%; "
          f"suite families {100 * row['suite_families']['rate_before']:.2f}% -> "
          f"{100 * row['suite_families']['rate_after']:.2f}%; clean {-row['clean_drop_pt']:+.2f} pt; guards worse: "
          f"{row['guards_worse'] or 'none'}; suite {before['suite_seconds']:.0f} s -> {after['suite_seconds']:.0f} s "
          f"({record['overhead']['ratio']:.2f}x); verdict: {verdict['why']}")
    print(f"wrote {path}")
    return 0


def serve(model: str):
    """`robustness serve --model MODEL --port 0` as a subprocess on 127.0.0.1; (process, URL)."""
    process = subprocess.Popen([sys.executable, "-m", "robustness", "serve", "--model", model, "--port", "0"],
                               stdout=subprocess.PIPE, text=True)
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    if not selector.select(timeout=300):
        process.terminate()
        raise SystemExit("robustness serve printed no URL within 300 s")
    return process, process.stdout.readline().strip()


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="the model before (any model spec)")
    parser.add_argument("--serve", action="store_true", help="reach the model through `robustness serve` (http://)")
    parser.add_argument("--config", default=None, help="suite config (default: the shipped default.yml)")
    parser.add_argument("--data", default=None, help="aclImdb archive (default: the local one)")
    parser.add_argument("--sample", type=int, default=2000, help="test reviews the suite runs on")
    parser.add_argument("--validation-sample", type=int, default=2512, help="validation reviews for clean accuracy")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default=None, help="run directory (default: runs/benchmarks/fix_candidates_TAG)")
    parser.add_argument("--tag", required=True, help="save as results/fix_candidates_TAG.json")
    return parser.parse_args(argv)


if __name__ == "__main__":
    raise SystemExit(main())
