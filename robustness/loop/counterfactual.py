"""The `counterfactual` candidate's rows: counterfactual data augmentation (Lu et al. 2018; Zmigrod et al. 2019)
for the bias tests that fail. A train review with its group words swapped (a name for a name of another
ethnicity or religion, he for she, one country for another) keeps its label, so the model learns that who a review
names says nothing about its sentiment.

Which swaps: every bias swap test of the suite run that falls short of its bar, and for a failing group gap every
swap family of that gap's groups (its interval is the judge: robustness/checks/group_gap.py). A run whose bias
tests all pass gets no rows, and the candidate is then the model before.
"""

from __future__ import annotations

import perturbations
from robustness.checks.catalogue import GROUP_GAP_KINDS, GROUPS
from robustness.loop.augment import TestNeed

# A group gap's kind -> the registered swaps toward each of its groups ("replace_to_<group>_..."); gender's
# groups are the pronoun sets.
_GAP_PREFIXES = {"gender": ("male", "female", "neutral")}


def counterfactual_needs(results: dict) -> list[TestNeed]:
    """The swap families to make rows with, in the order the suite lists the tests that call for them."""
    needs: dict[str, TestNeed] = {}
    for test in results.get("tests", []):
        name = test.get("name")
        if test.get("category") != "bias" or test.get("status") != "fail":
            continue
        if name in GROUP_GAP_KINDS:
            for family in gap_families(GROUP_GAP_KINDS[name]):
                needs.setdefault(family, TestNeed(family, "INV", {}, None, 0.0))
        elif name in perturbations.registered_names() and perturbations.get_perturbation(name).expectation == "INV":
            needs.setdefault(name, TestNeed(name, "INV", dict(test.get("parameters") or {}), test.get("pass_rate"),
                                            float(test.get("min_pass_rate") or 0.0)))
    return list(needs.values())


def gap_families(kind: str) -> list[str]:
    """The registered bias swaps toward each group of a group-gap kind (gender, ethnicity_name, religion_name)."""
    groups = _GAP_PREFIXES.get(kind) or GROUPS[kind]
    names = perturbations.registered_names()
    return [name for group in groups for name in names
            if name.startswith(f"replace_to_{group}_") and perturbations.get_perturbation(name).category == "bias"]
