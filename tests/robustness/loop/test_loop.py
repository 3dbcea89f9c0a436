"""The augment-and-retrain loop end to end on a tiny real archive with a tiny real LSTM."""

from __future__ import annotations

import json

import pytest

from robustness.errors import ConfigError
from robustness.loop.augment import read_augmented
from robustness.loop.config import load_loop_config, loop_config_from_dict
from robustness.loop.run import run_loop
from tests.robustness.helpers import TINY_LOOP_SUITE, tiny_loop_config


@pytest.fixture(scope="module")
def loop_run(tmp_path_factory, tiny_imdb_archive):
    root = tmp_path_factory.mktemp("loop")
    config = tiny_loop_config(root, tiny_imdb_archive, fresh_seed=4)
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
    from robustness.loop.augment import read_augmented

    rows = read_augmented(out / "augment" / "augmented.csv")
    assert len(rows) == summary["augmentation"]["n_augmented"] > 0
    assert set(summary["augmentation"]["rows_per_test"]) <= {"lowercase", "add_ocr_typo", "add_typo",
                                                             "sentiment_antonym_swap"}
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


def test_gate_flag_exits_1_when_the_retrained_model_fails(loop_run, tmp_path, tiny_imdb_archive, capsys):
    """`robustness loop --gate` exits as `robustness test` does on the after-model's verdict; without it, 0. The
    tiny model cannot reach 99% on typos, so the verdict fails (the rerun resumes: nothing is retrained)."""
    import yaml

    from tests.robustness.helpers import run_cli

    config, out, summary, _ = loop_run
    assert not summary["after"]["gate"]["passed"]
    path = tmp_path / "loop.yml"
    path.write_text(yaml.safe_dump(config.model_dump(mode="json")), encoding="utf-8")
    code, stdout, _ = run_cli(["loop", "--config", path, "--out", out, "--gate", "--no-progress"], capsys)
    assert code == 1 and "after: FAIL" in stdout
    code, stdout, _ = run_cli(["loop", "--config", path, "--out", out, "--no-progress"], capsys)
    assert code in (0, None) and "after: FAIL" in stdout


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
    ("retrain:\n  keep_epoch: last\n", r"retrain.keep_epoch: unknown key"),  # retired: benchmarks/experiments.md
    ("retrain:\n  blend: 0.7\n", r"retrain.blend: unknown key"),
    ("retrain:\n  dir_anchor: pair\n", r"retrain.dir_anchor: unknown key"),
    ("retrain:\n  inv_tolerance: 0.25\n", r"retrain.inv_tolerance: unknown key"),
    ("augment:\n  include_passing: true\n", r"augment.include_passing: unknown key"),
    ("augment:\n  dir_policy: flip\n", r"augment.dir_policy: input should be 'exclude' or 'directed'"),
    ("augment:\n  mode: langtest\n  margin: 0.02\n", r"augment: .*margin applies to the proportional budget"),
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


RECIPE_SUITE = TINY_LOOP_SUITE.replace("min_pass_rate: 0.99", "min_pass_rate: 1.0").replace(
    "harness:", "    random_char_edit: {}\n    multiple_perturbations: {}\n    strip_all_punctuation: {}\nharness:")


@pytest.fixture(scope="module")
def recipe_run(tmp_path_factory, tiny_imdb_archive):
    """A loop shaped like the shipped recipe (failure-driven rows for one test, antonym variants, teacher weight
    1.0, a gentle antonym target with the hinge, vocabulary growth), its config written as loop.yml."""
    import yaml

    root = tmp_path_factory.mktemp("recipe")
    (root / "suite.yml").write_text(RECIPE_SUITE, encoding="utf-8")
    data = {
        "model": {"preset": "tiny", "epochs": 3},
        "data": {"path": str(tiny_imdb_archive)},
        "suite": {"config": str(root / "suite.yml"), "sample": 120, "seed": 3, "fresh_seed": None},
        "augment": {"ratio": 1.0, "seed": 5, "select": "failures", "failures_for": ["sentiment_antonym_swap"],
                    "variants": 2},
        "retrain": {"epochs": 1, "learning_rate": 0.003, "teacher_weight": 1.0, "dir_shift": 0.05, "dir_margin": 1.0,
                    "save_epochs": True},
    }
    (root / "loop.yml").write_text(yaml.safe_dump(data), encoding="utf-8")
    config = load_loop_config(root / "loop.yml")
    run_loop(config, root / "out", progress=False, log=lambda message: None)
    return config, root


