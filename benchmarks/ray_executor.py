"""The Ray executor against the local one on this machine: the same suite, model and reviews in process, then on a
local Ray cluster with 1 and with 2 workers; each run's wall time, the overhead against local, and whether its
results.json (timings aside) and cases file are identical to the local run's.

On one 2-core machine Ray cannot be faster than a process that already uses both cores (the LSTM predicts on two
threads): what this measures is the price of the executor (actor start-up, model loading per worker, shipping
case records back) and that results do not move. A cluster of several machines is where it pays.

    python benchmarks/ray_executor.py --model runs/benchmarks/full --sample 1000
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from provenance import WORK, git_commit, record_path

RESULTS = Path(__file__).resolve().parent / "results"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=WORK / "full")
    parser.add_argument("--config", type=Path, default=None, help="suite config (default: the shipped default.yml)")
    parser.add_argument("--sample", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--out", type=Path, default=RESULTS / "ray_executor.json")
    args = parser.parse_args(argv)

    import functools

    import ray

    from model_adapters.specs import load_model_spec
    from robustness.data.datasets import load_dataset
    from robustness.data.download import resolve_imdb
    from robustness.files import write_json
    from robustness.suite.config import load_config
    from robustness.suite.executors import RayExecutor
    from robustness.suite.run import run_suite, versions, write_run

    model_field = record_path(args.model)
    dataset = load_dataset(resolve_imdb(), "test")
    config = load_config(args.config)
    model = load_model_spec(str(args.model)).model
    runs = {}
    with tempfile.TemporaryDirectory(prefix="ray_executor-") as work:
        def run(name: str, executor=None) -> dict:
            out = Path(work) / name
            started = time.perf_counter()
            result = run_suite(model, dataset, config, seed=args.seed, sample=args.sample, work_dir=out,
                               executor=executor)
            write_run(result, out)
            wall = time.perf_counter() - started
            results = json.loads((out / "results.json").read_text())
            with gzip.open(out / "cases.jsonl.gz", "rb") as handle:
                cases_sha = hashlib.sha256(handle.read()).hexdigest()
            same = {key: value for key, value in results.items() if key not in ("timings", "created_at")}
            print(f"{name}: {wall:.1f}s", flush=True)
            return {"wall_s": round(wall, 2), "timings": results["timings"], "cases_sha256": cases_sha,
                    "results_sha256": hashlib.sha256(json.dumps(same, sort_keys=True).encode()).hexdigest(),
                    "n_cases": sum(t.get("n_cases") or 0 for t in results["tests"])}

        runs["local"] = run("local")
        t0 = time.perf_counter()
        ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False, configure_logging=False)
        ray_start_s = time.perf_counter() - t0
        for workers in args.workers:
            opener = functools.partial(load_model_spec, str(args.model))
            runs[f"ray_{workers}"] = run(f"ray_{workers}", RayExecutor(opener, workers=workers, log=print))
        ray.shutdown()
    local = runs["local"]
    for name, entry in runs.items():
        entry["identical_to_local"] = (entry["cases_sha256"] == local["cases_sha256"]
                                       and entry["results_sha256"] == local["results_sha256"])
        entry["overhead_vs_local"] = round(entry["wall_s"] / local["wall_s"], 3)
    record = {
        "schema_version": 1, "kind": "ray_executor_benchmark",
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": "python benchmarks/ray_executor.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        **git_commit(), "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "versions": versions() | {"ray": ray.__version__}, "model": model_field, "sample": args.sample,
        "seed": args.seed, "ray_start_s": round(ray_start_s, 2), "runs": runs,
        "all_identical": all(entry["identical_to_local"] for entry in runs.values()),
    }
    write_json(args.out, record)
    print(json.dumps({name: (entry["wall_s"], entry["overhead_vs_local"], entry["identical_to_local"])
                      for name, entry in runs.items()}), f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
