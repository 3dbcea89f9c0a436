"""The engine's own transfer and guards blocks (robustness/loop/transfer.py) added to a hand-built loop summary, for the
report tests (HTML, Markdown, JUnit)."""

from __future__ import annotations

from robustness.loop.transfer import guards_block, transfer_block


def with_transfer(summary: dict, guard_regresses: bool = False, holdout=("lowercase", "add_contraction")) -> dict:
    """`holdout` held out; capability "contrast" regresses on half its cases when `guard_regresses`."""
    summary["transfer"] = transfer_block(summary["before"], summary["after"], summary["paired"]["tests"],
                                         summary["augmentation"]["rows_per_test"], list(holdout))

    def cases(capability, passed):
        return [{"case_id": f"{capability}/{i}", "capability": capability, "passed": passed(i)} for i in range(40)]

    before = {"cases": cases("contrast", lambda i: True) + cases("vocabulary", lambda i: i % 4 != 0)}
    after = {"cases": cases("contrast", lambda i: not guard_regresses or i % 2 == 0)
             + cases("vocabulary", lambda i: True), "source": "test templates", "seed": 17, "sample": 40}
    summary["guards"] = guards_block(before, after)
    return summary
