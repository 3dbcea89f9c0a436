"""Building the fix candidates that retrain the LSTM without the augment stage's fixed rows:

- `noise_train`: fine-tuned with a fresh noisy copy of every train review each epoch, drawn from the suite's trained
  families, and a consistency term pulling the noisy copy's prediction toward the clean one's (noise_train.py);
- `subword`: the model grown with fastText-style character n-gram word vectors (zero at first) and fine-tuned on
  the train reviews, so a word it cannot read by its id is read by its spelling (model_adapters/lstm/subwords.py);
- `counterfactual`: fine-tuned on train reviews with group words swapped, labels kept, for the bias tests that
  fail (counterfactual.py).
Each starts from the model before and follows `retrain:` (mode, epochs, learning rate, teacher targets) as the
augment candidate does, so the candidates differ only in what they learn from.
"""

from __future__ import annotations

from pathlib import Path

from robustness.errors import ConfigError
from robustness.loop import augment
from robustness.loop.config import LoopConfig
from robustness.loop.counterfactual import counterfactual_needs
from robustness.loop.noise_train import FreshNoise, trained_families
from robustness.loop.stages import train_model

# fastText-style buckets, the setting the subword LSTM was measured with (benchmarks/experiments.md, issue 22)
SUBWORD_BUCKETS = 50_000
ROWS_FILE = "rows.csv"


def build(name: str, config: LoopConfig, train, validation, before, before_results: dict, target: Path,
          progress: bool) -> dict:
    """Build candidate `name` into `target` (its model directory); the stage record names the model it made (the
    model before itself when there is nothing to learn) and what it learned from."""
    if name == "noise_train":
        noise = FreshNoise(tuple(train.texts), trained_families(before_results, config.holdout.all_tests()),
                           config.augment.seed)
        metrics = train_model(config, train, validation, target, start_from=before, rows=[], noise=noise,
                              progress=progress)
        return _record(target, metrics) | {"families": [family for family, _ in noise.families],
                                           "noise": noise.key}
    if name == "subword":
        metrics = train_model(config, train, validation, target, start_from=before, rows=[],
                              add_subwords=SUBWORD_BUCKETS, progress=progress)
        return _record(target, metrics) | {"subword_buckets": SUBWORD_BUCKETS}
    if name == "counterfactual":
        return _counterfactual(config, train, validation, before, before_results, target, progress)
    raise ConfigError(f"fix candidate {name!r} is not one that fine-tunes")


def _counterfactual(config: LoopConfig, train, validation, before, before_results: dict, target: Path,
                    progress: bool) -> dict:
    needs = counterfactual_needs(before_results)
    settings = config.augment
    budget = augment.plan_budget(needs, len(train), settings.ratio, evenly=True) if needs else {}
    rows = augment.generate_augmented(train, needs, budget, settings.seed, settings.dir_policy)
    swaps = {need.name: sum(row.test == need.name for row in rows) for need in needs}
    if not rows:  # no failing bias test, or no train review names anyone: the model before stays as it is
        return {"model_dir": str(before), "n_rows": 0, "rows_per_test": swaps}
    augment.write_augmented(rows, target.parent / ROWS_FILE)
    metrics = train_model(config, train, validation, target, start_from=before, rows=rows, progress=progress)
    return _record(target, metrics) | {"n_rows": len(rows), "rows_per_test": swaps,
                                       "rows": str(target.parent / ROWS_FILE)}


def _record(target: Path, metrics: dict) -> dict:
    return {"model_dir": str(target), "n_train": metrics["n_train"], "validation": metrics.get("validation"),
            "best_epoch": metrics.get("best_epoch")}