def test_finetune_with_teacher_targets_grows_the_vocabulary_from_the_augmented_rows(recipe_run, tiny_imdb_archive):
    from model_adapters import load_model

    config, root = recipe_run
    out = root / "out"
    record = json.loads((out / "state.json").read_text())["stages"]["train_after"]
    assert record["soft_targets"] and record["vocab_grown"] > 0
    assert record["best_epoch"] == len(record["history"]) == 1
    assert (out / "model_after" / "epochs" / "1" / "weights.safetensors").is_file()
    summary = json.loads((out / "augment" / "summary.json").read_text())
    assert summary["variants"] == 2 and summary["failures_for"] == ["sentiment_antonym_swap"]
    rows = read_augmented(out / "augment" / "augmented.csv")
    dir_rows = [row for row in rows if row.test == "sentiment_antonym_swap"]
    assert dir_rows and record["dir_hinge"] == {"rows": len(dir_rows), "margin": 1.0}
    assert len(dir_rows) < len(rows)  # INV rows too
    before, after = load_model(out / "model_before"), load_model(out / "model_after")
    assert len(after.vocab) == len(before.vocab) + record["vocab_grown"]
    assert after.vocab.tokens[:len(before.vocab)] == before.vocab.tokens
    from model_adapters.lstm.batching import tokenize_texts
    from robustness.loop.run import _load_splits

    train, _, _ = _load_splits(config, tiny_imdb_archive)  # a clean review's own rare words never join, only typos
    assert not {t for tokens in tokenize_texts(train.texts, after.config) for t in tokens} & set(after.vocab.tokens[len(before.vocab):])


def test_augment_then_train_by_hand_with_the_loop_yml_reproduces_the_loop(recipe_run):
    """The loop's train, augment and retrain stages by hand, with the very loop.yml: the same 'before' model, the
    same augmented rows byte for byte, the same retrained model (weights and validation metrics). The suite run
    they start from is the loop's own suite_before (the suite is `robustness test`'s concern)."""
    import numpy as np
    from safetensors.numpy import load_file

    from robustness.cli.app import main

    _, root = recipe_run
    out, hand, loop_yml = root / "out", root / "hand", str(root / "loop.yml")

    def cli(*args):
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
        assert exit_info.value.code == 0

    def same_weights(a, b):
        wa, wb = load_file(str(a / "weights.safetensors")), load_file(str(b / "weights.safetensors"))
        assert wa.keys() == wb.keys()
        for name in wa:
            np.testing.assert_array_equal(wa[name], wb[name], err_msg=name)

    cli("train", "--config", loop_yml, "--no-progress", "--out", str(hand / "before"))
    same_weights(hand / "before", out / "model_before")
    cli("augment", "--config", loop_yml, "--results", str(out / "suite_before"), "--model", str(hand / "before"),
        "--out", str(hand / "augmented.csv"))
    assert (hand / "augmented.csv").read_bytes() == (out / "augment" / "augmented.csv").read_bytes()
    by_hand = json.loads((hand / "augmented.summary.json").read_text())
    in_loop = json.loads((out / "augment" / "summary.json").read_text())
    assert by_hand["budget"] == in_loop["budget"] and by_hand["failing_candidates"] == in_loop["failing_candidates"]
    cli("train", "--config", loop_yml, "--no-progress", "--init-from", str(hand / "before"), "--augmented",
        str(hand / "augmented.csv"), "--out", str(hand / "after"))
    same_weights(hand / "after", out / "model_after")
    assert (hand / "after" / "vocab.json").read_text() == (out / "model_after" / "vocab.json").read_text()
    hand_metrics = json.loads((hand / "after" / "metrics.json").read_text())
    loop_metrics = json.loads((out / "model_after" / "metrics.json").read_text())
    for key in ("validation", "history", "vocab_grown", "dir_hinge", "config", "n_train", "data_fingerprint"):
        if key == "history":
            strip = lambda h: [{k: v for k, v in e.items() if "seconds" not in k} for e in h]  # noqa: E731
            assert strip(hand_metrics[key]) == strip(loop_metrics[key])
        else:
            assert hand_metrics[key] == loop_metrics[key], key


