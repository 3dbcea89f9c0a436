"""What the normalizer costs: the default suite on the same model, bare and behind `robustness harden`'s front end,
timed side by side in one run.

Each repeat loads both models afresh (empty caches; the SymSpell index is built at load and timed apart) and runs
the suite on the same test reviews, alternating which goes first. Saved: every wall time, the median of the paired
ratios (normalized / bare; goal <= 1.3) and the fastest of each, load times, and the machine's load average.

    python benchmarks/normalizer_overhead.py --model runs/benchmarks/full --sample 500 --repeats 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from provenance import WORK, git_commit, record_path

RESULTS = Path(__file__).resolve().parent / "results"
GOAL_RATIO = 1.3


def main(argv=None) -> int:
    args = parse_args(argv)
    from model_adapters.specs import load_model_spec
    from robustness.data.datasets import load_dataset, sample_dataset
    from robustness.data.download import resolve_imdb
    from robustness.files import write_json
    from robustness.models.harden import harden
    from robustness.suite.config import load_config
    from robustness.suite.run import run_suite

    data_path = Path(args.data) if args.data else resolve_imdb()
    train = load_dataset(data_path, "train")
    test = sample_dataset(load_dataset(data_path, "test"), args.sample, args.seed)
    hardened = WORK / f"normalizer_overhead_{Path(args.model).name}"
    harden(args.model, hardened, {}, texts=train.texts, data_source=str(data_path))
    config = load_config(args.config)
    specs = {"bare": args.model, "normalized": str(hardened)}
    runs = []
    for repeat in range(args.repeats):
        order = ["bare", "normalized"] if repeat % 2 == 0 else ["normalized", "bare"]
        walls = {}
        for side in order:
            t0 = time.perf_counter()
            model = load_model_spec(specs[side]).model
            getattr(model, "words", None) and model.words.nearest("warm", 1)  # the index, built once per load
            load_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            result = run_suite(model, test, config, seed=args.seed, progress=False)
            walls[side] = {"suite_s": round(time.perf_counter() - t0, 3), "load_s": round(load_s, 3),
                           "n_unique_texts": result.results["timings"].get("n_unique_texts")}
        walls["ratio"] = round(walls["normalized"]["suite_s"] / walls["bare"]["suite_s"], 4)
        runs.append(walls | {"order": order})
        print(f"repeat {repeat + 1}: bare {walls['bare']['suite_s']:.1f} s, normalized "
              f"{walls['normalized']['suite_s']:.1f} s ({walls['ratio']:.2f}x)", flush=True)
    median = statistics.median(run["ratio"] for run in runs)
    best = min(r["normalized"]["suite_s"] for r in runs) / min(r["bare"]["suite_s"] for r in runs)
    record = {"kind": "normalizer_overhead", "model": record_path(args.model), "sample": args.sample,
              "seed": args.seed, "config": args.config or "default.yml", "repeats": runs,
              "median_ratio": round(median, 4), "best_of_ratio": round(best, 4), "goal_max_ratio": GOAL_RATIO,
              "met": median <= GOAL_RATIO,
              "command": " ".join(["python", "benchmarks/normalizer_overhead.py", *(argv or sys.argv[1:])]),
              **git_commit(), "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg()}}
    path = write_json(RESULTS / f"normalizer_overhead_{args.tag}.json", record)
    print(f"median ratio {median:.3f} (best-of {best:.3f}); goal <= {GOAL_RATIO}: {'met' if record['met'] else 'missed'}")
    print(f"wrote {path}")
    return 0


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="the bare model (any model spec)")
    parser.add_argument("--config", default=None, help="suite config (default: the shipped default.yml)")
    parser.add_argument("--data", default=None, help="aclImdb archive (default: the local one)")
    parser.add_argument("--sample", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tag", default="full")
    return parser.parse_args(argv)


if __name__ == "__main__":
    raise SystemExit(main())
