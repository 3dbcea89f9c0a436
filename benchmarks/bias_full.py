"""The bias category on IMDB test reviews: every bias test and every group gap, with intervals (issue 21).

The suite is the `bias:` section of the shipped default suite (robustness/configs/default.yml), thresholds and
harness settings as written there, read at run time: every registered bias perturbation (pronoun, name and
country swaps) and the group-gap tests on Equity-Evaluation-Corpus templates. replace_from_lexicon is left out: it
needs the user's own word lists. The run goes through the engine's Python API (run_suite, write_run), as
`robustness test` does; its run directory (results.json, cases.jsonl.gz, reports) is kept under runs/benchmarks/.

Per bias test the record keeps n applicable, the pass rate with its Wilson 95% interval, the flip rate overall and
by direction (over all applicable cases, and over the cases originally predicted that way), and the mean shift of
P(positive), signed and absolute. Per group gap: each group's mean P(positive) with its interval, the gap, the
gap's 95% interval, the tolerance and the verdict. `headline` holds the worst bias test, the largest flip direction
and the largest group gap, and one line (`headline.text`) for the README.

    python benchmarks/bias_full.py --model runs/benchmarks/train_imdb_models/full
    python benchmarks/bias_full.py --model runs/benchmarks/train_imdb_models/quick --sample 500 --tag quick
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

from provenance import WORK, git_commit, record_path

RESULTS = Path(__file__).resolve().parent / "results"
CATEGORY = "bias"


def bias_suite(seed: int, sample: int | None) -> tuple[dict, dict]:
    """The suite config (a dict for config_from_dict) of default.yml's bias section, and notes on what it left out.

    Registered bias tests default.yml does not name run at default.yml's `tests.defaults` thresholds (listed in
    the notes); a registered test that needs user parameters (replace_from_lexicon) is left out, with the reason.
    """
    import perturbations
    from robustness.checks.catalogue import GROUP_GAP_KINDS
    from robustness.config_files import read_config_data
    from robustness.suite.config import DEFAULT_CONFIG

    raw = read_config_data(DEFAULT_CONFIG)
    written = dict((raw.get("tests") or {}).get(CATEGORY) or {})
    missing_gaps = sorted(set(GROUP_GAP_KINDS) - set(written))
    if missing_gaps:
        raise SystemExit(f"error: {DEFAULT_CONFIG.name} has no threshold (max_gap) for {', '.join(missing_gaps)}; "
                         f"add them under tests.{CATEGORY}")
    left_out, at_defaults = {}, []
    for name in perturbations.registered_names():
        info = perturbations.get_perturbation(name)
        if info.category != CATEGORY or name in written:
            continue
        required = [p.name for p in info.params if p.required]
        if required:
            left_out[name] = f"needs user parameters ({', '.join(required)}): a custom lexicon, not a shipped test"
        else:
            written[name] = None
            at_defaults.append(name)
    tests = {"defaults": dict(raw["tests"].get("defaults") or {}), CATEGORY: written}
    harness = dict(raw.get("harness") or {}) | {"seed": seed, "sample": sample}
    notes = {"thresholds_from": record_path(DEFAULT_CONFIG), "left_out": left_out,
             "at_default_thresholds": at_defaults}
    return {"tests": tests, "harness": harness}, notes


def model_field(spec: str, resolved) -> str:
    """The model as the record names it: a local path relative to the repo (never under the temp dir)."""
    if spec.startswith(("http://", "https://", "py:")):
        return resolved.spec  # a masked URL, or py:module:attr
    prefix = next((p for p in ("hf:", "skops:") if spec.startswith(p)), "")
    local = spec[len(prefix):]
    return prefix + record_path(local) if Path(local).exists() else resolved.spec  # else a hub name


def direction_counts(cases_file: Path) -> dict:
    """test -> {"from": {label: applicable cases originally predicted so}, "flips": {"a->b": count}}."""
    out: dict = {}
    with gzip.open(cases_file, "rt", encoding="utf-8") as handle:
        for line in handle:
            case = json.loads(line)
            if not case["applicable"]:
                continue
            tally = out.setdefault(case["test"], {"from": {}, "flips": {}})
            before, after = case["original_prediction"], case["actual"]
            tally["from"][before] = tally["from"].get(before, 0) + 1
            if after != before:
                tally["flips"][f"{before}->{after}"] = tally["flips"].get(f"{before}->{after}", 0) + 1
    return out


def bias_rows(tests: list[dict], by_start: dict) -> list[dict]:
    """Per bias test: the results entry's numbers; each flip direction over all applicable cases (`rate`, as the
    entry has it) and over the applicable cases originally predicted as the direction's start (`rate_given_from`)."""
    rows = []
    for t in tests:
        if t.get("kind") in ("score", "skipped"):
            continue
        tally = by_start.get(t["name"], {"from": {}, "flips": {}})
        rates = t.get("flip_rate_by_direction") or {}
        directions = {}
        for key in [*rates, *(k for k in sorted(tally["flips"]) if k not in rates)]:  # the entry lists <= 5 labels'
            k, n_from = tally["flips"].get(key, 0), tally["from"].get(key.split("->")[0], 0)
            rate = rates.get(key, k / t["n_applicable"] if t["n_applicable"] else None)
            directions[key] = {"rate": rate, "n_flips": k, "n_from": n_from,
                               "rate_given_from": k / n_from if n_from else None}
        rows.append({
            "test": t["name"], "n_cases": t["n_cases"], "n_applicable": t["n_applicable"], "n_pass": t["n_pass"],
            "pass_rate": t["pass_rate"], "ci_low": t["ci_low"], "ci_high": t["ci_high"], "interval": "wilson_95",
            "min_pass_rate": t["min_pass_rate"], "min_cases": t["min_cases"], "status": t["status"],
            "flip_rate": t["flip_rate"], "flip_rate_by_direction": directions,
            "mean_prob_shift": t["mean_prob_shift"], "mean_abs_prob_shift": t["mean_abs_prob_shift"],
            "accuracy_original": t["accuracy_original"], "accuracy_perturbed": t["accuracy_perturbed"],
            "mcnemar_p": t.get("mcnemar_p"),
        })
    return rows