def test_growing_the_vocabulary_needs_finetuning():
    defaults = loop_config_from_dict({})
    assert (defaults.retrain.mode, defaults.retrain.targets, defaults.retrain.grow_vocab) == ("finetune", "teacher", True)
    assert defaults.augment.dir_policy == "directed"
    assert loop_config_from_dict({"retrain": {"mode": "scratch"}}).retrain.mode == "scratch"  # default growth: unused
    with pytest.raises(ConfigError, match="retrain: .*grow_vocab needs mode finetune"):
        loop_config_from_dict({"retrain": {"mode": "scratch", "grow_vocab": True}})
    assert loop_config_from_dict({"retrain": {"grow_vocab": False}}).retrain.grow_vocab is False


def test_set_overrides_are_validated_by_the_same_schema_and_name_the_field():
    from robustness.loop.config import with_settings

    scratch = with_settings(loop_config_from_dict({}), ["retrain.mode=scratch", "augment.failures_for=[add_typo]",
                                                        "augment.select=failures", "model.epochs=null"])
    assert scratch.retrain.mode == "scratch" and scratch.augment.failures_for == ["add_typo"]
    assert scratch.model.epochs is None and scratch.retrain.grow_vocab is True  # unset growth stays a default
    with pytest.raises(ConfigError, match=r"--set: retrain.teacher_weight: input should be less than or equal to 1"):
        with_settings(scratch, ["retrain.teacher_weight=1.5"])
    with pytest.raises(ConfigError, match=r"--set 'teacher_weight=1': write SECTION.FIELD=VALUE"):
        with_settings(scratch, ["teacher_weight=1"])
    with pytest.raises(ConfigError, match="unknown section 'retrian'; the sections are model, data, suite, augment"):
        with_settings(scratch, ["retrian.epochs=2"])


def test_the_shipped_recipe_is_found_by_name_from_any_directory(tmp_path, monkeypatch):
    from robustness.config_files import SHIPPED_DIR
    from robustness.suite.config import load_config

    monkeypatch.chdir(tmp_path)
    recipe = load_loop_config("loop_full_imdb")
    assert recipe == load_loop_config(SHIPPED_DIR / "loop_full_imdb.yml") == load_loop_config("loop_full_imdb.yml")
    assert recipe.suite.config == "suite_95"
    suite = load_config(recipe.suite.config)
    assert {t.min_pass_rate for t in suite.tests} == {0.95} and len(suite.tests) == 26
    (tmp_path / "suite_95").write_text("tests:\n  robustness:\n    uppercase: {}\n", encoding="utf-8")
    assert len(load_config("suite_95").tests) == 1  # a file that exists wins over a shipped name
    with pytest.raises(ConfigError, match="not a shipped config name; pass a path or one of: .*loop_full_imdb.*suite_95"):
        load_loop_config("loop_ful_imdb")
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "sub" / "suite_95")  # a path is never read as a name


def test_docs_list_every_field_with_its_default():
    """docs/loop-config.md has a row per field of every section, with the schema's default in it (a sub-block's
    fields as `block.field`, e.g. `spec.token_env`)."""
    from pathlib import Path

    from robustness.loop.config import LoopConfig

    def flat(fields: dict, prefix: str = "") -> dict:
        found = {}
        for name, value in fields.items():
            found |= flat(value, f"{prefix}{name}.") if isinstance(value, dict) else {f"{prefix}{name}": value}
        return found

    text = (Path(__file__).resolve().parents[3] / "docs" / "loop-config.md").read_text(encoding="utf-8")
    for section, fields in LoopConfig().model_dump().items():
        body = text.split(f"## `{section}:`", 1)[1].split("\n## ", 1)[0]
        for field, default in flat(fields).items():
            shown = ("null" if default is None else str(default).lower() if isinstance(default, bool)
                     else "[]" if default == [] else default)
            assert f"| `{field}` | `{shown}` |" in body, f"{section}.{field}"
