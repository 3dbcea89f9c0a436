"""Why the attention BiLSTM preset trains on equal-length batches: one training step, packed vs trimmed.

One Adam step (forward, backward, clipping) of the `attention_bilstm` preset on 64 reviews of ~230 tokens, on
all threads: packed padded sequences (half the batch 3 tokens shorter, so packing has something to do) against
the same batch trimmed to equal length. Median of the timed steps after one warm-up.
Results: benchmarks/results/packing_speed.json.

    python benchmarks/packing_speed.py
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from provenance import git_commit

RESULTS = Path(__file__).resolve().parent / "results"


def step_seconds(packed: bool, tokens: int, steps: int, seed: int) -> float:
    import torch
    from torch import nn

    from model_adapters.lstm.network import LSTMClassifier
    from model_adapters.lstm.presets import resolve_config

    torch.manual_seed(seed)
    config = resolve_config("attention_bilstm")
    network = LSTMClassifier(config)
    optimizer = torch.optim.Adam(network.parameters(), lr=config.learning_rate)
    ids = torch.randint(2, config.vocab_size, (config.batch_size, tokens))
    lengths = torch.full((config.batch_size,), tokens)
    lengths[::2] = tokens - 3
    targets = torch.randint(0, 2, (config.batch_size,))
    times = []
    for _ in range(steps + 1):
        started = time.perf_counter()
        logits = network(ids, lengths, packed=True) if packed else network(ids)
        loss = nn.functional.cross_entropy(logits, targets)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(network.parameters(), config.clip_norm)
        optimizer.step()
        times.append(time.perf_counter() - started)
    return statistics.median(times[1:])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=230)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    import torch

    from robustness.files import write_json

    result = {"kind": "packing_speed", "preset": "attention_bilstm", "tokens": args.tokens, "steps": args.steps,
              "seed": args.seed, "threads": torch.get_num_threads(), **git_commit(),
              "packed_s_per_step": round(step_seconds(True, args.tokens, args.steps, args.seed), 3),
              "trimmed_s_per_step": round(step_seconds(False, args.tokens, args.steps, args.seed), 3),
              "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg(), "platform": platform.platform()}}
    result["speedup"] = round(result["packed_s_per_step"] / result["trimmed_s_per_step"], 1)
    write_json(RESULTS / "packing_speed.json", result)
    print(f"packed {result['packed_s_per_step']} s/step, trimmed {result['trimmed_s_per_step']} s/step: "
          f"{result['speedup']}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
