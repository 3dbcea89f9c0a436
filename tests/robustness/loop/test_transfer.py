"""Held-out families and capability guards around the loop, on a tiny real archive with a tiny real LSTM."""

from __future__ import annotations

import pytest

from robustness.data.datasets import Dataset
from robustness.errors import ConfigError
from robustness.loop import augment
from robustness.loop.augment import read_augmented
from robustness.loop.config import AugmentSection, load_loop_config
from robustness.loop.run import run_loop
from robustness.loop.stages import augment_rows
from robustness.loop.transfer import guards_block, pooled_flips, transfer_block
from tests.robustness.helpers import tiny_loop_config


@pytest.fixture(scope="module")
def held_out_loop(tmp_path_factory, tiny_imdb_archive):
    root = tmp_path_factory.mktemp("transfer")
    config = tiny_loop_config(root, tiny_imdb_archive, sample=60,
                              holdout={"tests": ["add_ocr_typo", "leetspeak"]},   # one the suite has, one it lacks
                              guards={"capabilities": ["vocabulary", "negation_of_positive"], "sample": 30})
    summary = run_loop(config, root / "out", progress=False, log=lambda message: None)
    return config, root / "out", summary


def test_held_out_tests_run_before_and_after_but_get_no_rows(held_out_loop):
    _, out, summary = held_out_loop
    for side in ("before", "after"):
        assert {"add_ocr_typo", "leetspeak"} <= {t["name"] for t in summary[side]["tests"]}
    rows = read_augmented(out / "augment" / "augmented.csv")
    assert rows and not {row.test for row in rows} & {"add_ocr_typo", "leetspeak"}
    assert "add_ocr_typo" in summary["augmentation"].get("held_out_excluded", []) or \
        "add_ocr_typo" not in summary["augmentation"]["rows_per_test"]


def test_transfer_section_pools_the_held_out_cases(held_out_loop):
    _, _, summary = held_out_loop
    transfer = summary["transfer"]
    roles = {row["test"]: row["role"] for row in transfer["tests"]}
    assert roles["add_ocr_typo"] == roles["leetspeak"] == "held_out"
    pooled = transfer["pooled_held_out"]
    paired = {row["test"]: row for row in summary["paired"]["tests"]}
    assert pooled["n"] == paired["add_ocr_typo"]["n_paired"] + paired["leetspeak"]["n_paired"] > 0
    assert pooled["ci_before"][0] <= pooled["rate_before"] <= pooled["ci_before"][1]
    assert transfer["verdict"] in ("transferred", "not_transferred")
    assert transfer["verdict_text"] in ("the fix transferred", "it did not transfer")


def test_guards_run_on_the_same_cases_before_and_after(held_out_loop):
    _, out, summary = held_out_loop
    guards = summary["guards"]
    assert [row["capability"] for row in guards["capabilities"]] == ["vocabulary", "negation_of_positive"]
    assert all(row["n_paired"] == 30 for row in guards["capabilities"])
    assert (out / "guards_before" / "capabilities.json").is_file()
    assert guards["passed"] == (not guards["significantly_worse"])


def test_the_verdict_rule():
    rows = [{"test": "leetspeak", "n_paired": 200, "fixed": 20, "regressed": 2, "still_failing": 10}]
    assert pooled_flips(rows)["rate_after"] < pooled_flips(rows)["rate_before"]
    before = {"tests": [{"name": "leetspeak", "pass_rate": 0.85}, {"name": "add_typo", "pass_rate": 0.9}]}
    after = {"tests": [{"name": "leetspeak", "pass_rate": 0.94}, {"name": "add_typo", "pass_rate": 0.97}]}
    paired = rows + [{"test": "add_typo", "n_paired": 100, "fixed": 7, "regressed": 0, "still_failing": 3,
                      "mcnemar_p": 0.016}]
    block = transfer_block(before, after, paired, {"add_typo": 50}, ["leetspeak"])
    assert block["verdict"] == "transferred" and block["trained"] == ["add_typo"]
    assert block["trained_gain"]["mean_gain_pt"] == pytest.approx(7.0)
    assert block["held_out_gain"]["mean_gain_pt"] == pytest.approx(9.0)
    even = [{"test": "leetspeak", "n_paired": 200, "fixed": 5, "regressed": 4, "still_failing": 10}]
    assert transfer_block(before, after, even, {"add_typo": 50}, ["leetspeak"])["verdict"] == "not_transferred"
    assert transfer_block(before, after, [], {}, [])["verdict"] == "no_held_out"


def test_a_capability_significantly_worse_fails_the_guards():
    def cases(passed):
        return {"cases": [{"case_id": f"c{i}", "capability": "contrast", "passed": passed} for i in range(30)]}

    block = guards_block(cases(True), cases(False))
    assert block["significantly_worse"] == ["contrast"] and not block["passed"]
    assert guards_block(cases(False), cases(True))["passed"]


def test_augment_silently_leaves_held_out_tests_out_of_the_budget():
    train = Dataset(ids=tuple(f"train/pos/{i}_8" for i in range(30)),
                    texts=tuple(f"The movie number {i} was about the house and the people." for i in range(30)),
                    labels=("positive",) * 30, source="inline")
    needs = [augment.TestNeed("add_ocr_typo", "INV", {}, 0.5, 0.9), augment.TestNeed("uppercase", "INV", {}, 0.5, 0.9)]
    from robustness.suite.config import config_from_dict

    suite = config_from_dict({"tests": {"robustness": {"add_ocr_typo": {}, "uppercase": {}}}})
    rows, summary = augment_rows(AugmentSection(ratio=1.0), train, needs, suite, holdout=["add_ocr_typo"])
    assert rows and {row.test for row in rows} == {"uppercase"}
    assert summary["held_out_excluded"] == ["add_ocr_typo"] and set(summary["budget"]) == {"uppercase"}


def test_augment_refuses_to_be_asked_for_a_held_out_family(tmp_path):
    path = tmp_path / "loop.yml"
    path.write_text("augment: {select: failures, failures_for: [leetspeak]}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"augment.failures_for: leetspeak is held out \(holdout.tests\)"):
        load_loop_config(path)


def test_the_recipe_holds_out_only_families_it_never_augments():
    """The shipped recipe keeps its rows: its held-out tests are not in suite_95 or got no rows in its record."""
    import json
    from pathlib import Path

    from robustness.suite.config import load_config

    recipe = load_loop_config("loop_full_imdb")
    record = json.loads((Path(__file__).resolve().parents[3] / "benchmarks" / "results" /
                         "loop_imdb_dsm_newwords_tw10_v3_ds005_fail_syn_ant_r12.json").read_text())
    suite = load_config(recipe.suite.config).test_names()
    kinds = {"homoglyph_swap", "leetspeak", "split_word"} & set(recipe.holdout.tests)
    assert kinds and "fun_font" in recipe.holdout.tests and "american_to_british" in recipe.holdout.tests
    for name in recipe.holdout.tests:
        assert name not in suite or not record["augmentation"]["rows_per_test"].get(name)
        assert name not in recipe.augment.failures_for
