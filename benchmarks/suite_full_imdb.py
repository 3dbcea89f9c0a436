"""The default suite over all 25,000 IMDB test reviews, on the fast path and on the reference path in the same run.

The reference is one process predicting with torch's threads (fp32, equal-length batches). The fast path spreads
the suite's slices over `--workers` local processes of one torch thread each (robustness/suite/executors.py), so
case generation, tokenisation and prediction all use every core, and opens the model at `--precision bf16`
(model_adapters/lstm/fast_inference.py). Each path runs in a process of its own, so each one's memory is its own:
saved are both walls, their ratio (target: fast <= 60% of the reference), each path's memory (its largest
process's peak RSS; and, sampled every 0.2 s, the peak of its processes together, as RSS summed, which counts
the shared libraries' pages once per process, and as PSS summed, which counts each shared page once: the
physical memory the path holds, judged against the 1.5 GB target), every test's pass rate on both paths, and
how many cases' pass/fail differ.

    python benchmarks/suite_full_imdb.py --model runs/benchmarks/full
    python benchmarks/suite_full_imdb.py --model runs/benchmarks/full --sample 2000 --out /tmp/x.json   # dry run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from provenance import WORK, git_commit, record_path

RESULTS = Path(__file__).resolve().parent / "results"
TARGETS = {"max_fast_to_reference": 0.6, "max_peak_rss_mb": 1536}
PATHS = {"reference": {"workers": 0, "precision": "fp32"}, "fast": {"workers": None, "precision": "bf16"}}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=WORK / "full")
    parser.add_argument("--config", type=Path, default=None, help="suite config (default: the shipped default.yml)")
    parser.add_argument("--sample", type=int, default=None, help="fewer reviews, for a dry run")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="the fast path's processes")
    parser.add_argument("--out", type=Path, default=RESULTS / "suite_full_imdb.json")
    parser.add_argument("--one-path", choices=sorted(PATHS), help=argparse.SUPPRESS)  # a child: run one path
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one_path:
        return run_one_path(args)

    import numpy as np

    from robustness.data.download import resolve_imdb
    from robustness.files import write_json
    from robustness.versions import versions

    load_before = os.getloadavg()
    model_field, data_field = record_path(args.model), record_path(resolve_imdb())  # before the long run
    paths = {}
    with tempfile.TemporaryDirectory(prefix="suite_full_imdb-") as work:
        for name in PATHS:
            command = [sys.executable, __file__, "--one-path", name, "--work", work, "--model", str(args.model),
                       "--seed", str(args.seed), "--workers", str(args.workers)]
            command += ["--sample", str(args.sample)] if args.sample else []
            command += ["--config", str(args.config)] if args.config else []
            t0 = time.perf_counter()
            child = subprocess.Popen(command)
            peak_total = _sample_tree_memory(child)
            if child.wait() != 0:
                print(f"{name} path failed (exit {child.returncode})", file=sys.stderr)
                return 1
            paths[name] = json.loads((Path(work) / f"{name}.json").read_text())
            paths[name]["process_wall_s"] = round(time.perf_counter() - t0, 2)
            paths[name]["peak_rss_mb_all_processes"], paths[name]["peak_pss_mb_all_processes"] = peak_total()
            print(f"{name}: {paths[name]['n_cases']} cases in {paths[name]['wall_s']:.1f}s", flush=True)
        verdicts = {name: np.load(Path(work) / f"{name}_verdicts.npy") for name in PATHS}
    reference, fast = paths["reference"], paths["fast"]
    agree = bool(reference["case_ids_sha256"] == fast["case_ids_sha256"]
                 and np.array_equal(verdicts["reference"], verdicts["fast"]))
    ratio = fast["wall_s"] / reference["wall_s"]
    peak = fast["peak_pss_mb_all_processes"] or max(v for v in (fast["peak_rss_mb_driver"], fast["peak_rss_mb_workers"])
                                                    if v is not None)
    summary = {
        "schema_version": 4, "kind": "suite_full_imdb_benchmark",
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": "python benchmarks/suite_full_imdb.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load_avg_before": load_before,
                    "load_avg_after": os.getloadavg()},
        "versions": versions(), **git_commit(), "seed": args.seed, "model": model_field, "data": data_field,
        "workers": args.workers, "n_reviews": reference["n_reviews"], "paths": paths,
        "fast_to_reference": round(ratio, 3), "every_verdict_agrees": agree,
        "verdicts_differing": int((verdicts["reference"] != verdicts["fast"]).sum())
        if len(verdicts["reference"]) == len(verdicts["fast"]) else None,
        "targets": TARGETS, "peak_memory_judged": "fast path, all processes together, PSS",
        "meets_targets": {"fast_to_reference": ratio <= TARGETS["max_fast_to_reference"],
                          "peak_rss": peak <= TARGETS["max_peak_rss_mb"]},
    }
    write_json(args.out, summary)
    print(f"reference {reference['wall_s']:.0f}s, fast {fast['wall_s']:.0f}s ({ratio:.2f}x the reference); "
          f"verdicts agree: {agree}; fast path's memory {peak:.0f} MB (peak PSS, all processes); wrote {args.out}")
    return 0


def run_one_path(args) -> int:
    """One path in this process: the suite, then its timings, memory and verdicts for the parent."""
    import functools
    import hashlib

    import numpy as np

    from model_adapters.specs import load_model_spec
    from robustness.data.datasets import load_dataset
    from robustness.data.download import resolve_imdb
    from robustness.files import write_json
    from robustness.suite.config import load_config
    from robustness.suite.executors import ProcessExecutor
    from robustness.suite.run import run_suite, write_run

    settings = PATHS[args.one_path]
    dataset = load_dataset(resolve_imdb(), "test")
    open_model = functools.partial(load_model_spec, str(args.model), precision=settings["precision"])
    model = open_model().model
    config = load_config(args.config)
    executor = ProcessExecutor(open_model, args.workers, print) if settings["workers"] is None else None
    run_dir = args.work / args.one_path
    t0 = time.perf_counter()
    result = run_suite(model, dataset, config, seed=args.seed, sample=args.sample, work_dir=run_dir, executor=executor)
    write_run(result, run_dir)
    wall = time.perf_counter() - t0
    results = result.to_dict()
    ids, passed = hashlib.sha256(), []
    for case in result.iter_cases():
        ids.update(case["case_id"].encode() + b"\n")
        passed.append(bool(case["passed"]))
    np.save(args.work / f"{args.one_path}_verdicts.npy", np.array(passed, dtype=bool))
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    write_json(args.work / f"{args.one_path}.json", {
        "settings": {"precision": settings["precision"], "workers": args.workers if executor else 1},
        "wall_s": round(wall, 2), "timings": results["timings"], "n_reviews": results["data"]["n_sampled"],
        "peak_rss_mb_driver": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "peak_rss_mb_workers": round(children / 1024, 1) if executor is not None and children else None,
        "n_cases": len(passed), "case_ids_sha256": ids.hexdigest(),
        "cases_file_mb": round((run_dir / "cases.jsonl.gz").stat().st_size / 1e6, 1),
        "clean": results["clean"], "gate_passed": results["gate"]["passed"],
        "tests": [{k: t.get(k) for k in ("name", "n_applicable", "pass_rate", "ci_low", "ci_high", "status")}
                  for t in results["tests"]],
    })
    return 0


def _sample_tree_memory(child: subprocess.Popen):
    """Samples `child` and all its descendants every 0.2 s until it exits; returns a function giving the peaks of
    their summed RSS and summed PSS in MB ((None, None) without psutil, installed with the `ray` extra)."""
    try:
        import psutil
    except ImportError:
        return lambda: (None, None)
    peaks = [0, 0]

    def sample():
        try:
            root = psutil.Process(child.pid)
        except psutil.NoSuchProcess:
            return
        while child.poll() is None:
            rss = pss = 0
            for process in [root, *root.children(recursive=True)]:
                try:
                    memory = process.memory_full_info()
                except psutil.Error:
                    continue
                rss, pss = rss + memory.rss, pss + memory.pss
            peaks[:] = max(peaks[0], rss), max(peaks[1], pss)
            time.sleep(0.2)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    return lambda: (thread.join(), (round(peaks[0] / 2**20, 1), round(peaks[1] / 2**20, 1)))[1]


if __name__ == "__main__":
    sys.exit(main())
