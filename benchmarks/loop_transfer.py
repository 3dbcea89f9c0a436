"""Does the full-IMDB recipe's fix transfer, and does it break nothing? Held-out families and capability guards.

Runs the loop (default: the shipped recipe loop_full_imdb, whose default `holdout:` and `guards:` add the
held-out families and capability guards; docs/loop-config.md), or reuses a finished loop run directory
(`--loop-dir`: its model_before/model_after, suite results and clean metrics; only the held-out families and the
capabilities are run, on both models). Saves benchmarks/results/loop_transfer_TAG.json with, before and after:
per-family pass rates with intervals, the pooled held-out flip rate and its change, capability failure rates with
their paired comparison, clean accuracy, and the goal check of the transfer issue:

    held-out flip rate falls by >= 25% (relative); no capability significantly worse (McNemar p < 0.05);
    every trained family >= 95% after; clean accuracy drops <= 0.3 pt.

A miss is reported with its numbers. Examples:

    python benchmarks/loop_transfer.py --loop-dir runs/full_loop --tag recipe          # reuse a finished run
    python benchmarks/loop_transfer.py --config loop_full_imdb --tag recipe_fresh      # run the recipe (~35 min)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from provenance import WORK, git_commit, record_path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
FIX_GOALS = {"min_relative_held_out_drop": 0.5, "max_clean_drop_pt": 0.3}
GOALS = {"min_relative_held_out_flip_drop": 0.25, "min_trained_pass_rate_after": 0.95, "max_clean_accuracy_drop_pt": 0.3,
         "alpha": 0.05}


def main(argv=None) -> int:
    args = parse_args(argv)
    from robustness.files import write_json

    started = time.perf_counter()
    for path in (args.out, args.loop_dir):
        if path is not None:
            record_path(path)
    if args.loop_dir:
        loop_dir = Path(args.loop_dir)
        config = reused_config(loop_dir, args.settings)
        summary = summary_from_loop_dir(loop_dir, config, Path(args.out or loop_dir / "transfer"))
    else:
        from robustness.loop.config import load_loop_config, with_settings
        from robustness.loop.run import run_loop

        config = with_settings(load_loop_config(args.config), args.settings)
        summary = run_loop(config, args.out or WORK / "loop_transfer", restart=args.restart, progress=True)
        summary["reused"] = None
    result = judge(summary) | {"seconds": round(time.perf_counter() - started, 1),
                               "command": " ".join(["python", "benchmarks/loop_transfer.py", *(argv or sys.argv[1:])]),
                               **git_commit(), "machine": {"cpus": os.cpu_count()}}
    path = write_json(RESULTS / f"loop_transfer_{args.tag}.json", result)
    print_table(result)
    print(f"wrote {path}")
    return 0


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="loop_full_imdb", help="loop config to run (ignored with --loop-dir)")
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="SECTION.FIELD=VALUE",
                        help="change one loop config field, e.g. --set guards.sample=300 (repeatable)")
    parser.add_argument("--loop-dir", default=None, help="reuse this finished loop run (its models and clean metrics)")
    parser.add_argument("--out", default=None, help="run directory (default: runs/benchmarks/loop_transfer, or "
                                                    "LOOP_DIR/transfer with --loop-dir)")
    parser.add_argument("--tag", required=True, help="save as results/loop_transfer_TAG.json")
    parser.add_argument("--restart", action="store_true")
    return parser.parse_args(argv)


def reused_config(loop_dir: Path, settings=()):
    """The loop config the run in `loop_dir` recorded (fields it predates take their defaults: a run made before
    `holdout:`/`guards:` existed gets the default held-out families and guards), then --set."""
    from robustness.loop.config import loop_config_from_dict, with_settings
    from robustness.suite.report_files import read_loop_summary

    summary = read_loop_summary(loop_dir / "loop_summary.json")
    return with_settings(loop_config_from_dict(summary.get("config") or {}, f"{loop_dir}/loop_summary.json: config"),
                         settings)


def summary_from_loop_dir(loop_dir: Path, config, out_dir: Path) -> dict:
    """The finished loop's summary with `transfer` and `guards` computed anew: the held-out families run on both of
    its models (same suite seed and sample), the capabilities too; trained families and clean metrics reused."""
    from model_adapters import load_model
    from robustness.data.datasets import load_dataset
    from robustness.data.download import resolve_imdb
    from robustness.errors import ConfigError
    from robustness.loop.transfer import guards_block, run_guard, transfer_block
    from robustness.suite.config import config_from_dict, load_config
    from robustness.suite.paired import paired_outcomes
    from robustness.suite.report_files import read_loop_summary
    from robustness.suite.run import run_suite, write_run

    summary = read_loop_summary(loop_dir / "loop_summary.json")
    holdout = config.holdout.tests
    rows = summary["augmentation"].get("rows_per_test") or {}
    trained_held = [name for name in holdout if rows.get(name)]
    if trained_held:
        raise ConfigError(f"holdout.tests: {', '.join(trained_held)} got augmented rows in {loop_dir}; a family the "
                          f"loop trained on cannot be held out (--set holdout.tests=[...] without it)")
    suite = load_config(config.suite.config)
    entries = suite.to_dict()["tests"]["robustness"]
    data = {"tests": {"defaults": suite.defaults.model_dump(),
                      "robustness": {name: entries.get(name, {} if config.holdout.min_pass_rate is None
                                                          else {"min_pass_rate": config.holdout.min_pass_rate})
                                     for name in holdout}},
            "harness": suite.harness.model_dump()}
    held_suite = config_from_dict(data, source=f"{config.suite.config or 'default'} held-out tests")
    data_path = Path(config.data.path) if config.data.path else resolve_imdb()
    test = load_dataset(data_path, "test")
    models = {side: Path(summary["models"][side]["path"]) for side in ("before", "after")}
    runs = {}
    for side, model_dir in models.items():
        run_dir = out_dir / f"suite_holdout_{side}"
        model = load_model(model_dir)
        result = run_suite(model, test, held_suite, seed=config.suite.seed, sample=config.suite.sample, progress=True,
                           work_dir=run_dir, data_info={"path": str(data_path), "split": "test"})
        write_run(result, run_dir)
        runs[side] = result.results
    held_paired = paired_outcomes(out_dir / "suite_holdout_before" / "cases.jsonl.gz",
                                  out_dir / "suite_holdout_after" / "cases.jsonl.gz")
    before = {"tests": [t for t in summary["before"]["tests"] if t["name"] not in holdout] + runs["before"]["tests"]}
    after = {"tests": [t for t in summary["after"]["tests"] if t["name"] not in holdout] + runs["after"]["tests"]}
    paired = [r for r in summary["paired"]["tests"] if r["test"] not in holdout] + held_paired
    guards = {side: run_guard(models[side], config.guards, out_dir / f"guards_{side}") for side in models}
    read = lambda side: json.loads(Path(guards[side]["path"]).read_text(encoding="utf-8"))  # noqa: E731
    state = loop_dir / "state.json"
    return summary | {
        "before": summary["before"] | before, "after": summary["after"] | after,
        "transfer": transfer_block(before, after, paired, rows, holdout),
        "guards": guards_block(read("before"), read("after")) if config.guards.capabilities != [] else None,
        "config": config.to_dict(),
        "reused": {"loop_dir": str(loop_dir), "models": {k: str(v) for k, v in models.items()},
                   "loop_config": summary.get("config"), "created_at": summary.get("created_at"),
                   "fingerprint": json.loads(state.read_text()).get("fingerprint") if state.is_file() else None,
                   "reran": ["held-out families", "capability guards"], "out_dir": str(out_dir)},
    }


def judge(summary: dict) -> dict:
    """Per-family pass rates with intervals, pooled held-out flip rate, capabilities, clean accuracy, goal check."""
    transfer, guards = summary["transfer"], summary.get("guards")
    roles = {row["test"]: row["role"] for row in transfer["tests"]}
    old = {t["name"]: t for t in summary["before"]["tests"]}
    families = []
    for test in summary["after"]["tests"]:
        was = old.get(test["name"], {})
        families.append({"test": test["name"], "role": roles.get(test["name"], "untrained"),
                         "before": _rate(was), "after": _rate(test)})
    trained = [f for f in families if f["role"] == "trained"]
    below = [f["test"] for f in trained if f["after"]["pass_rate"] is None or
             f["after"]["pass_rate"] < GOALS["min_trained_pass_rate_after"] - 1e-12]
    clean = summary["clean"]
    drop_pt = 100 * (clean["before"]["accuracy"] - clean["after"]["accuracy"])
    pooled = transfer["pooled_held_out"]
    relative = pooled.get("relative_change")
    met = {
        "held_out_flip_rate_falls_by_a_quarter": relative is not None
                                                 and relative <= -GOALS["min_relative_held_out_flip_drop"],
        "no_capability_significantly_worse": guards is not None and guards["passed"],
        "trained_families_at_least_95pct": bool(trained) and not below,
        "clean_accuracy_drop_at_most_0.3pt": drop_pt <= GOALS["max_clean_accuracy_drop_pt"] + 1e-9,
    }
    fix = summary.get("fix")
    return {"schema_version": 1, "kind": "loop_transfer_benchmark", "families": families,
            "fix": fix, "fix_goal": fix_goal(fix),
            "pooled_held_out": pooled, "transfer_verdict": transfer["verdict"], "transfer_rule": transfer["rule"],
            "trained_gain": transfer["trained_gain"], "held_out_gain": transfer["held_out_gain"],
            "transfer_tests": transfer["tests"],
            "capabilities": guards, "clean": clean, "clean_accuracy_drop_pt": round(drop_pt, 3),
            "goals": GOALS | {"met": met, "trained_below_95pct": below}, "all_goals_met": all(met.values()),
            "config": summary.get("config"), "seeds": summary.get("seeds"), "reused": summary.get("reused"),
            "models": summary.get("models")}


def fix_goal(fix: dict | None) -> dict | None:
    """The fix issue's goal on the fix stage's winner: held-out failures down >= 50% relative (McNemar p < 0.05), no
    guard significantly worse, clean (validation) drop <= 0.3 pt. Every candidate stays in `fix` so a loss shows."""
    if not fix:
        return None
    winner = next((row for row in fix["candidates"] if row["candidate"] == fix.get("winner")), None)
    if winner is None:
        return {"winner": None, "met": False, "why": fix.get("why")}
    held = winner["held_out"]
    drop = -held["relative_change"] if held.get("relative_change") is not None else None
    met = (drop is not None and drop >= FIX_GOALS["min_relative_held_out_drop"] and held["mcnemar_p"] < GOALS["alpha"]
           and not winner["guards_worse"] and winner["clean_drop_pt"] <= FIX_GOALS["max_clean_drop_pt"] + 1e-9)
    return {"winner": winner["candidate"], "relative_held_out_drop": drop, "mcnemar_p": held["mcnemar_p"],
            "second_held_out": winner["second_held_out"], "clean_drop_pt": winner["clean_drop_pt"],
            "guards_worse": winner["guards_worse"], "goals": FIX_GOALS, "met": met}


def _rate(test: dict) -> dict:
    return {"n": test.get("n_applicable"), "pass_rate": test.get("pass_rate"), "ci": [test.get("ci_low"), test.get("ci_high")]}


def print_table(result: dict) -> None:
    fmt = lambda v: "   -   " if v is None else f"{100 * v:6.1f}%"  # noqa: E731
    print(f"{'test':28} {'role':10} {'before':>7} {'after':>7}")
    for f in result["families"]:
        if f["role"] != "untrained":
            print(f"{f['test']:28} {f['role']:10} {fmt(f['before']['pass_rate'])} {fmt(f['after']['pass_rate'])}")
    pooled = result["pooled_held_out"]
    print(f"pooled held-out flip rate {fmt(pooled['rate_before'])} -> {fmt(pooled['rate_after'])} "
          f"(n {pooled['n']}, McNemar p {pooled['mcnemar_p']}): {result['transfer_verdict']}")
    for row in (result["capabilities"] or {}).get("capabilities", []):
        print(f"capability {row['capability']:22} {fmt(row['failure_rate_before'])} -> {fmt(row['failure_rate_after'])}"
              f" p={row['mcnemar_p']:.3g}{' WORSE' if row['significantly_worse'] else ''}")
    print(f"clean accuracy drop {result['clean_accuracy_drop_pt']:.2f} pt; goals met: {result['goals']['met']}")
    for row in (result.get("fix") or {}).get("candidates", []):
        held = row["held_out"]
        print(f"candidate {row['candidate']:18} held-out {fmt(held['rate_before'])} -> {fmt(held['rate_after'])} "
              f"second {fmt(row['second_held_out']['rate_before'])} -> {fmt(row['second_held_out']['rate_after'])} "
              f"clean {-row['clean_drop_pt']:+.2f} pt guards worse {row['guards_worse'] or '-'}: "
              f"{'qualifies' if row['qualifies'] else '; '.join(row['reasons'])}")
    if result.get("fix"):
        print(f"fix stage: {result['fix']['why']}; issue goal met: {result['fix_goal']['met']}")


if __name__ == "__main__":
    sys.exit(main())
