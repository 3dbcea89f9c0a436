"""How often a model's prediction flips under the noisy-spelling perturbations, on VALIDATION reviews.

Used to choose between variants of a preset (e.g. `full` with and without word dropout) without touching the
test split: the reviews are a seeded sample of the validation part carved from train (the same split
`robustness train` uses), so no candidate saw them in training and no choice is tuned on test.

    python benchmarks/analysis/variant_flips.py runs/benchmarks/train_imdb_models/full_ppmi \
        runs/benchmarks/train_imdb_models/full --out NAME
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/, for the shared provenance helper
from provenance import git_commit, record_path  # noqa: E402

RESULTS = Path(__file__).resolve().parents[1] / "results" / "experiments"
TESTS = ("add_ocr_typo", "keyboard_typo", "add_abbreviation", "add_slangs")


def flip_rates(model, texts: list[str], seed: int) -> dict[str, float]:
    import perturbations

    original = model.predict(texts)
    rates = {}
    for name in TESTS:
        info = perturbations.get_perturbation(name)
        params = info.validate_params({})
        perturbed = [info.apply(text, random.Random(f"{seed}:{name}:{i}"), **params).text for i, text in enumerate(texts)]
        rates[name] = round(sum(a != b for a, b in zip(original, model.predict(perturbed))) / len(texts), 4)
    return rates


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="+", help="model directories")
    parser.add_argument("--data", default=None)
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--split-seed", type=int, default=13, help="the --seed the models were trained with")
    parser.add_argument("--out", default="variant_flips", help="results name: benchmarks/results/experiments/<out>.json")
    args = parser.parse_args(argv)
    recorded = {model_dir: record_path(model_dir) for model_dir in args.models}  # before loading any

    from model_adapters.lstm.adapter import load_lstm_model
    from robustness.data.datasets import load_dataset, sample_dataset, train_validation_split
    from robustness.data.download import resolve_imdb
    from robustness.files import write_json

    path = args.data or resolve_imdb()
    _, validation = train_validation_split(load_dataset(path, "train"), 0.1, seed=args.split_seed)
    texts = list(sample_dataset(validation, args.sample, args.seed).texts)
    rows = []
    for model_dir in args.models:
        model = load_lstm_model(model_dir)
        row = {"model": recorded[model_dir], "config": model.config.to_dict(),
               "validation_accuracy": model.metrics.get("validation", {}).get("accuracy"),
               "flip_rates": flip_rates(model, texts, args.seed)}
        rows.append(row)
        print(f"{model_dir}: validation accuracy {row['validation_accuracy']:.4f}, flips {row['flip_rates']}", flush=True)
    write_json(RESULTS / f"{args.out}.json", {
        "schema_version": 1, "kind": "variant_flips", "split": "validation", "sample": len(texts), "seed": args.seed,
        "split_seed": args.split_seed, "tests": list(TESTS), "models": rows,
        "command": " ".join(["python", "benchmarks/analysis/variant_flips.py", *(argv or sys.argv[1:])]),
        **git_commit(),
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
