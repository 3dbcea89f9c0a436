"""The default suite over all 25,000 IMDB test reviews: wall time and peak memory (targets: 10 min, 2 GB).

Peak RSS is the process's high-water mark (getrusage), so it includes loading the archive and the model.
The run directory (with a ~600k-case cases.jsonl.gz) goes to a temp dir; only the numbers are kept, in
benchmarks/results/suite_full_imdb.json, which names no path under the temp dir.

    python benchmarks/suite_full_imdb.py --model runs/benchmarks/train_imdb_models/quick
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

from provenance import WORK, git_commit, record_path

RESULTS = Path(__file__).resolve().parent / "results"
TARGETS = {"max_wall_s": 600, "max_peak_rss_mb": 2048}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=WORK / "train_imdb_models" / "quick")
    parser.add_argument("--config", type=Path, default=None, help="suite config (default: the shipped default.yml)")
    parser.add_argument("--data", type=Path, default=None, help="aclImdb archive (default: the local one)")
    parser.add_argument("--sample", type=int, default=None, help="fewer reviews, for a dry run")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=RESULTS / "suite_full_imdb.json")
    parser.add_argument("--progress", action="store_true")
    args = parser.parse_args(argv)

    from model_adapters import load_model
    from robustness.data.datasets import load_dataset
    from robustness.data.download import resolve_imdb
    from robustness.files import write_json
    from robustness.suite.config import load_config
    from robustness.suite.run import run_suite, versions, write_run

    started = time.perf_counter()
    load_before = os.getloadavg()
    data_path = args.data or resolve_imdb()
    model_field, data_field = record_path(args.model), record_path(data_path)  # before the long run
    dataset = load_dataset(data_path, "test")
    model = load_model(args.model)
    config = load_config(args.config)
    load_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="suite_full_imdb-") as run_dir:
        t0 = time.perf_counter()
        result = run_suite(model, dataset, config, seed=args.seed, sample=args.sample, progress=args.progress,
                           work_dir=run_dir)
        suite_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        write_run(result, run_dir)
        write_s = time.perf_counter() - t0
        cases_mb = (Path(run_dir) / "cases.jsonl.gz").stat().st_size / 1e6
    wall_s = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results = result.to_dict()
    n_cases = sum(t["n_cases"] for t in results["tests"])
    summary = {
        "schema_version": 1, "kind": "suite_full_imdb_benchmark",
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load_avg_before": load_before,
                    "load_avg_after": os.getloadavg()},
        "versions": versions(), **git_commit(), "seed": args.seed, "model": model_field, "data": data_field,
        "n_reviews": results["data"]["n_sampled"], "n_tests": len(results["tests"]), "n_cases": n_cases,
        "timings": {"load_s": round(load_s, 2), "suite_s": round(suite_s, 2), "write_s": round(write_s, 2),
                    "wall_s": round(wall_s, 2), **results["timings"]},
        "cases_per_s": round(n_cases / suite_s, 1),
        "peak_rss_mb": round(peak_mb, 1), "cases_file_mb": round(cases_mb, 1),
        "targets": TARGETS,
        "meets_targets": wall_s <= TARGETS["max_wall_s"] and peak_mb <= TARGETS["max_peak_rss_mb"],
        "clean": results["clean"], "gate": results["gate"],
        "tests": [{k: t[k] for k in ("name", "expectation", "n_applicable", "pass_rate", "ci_low", "ci_high",
                                     "status")} for t in results["tests"]],
    }
    write_json(args.out, summary)
    print(f"{n_cases} cases over {summary['n_reviews']} reviews in {wall_s:.1f}s wall "
          f"(suite {suite_s:.1f}s: generate {results['timings']['generate_s']:.1f}s, "
          f"predict {results['timings']['predict_s']:.1f}s); peak RSS {peak_mb:.0f} MB; wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
