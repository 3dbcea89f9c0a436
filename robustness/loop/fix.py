"""The fix stage's judge: every candidate fix against the model before, on the very same cases, by one rule
written in the config before anything runs.

A candidate qualifies when, against the model before:
  - its pooled held-out failure rate is lower and McNemar's exact test on the paired held-out cases gives p < alpha;
  - no capability guard is significantly worse (McNemar, p < alpha, more cases regressed than fixed);
  - its clean validation accuracy drops by at most `max_clean_drop_pt` points.
Among those that qualify the largest relative held-out drop wins (then the smaller clean drop, then the order the
config lists them in). None qualifying is an outcome, not an error. The second held-out set is reported beside
the first and read by no rule, so it stays an honest check of the choice.
"""

from __future__ import annotations

from dataclasses import dataclass

from robustness.loop.transfer import guards_block, pooled_flips

GROUP_GAPS = ("group_gap_gender", "group_gap_ethnicity", "group_gap_religion")


@dataclass(frozen=True)
class FixRule:
    alpha: float = 0.05
    max_clean_drop_pt: float = 0.3

    def text(self) -> str:
        return (f"qualifies: pooled held-out failure rate lower with McNemar p < {self.alpha}, no capability guard "
                f"significantly worse, clean validation accuracy down at most {self.max_clean_drop_pt} pt; winner: "
                f"the largest relative held-out drop among those that qualify")


def candidate_row(name: str, before: dict, after: dict, paired: list[dict], held_out: list[str],
                  second_held_out: list[str], guards: dict | None, clean_before: float, clean_after: float,
                  seconds: float | None, rule: FixRule) -> dict:
    """One row of the candidates table: the suite families the candidate trained on (or the suite's other
    families), both held-out sets pooled, the guards, the clean change and the group gaps, and whether it
    qualifies under `rule` (with the reasons it does not)."""
    by_test = {row["test"]: row for row in paired}
    robustness = [t["name"] for t in after.get("tests", []) if t.get("category") == "robustness"]
    others = [n for n in robustness if n not in held_out and n not in second_held_out]
    pooled = {group: pooled_flips([by_test[n] for n in names if n in by_test], rule.alpha)
              for group, names in (("suite", others), ("held_out", held_out), ("second_held_out", second_held_out))}
    clean_drop_pt = round(100 * (clean_before - clean_after), 4)
    worse = (guards or {}).get("significantly_worse", [])
    held = pooled["held_out"]
    reasons = []
    if not held["n"]:
        reasons.append("no held-out cases to judge it on")
    elif not (held["rate_after"] < held["rate_before"] and held["mcnemar_p"] < rule.alpha):
        reasons.append("held-out failure rate not significantly lower")
    if worse:
        reasons.append(f"guards significantly worse: {', '.join(worse)}")
    if clean_drop_pt > rule.max_clean_drop_pt + 1e-9:
        reasons.append(f"clean validation accuracy down {clean_drop_pt:.2f} pt (at most {rule.max_clean_drop_pt})")
    return {"candidate": name, "qualifies": not reasons, "reasons": reasons,
            "suite_families": pooled["suite"], "held_out": held, "second_held_out": pooled["second_held_out"],
            "guards_checked": guards is not None, "guards_worse": worse,
            "guards_better": (guards or {}).get("significantly_better", []),
            "clean_before": clean_before, "clean_after": clean_after, "clean_drop_pt": clean_drop_pt,
            "group_gaps": _gaps(before, after), "seconds": seconds}


def choose(rows: list[dict], rule: FixRule) -> dict:
    """The winner by `rule` (None when no candidate qualifies) and why, in words a report can print."""
    qualified = [r for r in rows if r["qualifies"]]
    if not qualified:
        return {"winner": None, "rule": rule.text(),
                "why": "no candidate qualified: " + "; ".join(f"{r['candidate']}: {', '.join(r['reasons'])}"
                                                              for r in rows)}
    order = {r["candidate"]: i for i, r in enumerate(rows)}
    best = min(qualified, key=lambda r: (r["held_out"]["relative_change"], r["clean_drop_pt"], order[r["candidate"]]))
    change = best["held_out"]
    others = [r["candidate"] for r in qualified if r is not best]
    guards = "no guard significantly worse" if best.get("guards_checked", True) else "guards off"
    return {"winner": best["candidate"], "rule": rule.text(),
            "why": (f"{best['candidate']}: held-out failure rate {100 * change['rate_before']:.1f}% → "
                    f"{100 * change['rate_after']:.1f}% (p {change['mcnemar_p']:.2g}), clean "
                    f"{0.0 - best['clean_drop_pt']:+.2f} pt, {guards}"
                    + (f"; also qualified: {', '.join(others)}" if others else ""))}


def compare_guards(before: dict | None, after: dict | None, alpha: float) -> dict | None:
    return guards_block(before, after, alpha) if before is not None and after is not None else None


def _gaps(before: dict, after: dict) -> dict:
    """Each group gap before and after, with its interval (the bias tests' headline numbers)."""
    old = {t["name"]: t for t in before.get("tests", [])}
    gaps = {}
    for test in after.get("tests", []):
        if test["name"] in GROUP_GAPS and test["name"] in old:
            gaps[test["name"]] = {side: {"gap": entry.get("score"), "ci": [entry.get("ci_low"), entry.get("ci_high")]}
                                  for side, entry in (("before", old[test["name"]]), ("after", test))}
    return gaps
