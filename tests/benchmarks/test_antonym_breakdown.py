"""The antonym breakdown sorts cases by where their swaps push sentiment, from the shipped polar pairs."""

from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path

import perturbations

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "analysis" / "antonym_breakdown.py"
spec = importlib.util.spec_from_file_location("antonym_breakdown", SCRIPT)
antonym_breakdown = importlib.util.module_from_spec(spec)
spec.loader.exec_module(antonym_breakdown)
PAIRS = {"good": "bad", "useful": "useless"}


def test_swap_direction_reads_the_edits():
    direction = antonym_breakdown.swap_direction
    assert direction("A good film", [[2, 6, "bad"]], PAIRS) == "negative"
    assert direction("A Bad film", [[2, 5, "Good"]], PAIRS) == "positive"
    assert direction("good and bad", [[0, 4, "bad"], [9, 12, "good"]], PAIRS) == "both"
    assert direction("the first act", [[4, 9, "last"]], PAIRS) == "neutral"


def test_breakdown_counts_applicable_cases_per_group(tmp_path):
    text = "A good film. The first act was long."
    swapped = perturbations.perturb("adjective_antonym_swap", text, 0)
    rows = [{"test": "adjective_antonym_swap", "applicable": True, "passed": passed, "original": text,
             "edits": [[e.start, e.end, e.replacement] for e in swapped.edits], "original_prediction": "positive"}
            for passed in (True, False, True)]
    rows.append(dict(rows[0], applicable=False))
    path = tmp_path / "cases.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.writelines(json.dumps(row) + "\n" for row in rows)
    [row] = antonym_breakdown.breakdown(path)["adjective_antonym_swap"]
    assert row == {"swaps_toward": "negative" if "bad" in swapped.text.lower() else "neutral",
                   "original_prediction": "positive", "n": 3, "passed": 2, "pass_rate": 0.6667}


def test_a_file_that_is_not_a_cases_file_gets_one_line_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "cases.jsonl.gz"
    bad.write_text("not gzip")
    assert antonym_breakdown.main([str(bad), "--out", str(tmp_path / "out.json")]) == 2
    assert capsys.readouterr().err.count("\n") == 1 and not (tmp_path / "out.json").exists()
