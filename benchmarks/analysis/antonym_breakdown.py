"""Why LangTest's antonym test, judged the plain DIR way, cannot reach a high pass rate: its cases split by
what the swaps did.

`adjective_antonym_swap` swaps every adjective in LangTest's antonym table, sentiment-neutral pairs
(first -> last, black -> white, old -> new) included, and the plain DIR check asks P(originally predicted
label) to drop. This reads the cases of a suite run and splits them by the polarity of their swaps (pairs
listed in perturbations/lexicons/sentiment_antonyms.json, from VADER): only toward negative, only toward
positive, both, or neutral only. Where no swap carries sentiment there is no direction the model owes, so a
pass rate near 50% there measures the test, not the model. The saved JSON comes from a run judged that way
(before adjective_antonym_swap read each case's direction; it now does, and neutral cases are not applicable).
Results: benchmarks/results/experiments/antonym_breakdown.json.

    python benchmarks/analysis/antonym_breakdown.py runs/loop_imdb/suite_before/cases.jsonl.gz
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/, for the shared provenance helper
from provenance import git_commit, record_path  # noqa: E402

RESULTS = Path(__file__).resolve().parents[1] / "results" / "experiments"
TESTS = ("adjective_antonym_swap", "sentiment_antonym_swap")


def swap_direction(original: str, edits, pairs: dict[str, str]) -> str:
    """'negative', 'positive', 'both' or 'neutral': where the case's swaps push sentiment."""
    toward = set()
    for start, end, replacement in edits:
        word, new = original[start:end].lower(), replacement.lower()
        if pairs.get(word) == new:
            toward.add("negative")
        elif pairs.get(new) == word:
            toward.add("positive")
    return "neutral" if not toward else toward.pop() if len(toward) == 1 else "both"


def breakdown(cases_path: Path) -> dict:
    from perturbations.lexicon_data import load

    pairs = {word: entry["antonym"] for word, entry in load("sentiment_antonyms").items()}
    counts: dict[str, Counter] = {test: Counter() for test in TESTS}
    with gzip.open(cases_path, "rt", encoding="utf-8") as lines:
        for line in lines:
            case = json.loads(line)
            if case["test"] not in counts or not case["applicable"]:
                continue
            group = (swap_direction(case["original"], case["edits"], pairs), case["original_prediction"])
            counts[case["test"]][group + ("n",)] += 1
            counts[case["test"]][group + ("passed",)] += bool(case["passed"])
    return {test: _rows(counter) for test, counter in counts.items() if counter}


def _rows(counter: Counter) -> list[dict]:
    groups = sorted({key[:2] for key in counter})
    rows = []
    for direction, predicted in groups:
        n, passed = counter[(direction, predicted, "n")], counter[(direction, predicted, "passed")]
        rows.append({"swaps_toward": direction, "original_prediction": predicted, "n": n, "passed": passed,
                     "pass_rate": round(passed / n, 4)})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cases", type=Path, help="a suite run's cases.jsonl.gz")
    parser.add_argument("--out", type=Path, default=RESULTS / "antonym_breakdown.json")
    args = parser.parse_args(argv)
    from robustness.files import write_json

    try:
        tests = breakdown(args.cases)
    except (OSError, EOFError, ValueError, KeyError, TypeError) as exc:  # gzip, JSON and shape errors alike
        print(f"error: {args.cases}: not a readable suite cases file ({type(exc).__name__}: {exc}); pass the "
              f"cases.jsonl.gz that `robustness test` wrote", file=sys.stderr)
        return 2
    result = {"kind": "antonym_breakdown", "cases": record_path(args.cases), **git_commit(), "tests": tests}
    write_json(args.out, result)
    for test, rows in result["tests"].items():
        print(test)
        for row in rows:
            print(f"  swaps toward {row['swaps_toward']:<8} predicted {row['original_prediction']:<8} "
                  f"n={row['n']:>5}  pass {row['pass_rate']:.1%}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
