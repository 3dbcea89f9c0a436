"""Did the fix transfer? Held-out perturbation families and capability guards around the loop.

The augmenter and the suite share generators, so a loop can learn the generators rather than robustness. The
loop config's `holdout.tests` names families the augmenter never uses; the loop's suite stages run them before
and after like any test. The transfer block compares the gain on trained families (tests that got rows) with the
gain on held-out ones and pools the held-out cases:

    verdict "transferred" iff the pooled held-out failure (flip) rate fell AND McNemar's exact test on the pooled
    paired held-out cases gives p < 0.05; otherwise "not_transferred" ("no_held_out" without held-out cases).

Pooling counts a review once per held-out test, so the pooled interval is a little narrower than the reviews
alone justify; the per-test McNemar rows sit beside it. Capability guards (robustness/checks/templates.py) run on the
same cases before and after; one that gets significantly worse (p < 0.05, more regressed than fixed) fails the
loop's verdict.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from robustness.checks.templates import capability_block_of, compare_capabilities, run_capabilities
from robustness.errors import ConfigError
from robustness.files import read_json_object, write_json
from robustness.loop.models import load_spec
from robustness.models.labels import model_polarity
from robustness.stats import mcnemar_exact, wilson_interval
from robustness.suite.config import CATEGORY, config_from_dict

ALPHA = 0.05
RULE = ("transferred: the pooled held-out failure (flip) rate fell and McNemar's exact test on the pooled paired "
        "held-out cases gives p < 0.05; otherwise not transferred")
VERDICT_TEXT = {"transferred": "the fix transferred", "not_transferred": "it did not transfer",
                "no_held_out": "no held-out cases: transfer not measured"}


def without_held_out(needs: list, holdout: Sequence[str]) -> tuple[list, list[str]]:
    """The augment needs less the held-out tests (silently out of the budget; their names are returned)."""
    held = set(holdout)
    return [n for n in needs if n.name not in held], [n.name for n in needs if n.name in held]


def with_held_out(suite_config, holdout):
    """The suite config plus every held-out test it lacks (at `holdout.min_pass_rate`, else the suite's default
    bar), so the suite stages run them before and after like any test. Tests the suite has keep their entry."""
    missing = [name for name in holdout.all_tests() if name not in suite_config.test_names()]
    if not missing:
        return suite_config
    data = suite_config.to_dict()
    tests = data["tests"].setdefault(CATEGORY, {})
    for name in missing:
        tests[name] = {} if holdout.min_pass_rate is None else {"min_pass_rate": holdout.min_pass_rate}
    return config_from_dict(data, source=f"{suite_config.source} + holdout.tests")


def transfer_block(before: dict, after: dict, paired: list[dict], rows_per_test: dict, holdout: Sequence[str],
                   alpha: float = ALPHA, second: Sequence[str] = ()) -> dict:
    """Trained vs held-out gain, paired McNemar per test, the pooled held-out flip rate and the verdict."""
    old = {t["name"]: t for t in before.get("tests", [])}
    by_test = {row["test"]: row for row in paired}
    trained = [name for name, n in rows_per_test.items() if n]
    tests = []
    for test in after.get("tests", []):
        name = test["name"]
        role = ("held_out" if name in holdout else "second_held_out" if name in second else
                "trained" if name in trained else "untrained")
        pair = by_test.get(name, {})
        was, now = (old.get(name) or {}).get("pass_rate"), test.get("pass_rate")
        tests.append({"test": name, "role": role, "expectation": test.get("expectation"),
                      "pass_rate_before": was, "pass_rate_after": now,
                      "gain_pt": None if was is None or now is None else round(100 * (now - was), 4),
                      **{k: pair.get(k, 0) for k in ("n_paired", "fixed", "regressed", "still_failing")},
                      "mcnemar_p": pair.get("mcnemar_p"),
                      "significant": pair.get("mcnemar_p") is not None and pair["mcnemar_p"] < alpha})
    pooled = pooled_flips([t for t in tests if t["role"] == "held_out"], alpha)
    verdict = ("no_held_out" if not pooled["n"] else
               "transferred" if pooled["rate_after"] < pooled["rate_before"] and pooled["mcnemar_p"] < alpha
               else "not_transferred")
    return {"alpha": alpha, "rule": RULE, "held_out": list(holdout), "second_held_out": list(second),
            "second_pooled": pooled_flips([t for t in tests if t["role"] == "second_held_out"], alpha),
            "trained": trained,
            "trained_gain": _group_gain(tests, "trained"), "held_out_gain": _group_gain(tests, "held_out"),
            "pooled_held_out": pooled, "verdict": verdict, "verdict_text": VERDICT_TEXT[verdict], "tests": tests}


def pooled_flips(rows: list[dict], alpha: float = ALPHA) -> dict:
    """Failures (flips, for INV tests) among the paired cases of `rows`, before and after, with Wilson intervals."""
    n = sum(r["n_paired"] for r in rows)
    fixed, regressed = sum(r["fixed"] for r in rows), sum(r["regressed"] for r in rows)
    still = sum(r["still_failing"] for r in rows)
    failed_before, failed_after = fixed + still, regressed + still
    rate_before = failed_before / n if n else None
    rate_after = failed_after / n if n else None
    p = mcnemar_exact(fixed, regressed) if n else None
    return {"tests": [r["test"] for r in rows], "n": n, "failed_before": failed_before, "failed_after": failed_after,
            "rate_before": rate_before, "ci_before": list(wilson_interval(failed_before, n)),
            "rate_after": rate_after, "ci_after": list(wilson_interval(failed_after, n)),
            "relative_change": (rate_after - rate_before) / rate_before if rate_before else None,
            "fixed": fixed, "regressed": regressed, "mcnemar_p": p,
            "significant": p is not None and p < alpha}


def _group_gain(tests: list[dict], role: str) -> dict:
    rows = [t for t in tests if t["role"] == role and t["gain_pt"] is not None]
    pooled = pooled_flips([t for t in tests if t["role"] == role])
    return {"tests": [t["test"] for t in rows],
            "mean_gain_pt": round(sum(t["gain_pt"] for t in rows) / len(rows), 4) if rows else None,
            "failure_rate_before": pooled["rate_before"], "failure_rate_after": pooled["rate_after"],
            "mcnemar_p": pooled["mcnemar_p"]}


def guards_block(before: dict, after: dict, alpha: float = ALPHA) -> dict:
    """Capability guards before and after on the same cases; `passed` is False when one got significantly worse."""
    rows = compare_capabilities(before, after, alpha)
    worse = [r["capability"] for r in rows if r["significantly_worse"]]
    return {"alpha": alpha, "method": "mcnemar_exact", "source": after.get("source"), "seed": after.get("seed"),
            "sample": after.get("sample"), "capabilities": rows, "significantly_worse": worse,
            "significantly_better": [r["capability"] for r in rows if r["significantly_better"]],
            "passed": not worse}


GUARDS_FILE = "capabilities.json"


def run_guard(model_dir, guards, out_dir, model_section=None, harness=None) -> dict:
    """The loop's guards stage for one model: every capability of `guards` (loop config `guards:`), written to
    OUT_DIR/capabilities.json with its per-case records. `model_section` (loop config `model:`) says how to open
    `model.existing` (loop/models.py: open_model); `harness` (the suite's) names the positive and negative labels
    as the suite's own tests read them."""
    model = load_spec(model_dir, model_section)
    named = (harness.positive_label, harness.negative_label) if harness is not None else (None, None)
    polarity = model_polarity(model.labels, *named, where="harness")
    results = run_capabilities(model, capability_block_of(guards.capabilities, guards.sample, guards.seed), polarity)
    path = write_json(Path(out_dir) / GUARDS_FILE, results)
    return {"path": str(path), "n_cases": len(results["cases"])}


def loop_sections(config, out_dir, summary: dict) -> dict:
    """The loop summary's `transfer` and `guards` blocks, from the suite runs and guards stages in OUT_DIR."""
    out_dir = Path(out_dir)
    chosen = (summary.get("fix") or {}).get("chosen", "augment")
    rows = summary["augmentation"].get("rows_per_test") or {} if "augment" in chosen else {}  # trained: got rows
    sections = {"transfer": transfer_block(summary["before"], summary["after"], summary["paired"]["tests"], rows,
                                           config.holdout.tests, second=config.holdout.second)}
    if (out_dir / "guards_before" / GUARDS_FILE).is_file() and (out_dir / "guards_after" / GUARDS_FILE).is_file():
        read = lambda side: read_json_object(out_dir / f"guards_{side}" / GUARDS_FILE, "capability results",
                                             ConfigError, "pass --restart to rerun the loop")
        sections["guards"] = guards_block(read("before"), read("after"))
    return sections


