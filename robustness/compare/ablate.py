"""Ablations: LSTM variants that differ from one base config in exactly one factor, compared on the same cases.

A factor's effect is read off variants that share everything else, so "attention beats max pooling by 0.8 pt
of accuracy and 3 pt on the worst test" is a claim about pooling alone. Training and testing reuse
`train_lstm` and `robustness.compare.run`; the config is data:

    base: quick                        # a preset name, or a mapping of LSTM config fields
    overrides: {epochs: 2}             # applied to the base first (e.g. to fit a time budget)
    factors:                           # field -> values; the base's own value is the reference
      bidirectional: [false, true]
      pooling: [max_mean, attention, max]
      packed: [false, true]
      dropout: [0.0, 0.3]
      vocab_size: [5000, 20000]
      max_tokens: [100, 400]
    train: {max_reviews: 5000, validation_fraction: 0.1}
    suite: null                        # suite config path (default: the shipped default.yml)
    seed: 13
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model_adapters.lstm.adapter import load_lstm_model
from model_adapters.lstm.artifact import read_metrics
from model_adapters.lstm.presets import resolve_config
from model_adapters.lstm.training import train_lstm
from robustness.compare.run import NamedModel, compare_models, write_comparison
from robustness.config_files import read_config_data
from robustness.data.datasets import sample_dataset, train_validation_split
from robustness.errors import ConfigError
from robustness.files import ensure_writable_dir, write_json
from robustness.suite.config import load_config

ABLATION_SCHEMA_VERSION = 1
ABLATION_FILE = "ablation.json"
TOP_LEVEL = ("base", "overrides", "factors", "train", "suite", "seed")


@dataclass(frozen=True)
class Variant:
    name: str           # "pooling=attention"; the base itself is "base"
    factor: str | None
    value: Any
    config: Any         # LSTMConfig


def load_ablation_config(path: str | Path) -> dict:
    return ablation_from_dict(read_config_data(Path(path), what="ablation config"), source=str(path))


def ablation_from_dict(data: Any, source: str = "<dict>") -> dict:
    """Validate the ablation config; errors name the file and field."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the ablation config root must be a mapping with 'base' and 'factors'")
    unknown = sorted(set(data) - set(TOP_LEVEL))
    if unknown:
        raise ConfigError(f"{source}: unknown key(s) {', '.join(unknown)}; valid keys are {', '.join(TOP_LEVEL)}")
    factors = data.get("factors")
    if not isinstance(factors, dict) or not factors:
        raise ConfigError(f"{source}: 'factors' must map config fields to lists of values, e.g. pooling: [max_mean, attention]")
    for field, values in factors.items():
        if not isinstance(values, list) or not values:
            raise ConfigError(f"{source}: factors.{field} must be a non-empty list of values, got {values!r}")
    train = data.get("train") or {}
    if not isinstance(train, dict) or set(train) - {"max_reviews", "validation_fraction"}:
        raise ConfigError(f"{source}: 'train' takes max_reviews and validation_fraction only, got {train!r}")
    seed = data.get("seed", 13)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ConfigError(f"{source}: seed must be an integer, got {seed!r}")
    return {"base": data.get("base", "quick"), "overrides": data.get("overrides") or {}, "factors": factors,
            "train": train, "suite": data.get("suite"), "seed": seed, "source": source}