def gap_rows(tests: list[dict]) -> list[dict]:
    rows = []
    for t in tests:
        if not t["name"].startswith("group_gap_"):
            continue
        if t.get("kind") == "skipped":
            rows.append({"test": t["name"], "status": "skipped", "skip_reason": t.get("skip_reason")})
            continue
        rows.append({
            "test": t["name"], "gap": t["score"], "ci_low": t["ci_low"], "ci_high": t["ci_high"],
            "max_gap": t["threshold"], "status": t["status"], "rule": "passes when the gap's whole 95% interval <= max_gap",
            "n_sentences": t["n_cases"], "n_frames": t["groups"][0]["n"] if t.get("groups") else None,
            "highest_group": t.get("highest_group"), "lowest_group": t.get("lowest_group"),
            "group_means": [{"group": g["group"], "mean_p_positive": g["mean_p_positive"], "ci_low": g["ci_low"],
                             "ci_high": g["ci_high"], "n_sentences": g["n_sentences"]} for g in t.get("group_means", [])],
            "interval": t.get("interval"),
        })
    return rows


def headline(bias: list[dict], gaps: list[dict], model: str, n_reviews: int) -> dict:
    """The worst bias test (lowest pass rate among those with enough cases, else among all), the largest flip
    direction, the largest group gap, and one line for the README."""
    judged = [r for r in bias if r["pass_rate"] is not None and r["status"] != "insufficient"] or \
             [r for r in bias if r["pass_rate"] is not None]
    worst = min(judged, key=lambda r: (r["pass_rate"], r["ci_low"], r["test"])) if judged else None
    directions = [(d["rate"], r["test"], key, r["n_applicable"], d["n_flips"]) for r in judged
                  for key, d in r["flip_rate_by_direction"].items() if d["rate"] is not None]
    top_flip = max(directions, key=lambda x: (x[0], x[1], x[2])) if directions else None
    scored = [g for g in gaps if g.get("gap") is not None]
    top_gap = max(scored, key=lambda g: g["gap"]) if scored else None
    counts = {s: sum(r["status"] == s for r in bias + gaps) for s in ("pass", "fail", "insufficient", "skipped")}
    block = {
        "n_tests": len(bias) + len(gaps), **{f"n_{s}": n for s, n in counts.items()},
        "worst_bias_test": None if worst is None else
        {k: worst[k] for k in ("test", "n_applicable", "pass_rate", "ci_low", "ci_high", "min_pass_rate", "status")},
        "largest_flip_direction": None if top_flip is None else
        {"test": top_flip[1], "direction": top_flip[2], "flip_rate": top_flip[0], "n_flips": top_flip[4],
         "n_applicable": top_flip[3]},
        "largest_group_gap": None if top_gap is None else
        {k: top_gap[k] for k in ("test", "gap", "ci_low", "ci_high", "max_gap", "highest_group", "lowest_group", "status")},
    }
    parts = [f"{counts['pass']} of {block['n_tests']} bias tests pass on {n_reviews:,} IMDB test reviews "
             f"(model {_short(model)})"]
    if worst is not None:
        parts.append(f"worst {worst['test']} {_pct(worst['pass_rate'])} [{_pct(worst['ci_low'])}, "
                     f"{_pct(worst['ci_high'])}] on {worst['n_applicable']} cases")
    if top_flip is not None:
        parts.append(f"largest flip rate {_pct(top_flip[0])} ({top_flip[2]}, {top_flip[1]})")
    if top_gap is not None:
        parts.append(f"largest group gap {_pt(top_gap['gap'])} pt P(positive) [{_pt(top_gap['ci_low'])}, "
                     f"{_pt(top_gap['ci_high'])}] ({top_gap['test']}: {top_gap['highest_group']} vs "
                     f"{top_gap['lowest_group']}; tolerance {_pt(top_gap['max_gap'])} pt, {top_gap['status']})")
    block["text"] = "; ".join(parts)
    return block


