"""The before/after report's transfer and capability-guard sections: the engine's blocks as template rows.

Every number comes from the loop summary (`transfer`, `guards`, written by robustness/loop/transfer.py); here only
labels and display deltas are added.
"""

from __future__ import annotations

ROLE_ORDER = {"trained": 0, "held_out": 1, "untrained": 2}
ROLE_LABEL = {"trained": "trained", "held_out": "held out", "untrained": "not trained"}


def transfer_view(summary: dict) -> dict | None:
    """Trained vs held-out gain, per-test paired rows (held-out and trained first), the pooled flip rate."""
    block = summary.get("transfer")
    if not isinstance(block, dict):
        return None
    tests = sorted((dict(t, role_label=ROLE_LABEL.get(t.get("role"), t.get("role"))) for t in block.get("tests", [])),
                   key=lambda t: (ROLE_ORDER.get(t.get("role"), 3), t["test"]))
    pooled = block.get("pooled_held_out") or {}
    change = None
    if pooled.get("rate_before") is not None and pooled.get("rate_after") is not None:
        change = pooled["rate_after"] - pooled["rate_before"]
    return {"verdict": block.get("verdict"), "verdict_text": block.get("verdict_text"), "rule": block.get("rule"),
            "alpha": block.get("alpha", 0.05), "held_out": block.get("held_out") or [],
            "trained": block.get("trained") or [], "trained_gain": block.get("trained_gain") or {},
            "held_out_gain": block.get("held_out_gain") or {}, "pooled": pooled, "pooled_change": change,
            "tests": [t for t in tests if t.get("role") in ("trained", "held_out")],
            "transferred": block.get("verdict") == "transferred"}


def guards_view(summary: dict) -> dict | None:
    """Capability failure rates before and after on the same cases, with the paired comparison."""
    block = summary.get("guards")
    if not isinstance(block, dict):
        return None
    rows = []
    for row in block.get("capabilities", []):
        before, after = row.get("failure_rate_before"), row.get("failure_rate_after")
        rows.append(dict(row, delta=None if before is None or after is None else after - before))
    return {"passed": bool(block.get("passed", True)), "worse": block.get("significantly_worse") or [],
            "better": block.get("significantly_better") or [], "alpha": block.get("alpha", 0.05),
            "source": block.get("source"), "seed": block.get("seed"), "sample": block.get("sample"), "rows": rows}


def fix_view(summary: dict) -> dict | None:
    """The fix stage's candidates table (robustness/loop/fix.py rows) and which won and why."""
    block = summary.get("fix")
    if not isinstance(block, dict) or not block.get("candidates"):
        return None
    rows = []
    for row in block["candidates"]:
        gaps = [{"test": name, **sides} for name, sides in sorted((row.get("group_gaps") or {}).items())]
        rows.append(dict(row, chosen=row["candidate"] == block.get("chosen"), gaps=gaps,
                         clean_delta=None if row.get("clean_drop_pt") is None else -row["clean_drop_pt"] / 100))
    return {"winner": block.get("winner"), "chosen": block.get("chosen"), "why": block.get("why"),
            "rule": block.get("rule"), "clean_split": block.get("clean_split"), "clean_n": block.get("clean_n"),
            "rows": rows}