def build_variants(spec: dict) -> list[Variant]:
    """The base config, then one variant per factor value that differs from the base (each validated)."""
    where = spec.get("source", "<dict>")
    base = resolve_config(spec["base"])
    try:
        base = base.replace(**spec["overrides"]) if spec["overrides"] else base
    except ConfigError as exc:
        raise ConfigError(f"{where}: overrides: {exc}") from None
    base = base.replace(name="base")
    variants = [Variant("base", None, None, base)]
    known = [f.name for f in dataclasses.fields(base)]  # to_dict() leaves out later fields at their defaults
    for field, values in spec["factors"].items():
        if field not in known:
            raise ConfigError(f"{where}: factors.{field} is not an LSTM config field; valid: {', '.join(known)}")
        for value in values:
            if getattr(base, field) == (tuple(value) if isinstance(value, list) else value):
                continue
            changes = {field: value, "name": f"{field}={_show(value)}"}
            if field == "max_tokens" and isinstance(value, int):  # keep the head/tail proportion of the base
                changes["head_tokens"] = min(value, round(value * base.head_tokens / base.max_tokens))
            try:
                config = base.replace(**changes)
            except ConfigError as exc:
                raise ConfigError(f"{where}: factors.{field} value {value!r}: {exc}") from None
            variants.append(Variant(changes["name"], field, value, config))
    return variants


def run_ablation(spec: dict, dataset, test_dataset, out_dir: str | Path, *, sample: int | None = None,
                 seed: int | None = None, threads: int | None = None, progress: bool = False) -> dict:
    """Train every variant (reusing finished ones in out_dir/models), compare them, summarise each factor."""
    seed = spec["seed"] if seed is None else seed
    out_dir = ensure_writable_dir(out_dir)
    variants = build_variants(spec)
    reviews = sample_dataset(dataset, spec["train"].get("max_reviews"), seed)
    train, validation = train_validation_split(reviews, spec["train"].get("validation_fraction", 0.1), seed=seed)
    named = []
    for variant in variants:
        model_dir = out_dir / "models" / variant.name.replace("/", "_")
        if not read_metrics(model_dir).get("completed"):
            train_lstm(train, validation, variant.config, model_dir, seed=seed, progress=progress, num_threads=threads)
        named.append(NamedModel(variant.name, load_lstm_model(model_dir), str(model_dir), read_metrics(model_dir)))
    suite = load_config(spec["suite"])
    comparison = compare_models(named, test_dataset, suite, seed=seed, sample=sample, progress=progress)
    write_comparison(comparison, out_dir)
    summary = {
        "schema_version": ABLATION_SCHEMA_VERSION, "kind": "ablation", "seed": seed, "source": spec.get("source"),
        "base": variants[0].config.to_dict(), "n_train": len(train), "n_validation": len(validation),
        "effects": factor_effects(variants, comparison),
    }
    write_json(out_dir / ABLATION_FILE, summary)
    return summary


def factor_effects(variants: list[Variant], comparison: dict) -> list[dict]:
    """Per factor value: accuracy, mean and worst pass rate, and their differences from the base."""
    by_name = {m["name"]: m for m in comparison["models"]}

    def scores(name):
        model = by_name[name]
        rates = [t["pass_rate"] for t in model["tests"] if t["pass_rate"] is not None]
        return {"accuracy": model["clean"]["accuracy"], "mean_pass_rate": sum(rates) / len(rates) if rates else None,
                "worst_pass_rate": min(rates) if rates else None}

    base = scores("base")
    pairs = {(p["a"], p["b"]): p for p in comparison["pairwise"]}
    effects = []
    for variant in variants[1:]:
        own = scores(variant.name)
        pair = pairs.get(("base", variant.name), {})
        effects.append({
            "factor": variant.factor, "value": variant.value, "variant": variant.name,
            "base_value": getattr(variants[0].config, variant.factor) if variant.factor else None, **own,
            "delta_accuracy": _delta(own["accuracy"], base["accuracy"]),
            "delta_mean_pass_rate": _delta(own["mean_pass_rate"], base["mean_pass_rate"]),
            "delta_worst_pass_rate": _delta(own["worst_pass_rate"], base["worst_pass_rate"]),
            "mcnemar_clean_p": (pair.get("clean") or {}).get("p"),
            "mcnemar_robustness_p": (pair.get("robustness") or {}).get("p"),
        })
    return effects


def _delta(a, b):
    return None if a is None or b is None else a - b


def _show(value) -> str:
    if isinstance(value, list):
        return "-".join(str(v) for v in value) or "none"
    return str(value).lower() if isinstance(value, bool) else str(value)