def _short(model: str) -> str:
    return model if model.startswith(("http://", "https://", "py:")) else Path(model.split(":", 1)[-1]).name or model


def _pct(value) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _pt(value) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def markdown(record: dict) -> str:
    lines = ["| bias test | n | pass rate [95% CI] | min | flip rate | by direction | mean shift | mean abs shift | status |",
             "|---|---:|---|---:|---:|---|---:|---:|---|"]
    for r in record["tests"]:
        by = ", ".join(f"{k} {_pct(d['rate'])}" for k, d in r["flip_rate_by_direction"].items()) or "-"
        shift = "-" if r["mean_prob_shift"] is None else f"{r['mean_prob_shift']:+.4f}"
        abs_shift = "-" if r["mean_abs_prob_shift"] is None else f"{r['mean_abs_prob_shift']:.4f}"
        lines.append(f"| {r['test']} | {r['n_applicable']} | {_pct(r['pass_rate'])} [{_pct(r['ci_low'])}, "
                     f"{_pct(r['ci_high'])}] | {_pct(r['min_pass_rate'])} | {_pct(r['flip_rate'])} | {by} | {shift} | "
                     f"{abs_shift} | {r['status'].upper()} |")
    lines += ["", "| group gap | mean P(positive) by group | gap [95% CI] | max gap | status |", "|---|---|---|---:|---|"]
    for g in record["group_gaps"]:
        if g["status"] == "skipped":
            lines.append(f"| {g['test']} | - | - | - | SKIPPED |")
            continue
        means = ", ".join(f"{m['group']} {m['mean_p_positive']:.3f}" for m in g["group_means"])
        lines.append(f"| {g['test']} | {means} | {_pt(g['gap'])} pt [{_pt(g['ci_low'])}, {_pt(g['ci_high'])}] | "
                     f"{_pt(g['max_gap'])} pt | {g['status'].upper()} |")
    lines += ["", record["headline"]["text"]]
    return "\n".join(lines)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True,
                        help="model spec: a model directory, hf:NAME_OR_DIR, skops:FILE, py:module:attr or http(s)://URL")
    parser.add_argument("--data", type=Path, default=None, help="aclImdb archive (default: the local one); test split")
    parser.add_argument("--sample", type=int, default=2000, help="a seeded sample of N test reviews (0: all 25,000)")
    parser.add_argument("--seed", type=int, default=7, help="sampling, every perturbation and the bootstrap")
    parser.add_argument("--tag", default=None, help="save as bias_full_TAG.json (default: bias_full.json)")
    parser.add_argument("--results-dir", type=Path, default=RESULTS, help="where the record goes")
    parser.add_argument("--run-dir", type=Path, default=None,
                        help="the suite's run directory (default: runs/benchmarks/bias_full[_TAG]; not under /tmp)")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="progress bar on stderr (default: when stderr is a terminal)")
    args = parser.parse_args(argv)
    if args.sample is not None and args.sample < 0:
        parser.error("--sample must be >= 0")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)

    from model_adapters import load_model_spec
    from robustness.data.datasets import load_dataset
    from robustness.data.download import resolve_imdb
    from robustness.files import write_json
    from robustness.models.labels import check_data_labels
    from robustness.suite.config import config_from_dict
    from robustness.suite.run import run_suite, versions, write_run

    name = f"bias_full_{args.tag}" if args.tag else "bias_full"
    run_dir = args.run_dir or WORK / name
    out = args.results_dir / f"{name}.json"
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    sample = args.sample or None

    started = time.perf_counter()
    load_before = os.getloadavg()
    run_field = record_path(run_dir)  # refuse a temp dir before the long run, not after
    data_path = args.data or resolve_imdb()
    data_field = record_path(data_path)
    suite, notes = bias_suite(args.seed, sample)
    config = config_from_dict(suite, source="benchmarks/bias_full.py (default.yml's bias section)")
    resolved = load_model_spec(args.model)
    model = model_field(str(args.model), resolved)
    dataset = load_dataset(data_path, "test")
    check_data_labels(resolved.model, dataset, data_path)
    load_s = time.perf_counter() - started

    t0 = time.perf_counter()
    result = run_suite(resolved.model, dataset, config, progress=progress, work_dir=run_dir,
                       model_info=resolved.record() | {"path": model, "spec": model},
                       data_info={"path": data_field, "split": "test"})
    suite_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    write_run(result, run_dir, reports=True)
    by_start = direction_counts(Path(run_dir) / "cases.jsonl.gz")
    write_s = time.perf_counter() - t0
    wall_s = time.perf_counter() - started

    results = result.results
    bias, gaps = bias_rows(results["tests"], by_start), gap_rows(results["tests"])
    n_reviews = results["data"]["n_sampled"]
    harness = results["config"]["harness"]
    record = {
        "schema_version": 1, "kind": "bias_full_benchmark",
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": " ".join(["python", "benchmarks/bias_full.py", *(sys.argv[1:] if argv is None else argv)]),
        **git_commit(), "versions": versions(),
        "seeds": {"seed": args.seed, "sample_seed": results["data"]["sample_seed"],
                  "bootstrap_seed": harness["seed"], "bootstrap_resamples": harness["bootstrap_resamples"]},
        "model": {"spec": model, "kind": resolved.kind, "fingerprint": resolved.fingerprint,
                  "labels": results["model"]["labels"], "polarity": results["model"].get("polarity")},
        "data": {"path": data_field, "split": "test", "n_available": results["data"]["n_available"],
                 "n_sampled": n_reviews},
        "suite": notes | {"n_bias_tests": len(bias), "n_group_gaps": len(gaps), "gate": harness["gate"],
                          "mode": harness["mode"]},
        "run_dir": run_field,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load_average_before": load_before,
                    "load_average_after": os.getloadavg()},
        "timings": {"load_s": round(load_s, 2), "suite_s": round(suite_s, 2), "write_s": round(write_s, 2),
                    "wall_s": round(wall_s, 2), **results["timings"]},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "clean": {k: results["clean"].get(k) for k in ("n", "accuracy", "macro_f1")},
        "gate": {k: results["gate"].get(k) for k in ("passed", "rule", "failed_tests", "insufficient_tests")},
        "headline": headline(bias, gaps, model, n_reviews),
        "tests": bias,
        "group_gaps": gaps,
    }
    write_json(out, record)
    print(markdown(record))
    print(f"wrote {out} (run directory {run_field})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
