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


def with_fix(summary: dict, holdout=("lowercase", "add_contraction")) -> dict:
    """The fix stage's block (robustness/loop/fix.py) for two candidates judged on the summary's paired cases: the
    first qualifies, the second loses clean accuracy."""
    from robustness.loop.fix import FixRule, candidate_row, choose

    rule = FixRule()
    rows = [candidate_row(name, summary["before"], summary["after"], summary["paired"]["tests"], list(holdout), [],
                          {"significantly_worse": [], "significantly_better": []}, 0.90, clean, 12.5, rule)
            for name, clean in (("normalize", 0.901), ("augment", 0.89))]
    rows[0]["qualifies"], rows[0]["reasons"] = True, []  # the hand-built cases are too few to be significant
    summary["fix"] = {"candidates": rows, "clean_split": "validation", "clean_n": 2512, **choose(rows, rule),
                      "chosen": "normalize"}
    return summary
