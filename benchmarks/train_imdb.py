"""Train LSTM presets on the 25,000 IMDB train reviews and score them on the 25,000 test reviews.

Validation (for early stopping) is carved from train; test is touched once, after training. Results go to
benchmarks/results/train_imdb_<preset>.json with timings, throughput, peak memory and the machine's load,
next to the TF-IDF bag-of-words baseline so the LSTM is always judged against it.

    python benchmarks/train_imdb.py --preset quick
    python benchmarks/train_imdb.py --preset all
    python benchmarks/train_imdb.py --preset full --set pretrain=ppmi_svd --tag ppmi   # an experiment, kept apart
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

from provenance import WORK, git_commit, record_path

RESULTS = Path(__file__).resolve().parent / "results"
FAST_SPEEDUP_TARGET, FAST_AGREEMENT_TARGET, FAST_ACCURACY_TARGET_PT = 2.0, 0.995, 0.1  # fast path vs fp32
TARGETS = {  # test accuracy, training seconds, inference reviews/s (2 CPU cores)
    "full": {"min_test_accuracy": 0.895, "max_train_s": 1200, "min_reviews_per_s": 1000},
    "quick": {"min_test_accuracy": 0.86, "max_train_s": 180, "min_reviews_per_s": 5000},
}


def score(gold, predicted) -> dict:
    try:
        from robustness.suite.metrics import classification_metrics
    except ImportError:  # metrics module not there yet: accuracy and macro F1 by hand
        classification_metrics = None
    if classification_metrics is not None:
        result = classification_metrics(gold, predicted)
        return {"accuracy": result["accuracy"], "macro_f1": result["macro_f1"],
                "confusion_matrix": result["confusion_matrix"]}
    import numpy as np

    from model_adapters.f1 import macro_f1

    labels = sorted(set(gold) | set(predicted))
    g = np.array([labels.index(x) for x in gold])
    p = np.array([labels.index(x) for x in predicted])
    return {"accuracy": float((g == p).mean()), "macro_f1": macro_f1(g, p)}


def benchmark_preset(preset: str, train, validation, test, seed: int, model_dir: Path, threads: int | None,
                     reuse: bool = False, overrides: dict | None = None) -> dict:
    from model_adapters.lstm.artifact import read_metrics
    from model_adapters.lstm.training import train_lstm

    load_before = os.getloadavg()
    started = time.perf_counter()
    if reuse and read_metrics(model_dir).get("completed"):  # re-measure inference; keep the recorded training time
        metrics = read_metrics(model_dir)
        train_s = metrics["timings"]["total_s"]
    else:
        from model_adapters.lstm.presets import resolve_config

        config = resolve_config(preset, **(overrides or {}))
        metrics = train_lstm(train, validation, config, model_dir, seed=seed, progress=True, num_threads=threads)
        train_s = time.perf_counter() - started
    inference, predicted = measure_inference(model_dir, test)
    result = {
        "schema_version": 2, "kind": "train_imdb_benchmark", "preset": preset, "seed": seed,
        "overrides": overrides or {},
        "test": {"n": len(test), **score(list(test.labels), predicted)},
        "validation": metrics["validation"],
        "training_seconds": round(train_s, 1),
        "inference": inference,
        "epochs_run": metrics["epochs_run"], "best_epoch": metrics["best_epoch"], "history": metrics["history"],
        "parameters": metrics["parameters"], "config": metrics["config"],
        "n_train": metrics["n_train"], "n_validation": metrics["n_validation"],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "machine": {"cpus": os.cpu_count(), "threads": metrics["threads"], "load_average_before": load_before,
                    "load_average_after": os.getloadavg(), "platform": platform.platform(),
                    "python": platform.python_version(),
                    "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY")},
        "model_dir": record_path(model_dir), "training_reused": bool(reuse and "out_dir" not in metrics),
        **git_commit(),
    }
    if preset in TARGETS:
        target = TARGETS[preset]
        result["targets"] = {**target, "met": {
            "test_accuracy": result["test"]["accuracy"] >= target["min_test_accuracy"],
            "train_s": train_s <= target["max_train_s"],
            "reviews_per_s": result["inference"]["reviews_per_s"] >= target["min_reviews_per_s"],
            "fast_speedup": result["inference"]["fast"]["speedup"] >= FAST_SPEEDUP_TARGET,
            "fast_agreement": result["inference"]["fast"]["agreement"] >= FAST_AGREEMENT_TARGET,
            "fast_accuracy_within": abs(result["inference"]["fast"]["accuracy_change_pt"]) <= FAST_ACCURACY_TARGET_PT,
        }}
    return result


def measure_inference(model_dir: Path, test) -> tuple[dict, list]:
    """The whole test set through the fp32 reference and through the bf16 fast path in the same run, each timed
    end to end (predict(): tokenization + model) and for the model alone (ids already made), best of 3; with
    each path's accuracy and their per-review agreement. Returns that record and the reference's predictions."""
    import numpy as np

    from model_adapters.lstm.adapter import load_lstm_model
    from model_adapters.lstm.batching import encode_texts
    from model_adapters.lstm.fast_inference import native_bf16

    texts, gold = list(test.texts), list(test.labels)
    paths, predictions = {}, {}
    for name, precision in (("reference", "fp32"), ("fast", "bf16")):
        model = load_lstm_model(model_dir, precision=precision)
        model.predict(texts[:256])  # warm: first-call setup is not inference
        end_to_end, model_only = [], []
        for _ in range(3):
            started = time.perf_counter()
            predicted = model.predict(texts)
            end_to_end.append(time.perf_counter() - started)
        encoded = encode_texts(texts, model.vocab, model.config)
        for _ in range(3):
            started = time.perf_counter()
            model.logits(encoded)
            model_only.append(time.perf_counter() - started)
        paths[name] = {"precision": precision, "seconds": round(min(end_to_end), 2),
                       "reviews_per_s": round(len(texts) / min(end_to_end), 1),
                       "model_only_seconds": round(min(model_only), 2), "accuracy": score(gold, predicted)["accuracy"]}
        predictions[name] = predicted
    reference, fast = paths["reference"], paths["fast"]
    fast |= {"speedup": round(reference["seconds"] / fast["seconds"], 3),
             "model_only_speedup": round(reference["model_only_seconds"] / fast["model_only_seconds"], 3),
             "agreement": float(np.mean(np.array(predictions["reference"]) == np.array(predictions["fast"]))),
             "accuracy_change_pt": round(100 * (fast["accuracy"] - reference["accuracy"]), 3),
             "native_bf16": native_bf16()}
    return {**{k: reference[k] for k in ("seconds", "reviews_per_s")},
            "includes": "tokenization + model, whole test set through predict(), best of 3",
            "reference": reference, "fast": fast}, predictions["reference"]


def baseline_result(train_all, test, seed: int) -> dict | None:
    try:
        from robustness.models.baseline import train_tfidf_baseline
    except ImportError:
        return None
    from model_adapters.protocol import predict_labels

    started = time.perf_counter()
    model = train_tfidf_baseline(train_all, seed=seed)
    fit_s = time.perf_counter() - started
    predicted = predict_labels(model, test.texts)
    return {"name": getattr(model, "name", "tfidf"), "fit_seconds": round(fit_s, 1), **score(list(test.labels), predicted)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="quick", choices=["full", "quick", "seed", "tiny", "all", "baseline"],
                        help="'baseline' fits only the TF-IDF baseline (saved and reused by later preset runs)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--data", default=None, help="aclImdb archive (default: the local one)")
    parser.add_argument("--models", default=str(WORK / "train_imdb_models"),
                        help="where the trained model directories go")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--reuse-model", action="store_true",
                        help="evaluate an already trained model in --models/<preset> instead of training again")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="FIELD=VALUE",
                        help="change one config field of the preset (repeatable); use with --tag")
    parser.add_argument("--tag", default=None,
                        help="experiment name: results go to experiments/train_imdb_<preset>_<tag>.json")
    parser.add_argument("--no-baseline", action="store_true", help="do not fit the baseline (reuse a saved one if any)")
    args = parser.parse_args(argv)
    from model_adapters.lstm.config import parse_settings

    overrides = parse_settings(args.overrides)
    if overrides and not args.tag:
        parser.error("--set changes the preset: name the experiment with --tag so the preset's own results stay")
    name = f"_{args.tag}" if args.tag else ""
    record_path(args.models)  # refuse a temp dir before hours of training, not after

    from robustness.data.datasets import load_dataset, train_validation_split
    from robustness.data.download import resolve_imdb
    from robustness.files import write_json

    path = args.data or resolve_imdb()
    data_field = record_path(path)
    train_all = load_dataset(path, "train")
    test = load_dataset(path, "test")
    train, validation = train_validation_split(train_all, 0.1, seed=args.seed)
    baseline_file = RESULTS / "train_imdb_baseline.json"
    if args.preset == "baseline" or not (args.no_baseline or baseline_file.is_file()):
        baseline = baseline_result(train_all, test, args.seed)
        if baseline is not None:
            write_json(baseline_file, {"schema_version": 1, "kind": "train_imdb_baseline", "seed": args.seed,
                                       **git_commit(),
                                       "trained_on": "all 25,000 train reviews", **baseline})
            print(f"baseline {baseline['name']}: test accuracy {baseline['accuracy']:.4f}", flush=True)
            for earlier in RESULTS.glob("train_imdb_*.json"):  # results saved before the baseline existed
                payload = json.loads(earlier.read_text())
                if payload.get("kind") == "train_imdb_benchmark":
                    write_json(earlier, {**payload, "baseline": json.loads(baseline_file.read_text())})
    baseline = json.loads(baseline_file.read_text()) if baseline_file.is_file() else None
    presets = [] if args.preset == "baseline" else ["quick", "full", "seed"] if args.preset == "all" else [args.preset]
    for preset in presets:
        result = benchmark_preset(preset, train, validation, test, args.seed, Path(args.models) / f"{preset}{name}",
                                  args.threads, reuse=args.reuse_model, overrides=overrides)
        result["baseline"] = baseline
        result["data"] = {"path": data_field, "n_train_all": len(train_all), "n_test": len(test), "validation_fraction": 0.1}
        write_json(RESULTS / ("experiments" if args.tag else "") / f"train_imdb_{preset}{name}.json", result)
        print(f"{preset}: test accuracy {result['test']['accuracy']:.4f} (macro F1 {result['test']['macro_f1']:.4f}), "
              f"training {result['training_seconds']:.0f}s over {result['epochs_run']} epochs, inference "
              f"{result['inference']['reviews_per_s']:.0f} reviews/s (bf16 fast path "
              f"x{result['inference']['fast']['speedup']:.2f}, model alone x{result['inference']['fast']['model_only_speedup']:.2f},"
              f" agreement {result['inference']['fast']['agreement']:.4f}), peak RSS {result['peak_rss_mb']:.0f} MB"
              + (f"; baseline {baseline['name']} {baseline['accuracy']:.4f}" if baseline else ""), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
