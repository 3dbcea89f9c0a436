"""The default suite over all 25,000 IMDB test reviews, on the fast path and on the reference path in the same run.

The reference is one process predicting with torch's threads (fp32, equal-length batches). The fast path spreads
the suite's slices over `--workers` local processes of one torch thread each (robustness/suite/executors.py), so
case generation, tokenisation and prediction all use every core; the model, its fp32 weights and its batches are
the same, so every case's verdict must agree. Saved: both walls, their ratio (target: fast <= 60% of the
reference), the peak RSS of each path (its processes' high-water marks; target <= 1.5 GB for the fast path's
largest process), and whether every case's pass/fail agrees.

    python benchmarks/suite_full_imdb.py --model runs/benchmarks/full
    python benchmarks/suite_full_imdb.py --model runs/benchmarks/full --sample 2000 --out /tmp/x.json   # dry run
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
TARGETS = {"max_fast_to_reference": 0.6, "max_peak_rss_mb": 1536}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=WORK / "full")
    parser.add_argument("--config", type=Path, default=None, help="suite config (default: the shipped default.yml)")
    parser.add_argument("--sample", type=int, default=None, help="fewer reviews, for a dry run")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--out", type=Path, default=RESULTS / "suite_full_imdb.json")
    args = parser.parse_args(argv)

    import functools

    from model_adapters.specs import load_model_spec
    from robustness.data.datasets import load_dataset
    from robustness.data.download import resolve_imdb
    from robustness.files import write_json
    from robustness.suite.config import load_config
    from robustness.suite.executors import ProcessExecutor
    from robustness.suite.run import run_suite, versions, write_run

    load_before = os.getloadavg()
    data_path = resolve_imdb()
    model_field, data_field = record_path(args.model), record_path(data_path)  # before the long run
    dataset = load_dataset(data_path, "test")
    model = load_model_spec(str(args.model)).model
    config = load_config(args.config)
    paths = {}
    with tempfile.TemporaryDirectory(prefix="suite_full_imdb-") as work:
        for name in ("reference", "fast"):
            executor = (ProcessExecutor(functools.partial(load_model_spec, str(args.model)), args.workers, print)
                        if name == "fast" else None)
            run_dir = Path(work) / name
            before_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            t0 = time.perf_counter()
            result = run_suite(model, dataset, config, seed=args.seed, sample=args.sample, work_dir=run_dir,
                               executor=executor)
            write_run(result, run_dir)
            wall = time.perf_counter() - t0
            results = result.to_dict()
            verdicts = [(case["case_id"], case["passed"]) for case in result.iter_cases()]
            paths[name] = {
                "wall_s": round(wall, 2), "timings": results["timings"],
                "peak_rss_mb_driver": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "peak_rss_mb_workers": (round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
                                        if executor is not None and resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
                                        > before_children else None),
                "n_cases": len(verdicts), "cases_file_mb": round((run_dir / "cases.jsonl.gz").stat().st_size / 1e6, 1),
                "clean": results["clean"], "gate_passed": results["gate"]["passed"],
                "tests": [{k: t.get(k) for k in ("name", "n_applicable", "pass_rate", "ci_low", "ci_high", "status")}
                          for t in results["tests"]],
            }
            paths[name]["_verdicts"] = verdicts
            print(f"{name}: {len(verdicts)} cases in {wall:.1f}s", flush=True)
    reference, fast = paths["reference"], paths["fast"]
    agree = reference.pop("_verdicts") == fast.pop("_verdicts")
    ratio = fast["wall_s"] / reference["wall_s"]
    peak = max(v for v in (fast["peak_rss_mb_driver"], fast["peak_rss_mb_workers"]) if v is not None)
    summary = {
        "schema_version": 2, "kind": "suite_full_imdb_benchmark",
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": "python benchmarks/suite_full_imdb.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load_avg_before": load_before,
                    "load_avg_after": os.getloadavg()},
        "versions": versions(), **git_commit(), "seed": args.seed, "model": model_field, "data": data_field,
        "workers": args.workers, "n_reviews": args.sample or len(dataset), "paths": paths,
        "fast_to_reference": round(ratio, 3), "every_verdict_agrees": agree,
        "targets": TARGETS,
        "meets_targets": {"fast_to_reference": ratio <= TARGETS["max_fast_to_reference"],
                          "peak_rss": peak <= TARGETS["max_peak_rss_mb"], "verdicts_agree": agree},
    }
    write_json(args.out, summary)
    print(f"reference {reference['wall_s']:.0f}s, fast {fast['wall_s']:.0f}s ({ratio:.2f}x the reference); "
          f"verdicts agree: {agree}; fast peak RSS {peak:.0f} MB; wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
