"""Which batch shape makes the LSTM predict faster on this CPU? The same 2,000 test reviews through the fp32
reference (equal-length batches of 64: a review's probabilities never depend on its batch-mates) and through
candidate fast paths, each timed best-of-`--repeats` in one run, with its agreement (argmax) and accuracy beside
the reference's:

- equal-length batches of 256;
- padded, length-sorted batches of 64/128/256 read as packed sequences (exact up to float rounding);
- each review cut (head + tail) to a multiple of k tokens, so batches of equal length grow (changes the input);
- bfloat16: the whole network cast, in the reference's equal-length batches; and the shipped fast path
  (`--precision bf16`, model_adapters/lstm/fast_inference.py): one-way bf16 LSTMs per direction over padded batches.

    python benchmarks/analysis/inference_paths.py --model runs/benchmarks/full
"""

from __future__ import annotations

import argparse
import copy
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from provenance import WORK, git_commit, record_path  # noqa: E402

RESULTS = Path(__file__).resolve().parents[1] / "results"


class _FloatLogits:
    """A bf16 network whose logits come back as fp32 (what predict_logits stores)."""

    def __init__(self, network):
        self.network, self.output, self.training = network, network.output, False

    def __call__(self, ids):
        return self.network(ids).float()

    def eval(self):
        return self

    def train(self, mode=True):
        return self


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=WORK / "full")
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)

    import numpy as np
    import torch

    from model_adapters import load_model
    from model_adapters.lstm.adapter import load_lstm_model
    from model_adapters.lstm.batching import encode_texts, equal_length_batches, predict_logits
    from model_adapters.lstm.fast_inference import FAST_BATCH_SIZE, FastLSTM
    from model_adapters.lstm.tokenizer import head_tail
    from robustness.data.datasets import load_dataset, sample_dataset
    from robustness.data.download import resolve_imdb
    from robustness.files import write_json
    from robustness.versions import versions

    torch.set_num_threads(args.threads)
    model = load_model(args.model)
    network = model.network.eval()
    reviews = sample_dataset(load_dataset(resolve_imdb(), "test"), args.sample, 7)
    gold = np.array([model.labels.index(label) for label in reviews.labels])
    started = time.perf_counter()
    encoded = encode_texts(list(reviews.texts), model.vocab, model.config)
    tokenize_s = time.perf_counter() - started

    def best(run):
        times, out = [], None
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            out = run()
            times.append(time.perf_counter() - t0)
        return min(times), out

    def packed(size: int):
        lengths = np.array([len(e) for e in encoded])
        order = np.argsort(lengths, kind="stable")
        out = np.zeros((len(encoded), len(model.labels)), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(order), size):
                index = order[start:start + size]
                ids = np.zeros((len(index), lengths[index].max()), dtype=np.int64)
                for row, i in enumerate(index):
                    ids[row, :lengths[i]] = encoded[i]
                out[index] = network(torch.from_numpy(ids), torch.from_numpy(lengths[index]), packed=True).numpy()
        return out

    def trimmed(k: int):
        fraction = model.config.head_tokens / model.config.max_tokens
        cut = [e if len(e) < 2 * k else head_tail(e, (len(e) // k) * k, fraction) for e in encoded]
        return predict_logits(network, cut, 64), len(list(equal_length_batches(cut, 64)))

    reference_s, reference = best(lambda: predict_logits(network, encoded, 64))
    rows = {"reference_equal_length_64": {"seconds": reference_s, "batches": len(list(equal_length_batches(encoded, 64))),
                                          "out": reference}}
    seconds, out = best(lambda: predict_logits(network, encoded, 256))
    rows["equal_length_256"] = {"seconds": seconds, "out": out}
    for size in (64, 128, 256):
        seconds, out = best(lambda: packed(size))
        rows[f"packed_{size}"] = {"seconds": seconds, "out": out}
    for k in (8, 16, 32):
        seconds, (out, batches) = best(lambda: trimmed(k))
        rows[f"trimmed_to_multiple_of_{k}"] = {"seconds": seconds, "batches": batches, "out": out}
    cast = copy.deepcopy(network).to(torch.bfloat16)
    seconds, out = best(lambda: predict_logits(_FloatLogits(cast), encoded, 64))
    rows["bf16_cast_equal_length_64"] = {"seconds": seconds, "out": out}
    fast = load_lstm_model(args.model, precision="bf16")
    seconds, out = best(lambda: fast.logits(encoded))
    rows[f"fast_path_bf16_padded_{FAST_BATCH_SIZE}"] = {"seconds": seconds, "out": out}
    for size in (16, 64, 128):  # the shipped batch size against its neighbours, one torch thread per batch as shipped
        resized = FastLSTM(network, batch_size=size)
        seconds, out = best(lambda: predict_logits(network, encoded, 64, fast=resized))
        rows[f"fast_path_bf16_padded_{size}"] = {"seconds": seconds, "out": out}
    record_rows = {}
    for name, row in rows.items():
        out = row.pop("out")
        record_rows[name] = row | {"seconds": round(row["seconds"], 3),
                                   "reviews_per_s": round(len(encoded) / row["seconds"], 1),
                                   "speedup": round(reference_s / row["seconds"], 3),
                                   "agreement": float((out.argmax(1) == reference.argmax(1)).mean()),
                                   "max_abs_logit_diff": float(np.abs(out - reference).max()),
                                   "accuracy": float((out.argmax(1) == gold).mean())}
        print(f"{name}: {record_rows[name]['reviews_per_s']:.0f} reviews/s, x{record_rows[name]['speedup']:.2f}, "
              f"agreement {record_rows[name]['agreement']:.4f}", flush=True)
    record = {"schema_version": 1, "kind": "inference_paths", **git_commit(),
              "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "command": "python benchmarks/analysis/inference_paths.py " + " ".join(argv or sys.argv[1:]),
              "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load_avg": os.getloadavg()},
              "versions": versions(), "model": record_path(args.model), "n_reviews": len(encoded),
              "torch_threads": args.threads, "tokenize_s": round(tokenize_s, 3), "paths": record_rows}
    out_path = args.out or RESULTS / f"inference_paths_{Path(args.model).name}.json"
    write_json(out_path, record)
    print(f"wrote {out_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
