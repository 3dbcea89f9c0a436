"""benchmarks/loop_transfer.py reuses a finished loop run: held-out families and capabilities on both of its models."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from robustness.errors import ConfigError
from robustness.loop.config import loop_config_from_dict
from robustness.loop.run import run_loop

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "loop_transfer.py"
spec = importlib.util.spec_from_file_location("loop_transfer", SCRIPT)
loop_transfer = importlib.util.module_from_spec(spec)
spec.loader.exec_module(loop_transfer)

SUITE = """
tests:
  defaults: {min_pass_rate: 0.99, min_cases: 5}
  robustness:
    add_typo: {}
    sentiment_antonym_swap: {min_pass_rate: 1.0}
harness: {seed: 3}
"""


@pytest.fixture(scope="module")
def finished_loop(tmp_path_factory, tiny_imdb_archive):
    """A loop run made without held-out families or guards, as the recipe run before this issue was."""
    root = tmp_path_factory.mktemp("finished")
    (root / "suite.yml").write_text(SUITE, encoding="utf-8")
    config = loop_config_from_dict({
        "model": {"preset": "tiny", "epochs": 2}, "data": {"path": str(tiny_imdb_archive)},
        "suite": {"config": str(root / "suite.yml"), "sample": 50, "seed": 3, "fresh_seed": None},
        "augment": {"ratio": 0.5, "seed": 5, "margin": 0.01},
        "holdout": {"tests": [], "second": []}, "guards": {"capabilities": []}, "fix": {"candidates": ["augment"]}})
    summary = run_loop(config, root / "out", progress=False, log=lambda message: None)
    assert "transfer" in summary and "guards" not in summary
    return root / "out", summary


def test_reuse_runs_only_the_held_out_families_and_the_guards(finished_loop):
    loop_dir, original = finished_loop
    config = loop_transfer.reused_config(loop_dir, ["holdout.tests=[leetspeak, split_word]", "guards.capabilities=null",
                                                    "guards.sample=20"])
    summary = loop_transfer.summary_from_loop_dir(loop_dir, config, loop_dir / "transfer")
    result = loop_transfer.judge(summary)
    assert result["reused"]["loop_dir"] == str(loop_dir) and result["reused"]["fingerprint"]
    assert result["reused"]["models"]["after"].endswith("model_after")
    roles = {f["test"]: f["role"] for f in result["families"]}
    assert roles["leetspeak"] == roles["split_word"] == "held_out" and roles["sentiment_antonym_swap"] == "trained"
    assert result["pooled_held_out"]["n"] > 0 and result["clean"] == original["clean"]
    assert len(result["capabilities"]["capabilities"]) == 7
    assert set(result["goals"]["met"]) == {"held_out_flip_rate_falls_by_a_quarter", "no_capability_significantly_worse",
                                           "trained_families_at_least_95pct", "clean_accuracy_drop_at_most_0.3pt"}
    assert (loop_dir / "transfer" / "suite_holdout_after" / "results.json").is_file()


def test_a_family_the_loop_trained_on_cannot_be_held_out(finished_loop):
    loop_dir, _ = finished_loop
    config = loop_transfer.reused_config(loop_dir, ["holdout.tests=[sentiment_antonym_swap]"])
    with pytest.raises(ConfigError, match="sentiment_antonym_swap got augmented rows"):
        loop_transfer.summary_from_loop_dir(loop_dir, config, loop_dir / "transfer")
