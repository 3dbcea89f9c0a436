"""The augment-and-retrain loop end to end on a tiny real archive with a tiny real LSTM."""

from __future__ import annotations

import json

import pytest

from robustness.augment import read_augmented
from robustness.errors import ConfigError
from robustness.loop import run_loop
from robustness.loop_config import load_loop_config, loop_config_from_dict

SUITE = """
tests:
  defaults: {min_pass_rate: 0.99, min_cases: 5}
  robustness:
    lowercase: {min_pass_rate: 0.5}
    add_ocr_typo: {}
    add_typo: {}
harness: {seed: 3}
"""


@pytest.fixture(scope="module")
def loop_run(tmp_path_factory, tiny_imdb_archive):
    root = tmp_path_factory.mktemp("loop")
    (root / "suite.yml").write_text(SUITE, encoding="utf-8")
    config = loop_config_from_dict({
        "model": {"preset": "tiny", "epochs": 2},
        "data": {"path": str(tiny_imdb_archive)},
        "suite": {"config": str(root / "suite.yml"), "sample": 40, "seed": 3, "fresh_seed": 4},
        # A tiny model trained for seconds may pass every test; spread the budget over all of them so the
        # retrain stage always has rows to learn from (budgets by shortfall are tested in test_augment.py).
        "augment": {"ratio": 0.5, "seed": 5, "include_passing": True},
    })
    messages = []
    summary = run_loop(config, root / "out", progress=False, log=messages.append)
    return config, root / "out", summary, messages


def test_loop_writes_every_stage_and_the_reports(loop_run):
    _, out, summary, _ = loop_run
    for name in ("model_before/weights.safetensors", "model_after/weights.safetensors", "augment/augmented.csv",
                 "suite_before/results.json", "suite_after/results.json", "suite_fresh/results.json",
                 "suite_fresh_before/results.json", "loop_summary.json", "before_after.html", "before_after.md",
                 "junit.xml"):
        assert (out / name).is_file(), name
    assert json.loads((out / "loop_summary.json").read_text()) == summary
    assert summary["kind"] == "loop_summary" and summary["seeds"]["augment"] == 5


def test_augmented_rows_come_from_train_reviews_only(loop_run):
    _, out, summary, _ = loop_run
    from robustness.augment import read_augmented

    rows = read_augmented(out / "augment" / "augmented.csv")
    assert len(rows) == summary["augmentation"]["n_augmented"] > 0
    assert set(summary["augmentation"]["rows_per_test"]) <= {"lowercase", "add_ocr_typo", "add_typo"}
    assert all(row.source_id.startswith("train/") for row in rows)
    validation = json.loads((out / "model_before" / "metrics.json").read_text())
    assert summary["augmentation"]["n_train_original"] == validation["n_train"]


def test_same_seed_runs_pair_case_by_case(loop_run):
    _, _, summary, _ = loop_run
    before_cases = {t["name"]: t["n_applicable"] for t in summary["before"]["tests"]}
    for row in summary["paired"]["tests"]:
        assert row["both_pass"] + row["fixed"] + row["regressed"] + row["still_failing"] == row["n_paired"]
        assert row["n_paired"] == before_cases[row["test"]]  # same seed: the very same cases
        if row["fixed"] + row["regressed"]:
            assert 0.0 < row["mcnemar_p"] <= 1.0
    assert summary["fresh"]["seed"] == 4 and summary["after"]["seed"] == 3


def test_rerun_resumes_without_redoing_stages(loop_run):
    config, out, summary, _ = loop_run
    messages = []
    again = run_loop(config, out, progress=False, log=messages.append)
    assert sum("already done" in m for m in messages) >= 7
    assert again["after"]["tests"] == summary["after"]["tests"]


def test_a_changed_config_refuses_to_reuse_the_run(loop_run):
    config, out, _, _ = loop_run
    changed = loop_config_from_dict(config.to_dict() | {"augment": config.augment.model_dump() | {"seed": 6}})
    with pytest.raises(ConfigError, match="different config"):
        run_loop(changed, out, progress=False, log=lambda message: None)


@pytest.mark.parametrize("text, message", [
    ("augment:\n  ratio: 9\n", r"loop.yml: augment.ratio"),
    ("retrain:\n  mood: scratch\n", r"retrain.mood: unknown key"),
    ("augment:\n  select: failures\n  failures_for: [uppercse]\n", r"augment.failures_for: .*did you mean 'uppercase'"),
    ("augment:\n  failures_for: [uppercase]\n", r"augment: .*failures_for .* needs select: failures"),
    ("augment:\n  variants: 0\n", r"augment.variants"),
    ("retrain:\n  keep_epoch: worst\n", r"retrain.keep_epoch"),
    ("model: !!python/object:os.system {}\n", "tag"),
])
def test_loop_config_errors_name_the_field(tmp_path, text, message):
    path = tmp_path / "loop.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_loop_config(path)


def test_restart_refuses_to_delete_a_directory_that_is_not_a_loop_run(tmp_path, tiny_imdb_archive):
    keep = tmp_path / "precious"
    keep.mkdir()
    (keep / "important.txt").write_text("keep me")
    config = loop_config_from_dict({"model": {"preset": "tiny"}, "data": {"path": str(tiny_imdb_archive)}})
    with pytest.raises(ConfigError, match="holds no loop run"):
        run_loop(config, keep, restart=True, progress=False, log=lambda message: None)
    assert (keep / "important.txt").read_text() == "keep me"


