"""A case's perturbation depends only on (seed, test, review), never on the Python process that makes it.

Two runs are paired case by case (robustness/suite/cases.py), so the same seed must give the same perturbed texts in
another process. Python randomizes str hashes per process (PYTHONHASHSEED): a per-case RNG seeded from `hash(...)`,
or a perturbation that draws from a set's iteration order, passes every in-process test and still breaks pairing
between two runs. Here two subprocesses with different hash seeds must print identical cases.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]

# Where the case generator, its Dataset and ConfigError live today: the only line to update if they move.
IMPORTS = ("from robustness.suite.cases import generate_cases; from robustness.data.datasets import Dataset; "
           "from robustness.errors import ConfigError")

REVIEWS = (
    ("r1", "A great film with a wonderful cast and a good story, though the ending felt weak and slow.", "positive"),
    ("r2", "Terrible acting, boring plot and awful music; the worst movie I have seen this year.", "negative"),
    ("r3", "The director made a beautiful, funny and clever comedy that I would happily watch again.", "positive"),
    ("r4", "My friend John Smith told me his sister Mary loved it; she says the Indian and American actors in "
           "these 2 colour scenes are good.", "positive"),
)
SEED = 7

# Every registered perturbation with its default parameters; those that need parameters are listed as skipped.
SCRIPT = IMPORTS + """
import json, sys
import perturbations

reviews = json.loads(sys.argv[1])
seed = int(sys.argv[2])
dataset = Dataset(ids=tuple(r[0] for r in reviews), texts=tuple(r[1] for r in reviews),
                  labels=tuple(r[2] for r in reviews), source="inline")
cases, skipped = {}, []
for test in perturbations.registered_names():
    try:
        cases[test] = [case.perturbed for case in generate_cases(test, {}, dataset, seed)]
    except ConfigError:
        skipped.append(test)
print(json.dumps({"hash": hash("probe"), "cases": cases, "skipped": skipped}))
"""


def _cases_in_subprocess(hash_seed: str) -> dict:
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    # cwd = this checkout, so `python -c` imports its own packages first (sys.path[0] is the working directory).
    completed = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(REVIEWS), str(SEED)], env=env,
                               cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_cases_are_the_same_under_different_hash_seeds():
    first, second = _cases_in_subprocess("1"), _cases_in_subprocess("2")
    assert first["hash"] != second["hash"], "the two processes must really hash strings differently"

    # Not vacuous: the perturbations named in the issue ran and changed every review they could.
    originals = [text for _, text, _ in REVIEWS]
    for test in ("add_typo", "keyboard_typo", "adjective_synonym_swap", "multiple_perturbations"):
        assert all(p != o for p, o in zip(first["cases"][test], originals)), test
    assert first["cases"]["replace_to_female_pronouns"][3] != originals[3]
    assert len(first["cases"]) >= 30 and first["skipped"] == second["skipped"]

    assert first["cases"].keys() == second["cases"].keys()
    differing = {test: (first["cases"][test], second["cases"][test])
                 for test in first["cases"] if first["cases"][test] != second["cases"][test]}
    assert not differing, f"cases differ between PYTHONHASHSEED=1 and =2: {differing}"