def test_unknown_preset_fails_before_any_output_exists(tmp_path, tiny_imdb_archive):
    config = loop_config_from_dict({"model": {"preset": "bogus"}, "data": {"path": str(tiny_imdb_archive)}})
    with pytest.raises(ConfigError, match="unknown preset 'bogus'"):
        run_loop(config, tmp_path / "out", progress=False, log=lambda message: None)
    assert not (tmp_path / "out").exists()


def test_finetune_with_teacher_targets_grows_the_vocabulary_from_the_augmented_rows(tmp_path, tiny_imdb_archive):
    from model_adapters import load_model

    dir_test = "    sentiment_antonym_swap: {min_pass_rate: 1.0}\nharness:"
    (tmp_path / "suite.yml").write_text(SUITE.replace("harness:", dir_test), encoding="utf-8")
    config = loop_config_from_dict({
        "model": {"preset": "tiny", "epochs": 1},
        "data": {"path": str(tiny_imdb_archive)},
        "suite": {"config": str(tmp_path / "suite.yml"), "sample": 30, "seed": 3, "fresh_seed": None},
        "augment": {"ratio": 1.0, "seed": 5, "include_passing": True, "variants": 2},
        "retrain": {"mode": "finetune", "epochs": 1, "targets": "teacher", "grow_vocab": True, "dir_margin": 1.0,
                    "dir_anchor": "pair", "inv_tolerance": 0.25, "blend": 0.8, "keep_epoch": "last",
                    "save_epochs": True},
    })
    run_loop(config, tmp_path / "out", progress=False, log=lambda message: None)
    record = json.loads((tmp_path / "out" / "state.json").read_text())["stages"]["train_after"]
    assert record["soft_targets"] and record["vocab_grown"] > 0
    assert record["blend"]["share"] == 0.8 and 0 < record["blend"]["validation_unblended"]["accuracy"] <= 1
    assert record["keep_epoch"] == "last" and record["best_epoch"] == len(record["history"]) == 1
    assert (tmp_path / "out" / "model_after" / "epochs" / "1" / "weights.safetensors").is_file()
    summary = json.loads((tmp_path / "out" / "augment" / "summary.json").read_text())
    assert summary["variants"] == 2
    dir_rows = [row for row in read_augmented(tmp_path / "out" / "augment" / "augmented.csv")
                if row.test == "sentiment_antonym_swap"]
    assert dir_rows and record["dir_hinge"] == {"rows": len(dir_rows), "margin": 1.0, "anchor": "pair"}
    inv_rows = sum(row.test != "sentiment_antonym_swap" for row in read_augmented(tmp_path / "out" / "augment" / "augmented.csv"))
    assert inv_rows and record["inv_consistency"] == {"rows": inv_rows, "tolerance": 0.25}
    before, after = load_model(tmp_path / "out" / "model_before"), load_model(tmp_path / "out" / "model_after")
    assert len(after.vocab) == len(before.vocab) + record["vocab_grown"]
    assert after.vocab.tokens[:len(before.vocab)] == before.vocab.tokens
    from model_adapters.lstm.batching import tokenize_texts
    from robustness.loop import _load_splits

    train, _, _ = _load_splits(config, tiny_imdb_archive)  # a clean review's own rare words never join, only typos
    assert not {t for tokens in tokenize_texts(train.texts, after.config) for t in tokens} & set(after.vocab.tokens[len(before.vocab):])


def test_growing_the_vocabulary_needs_finetuning_and_a_paired_hinge_a_margin():
    defaults = loop_config_from_dict({})
    assert (defaults.retrain.mode, defaults.retrain.targets, defaults.retrain.grow_vocab) == ("finetune", "teacher", True)
    assert defaults.augment.dir_policy == "directed"
    assert loop_config_from_dict({"retrain": {"mode": "scratch"}}).retrain.mode == "scratch"  # default growth: unused
    with pytest.raises(ConfigError, match="retrain: .*grow_vocab needs mode finetune"):
        loop_config_from_dict({"retrain": {"mode": "scratch", "grow_vocab": True}})
    with pytest.raises(ConfigError, match="retrain: .*dir_anchor pair needs a dir_margin > 0"):
        loop_config_from_dict({"retrain": {"dir_anchor": "pair"}})
    with pytest.raises(ConfigError, match="retrain: .*blend below 1 needs mode finetune"):
        loop_config_from_dict({"retrain": {"mode": "scratch", "blend": 0.7}})
    with pytest.raises(ConfigError, match="retrain.blend"):
        loop_config_from_dict({"retrain": {"blend": 0.0}})


def test_growing_an_ngram_models_vocabulary_is_refused_before_any_work(tmp_path, tiny_imdb_archive):
    model = tmp_path / "ngram_model"
    model.mkdir()
    (model / "config.json").write_text(json.dumps({"name": "x", "ngram_buckets": 50000}), encoding="utf-8")
    config = loop_config_from_dict({"model": {"existing": str(model)}, "data": {"path": str(tiny_imdb_archive)}})
    with pytest.raises(ConfigError, match="retrain.grow_vocab: the model has an n-gram bag"):
        run_loop(config, tmp_path / "out", progress=False, log=lambda message: None)
    assert not (tmp_path / "out").exists()
    assert loop_config_from_dict({"retrain": {"grow_vocab": False}}).retrain.grow_vocab is False
