"""Augmentation: budgets, honest labels, provenance, determinism, files."""

from __future__ import annotations

import csv

import pytest

from robustness.data.datasets import Dataset
from robustness.errors import ConfigError, UsageError
from robustness.loop import augment

TRAIN = Dataset(
    ids=tuple(f"train/{i}" for i in range(40)),
    texts=tuple(f"This is a good movie number {i}, I do not regret it. The colour was great!" for i in range(40)),
    labels=tuple("positive" if i % 2 else "negative" for i in range(40)),
    source="inline",
)


def need(name, pass_rate, min_pass_rate=0.8, expectation="INV", parameters=None):
    return augment.TestNeed(name, expectation, parameters or {}, pass_rate, min_pass_rate)


def test_budget_is_proportional_to_the_shortfall_and_skips_passing_tests():
    budget = augment.plan_budget([need("add_typo", 0.6), need("lowercase", 0.7), need("uppercase", 0.95)],
                                 n_train=1000, total_ratio=0.3)
    assert set(budget) == {"add_typo", "lowercase"}
    assert budget["add_typo"] == 200 and budget["lowercase"] == 100  # shortfalls 0.2 and 0.1 share 300 rows


def test_margin_also_targets_tests_that_pass_by_less_than_it():
    needs = [need("add_typo", 0.6), need("lowercase", 0.81), need("uppercase", 0.95)]
    assert set(augment.plan_budget(needs, 1000, 0.3)) == {"add_typo"}
    budget = augment.plan_budget(needs, 1000, 0.3, margin=0.05)
    assert set(budget) == {"add_typo", "lowercase"}  # 0.81 < 0.85; 0.95 is clear of it
    assert budget["add_typo"] == round(300 * 0.25 / 0.29) and budget["lowercase"] == round(300 * 0.04 / 0.29)
    with pytest.raises(ConfigError, match="margin"):
        augment.plan_budget(needs, 1000, 0.3, margin=1.5)
    with pytest.raises(ConfigError, match="margin applies"):
        augment.plan_budget(needs, 1000, 0.3, mode="langtest", margin=0.02)


def test_langtest_mode_uses_its_step_mapping():
    budget = augment.plan_budget([need("add_typo", 0.5), need("lowercase", 0.78)], 1000, 0.5, mode="langtest")
    # ratios 0.625 -> 0.3 and 0.975 -> 0.05 of LangTest's table, normalised over a 500-row budget
    assert budget == {"add_typo": round(500 * 0.3 / 0.35), "lowercase": round(500 * 0.05 / 0.35)}


def test_bad_budget_options_are_config_errors():
    with pytest.raises(ConfigError, match="ratio"):
        augment.plan_budget([need("add_typo", 0.5)], 100, 0.0)
    with pytest.raises(ConfigError, match="mode"):
        augment.plan_budget([need("add_typo", 0.5)], 100, 0.3, mode="greedy")


def test_inv_rows_keep_gold_labels_and_record_provenance():
    rows = augment.generate_augmented(TRAIN, [need("uppercase", 0.5)], {"uppercase": 10}, seed=4)
    assert len(rows) == 10
    by_id = dict(zip(TRAIN.ids, TRAIN.labels))
    for row in rows:
        assert row.text == row.text.upper() and row.test == "uppercase" and row.seed == 4
        assert row.label == by_id[row.source_id]


def test_dir_rows_are_labelled_where_they_point_by_default_and_left_out_on_request():
    from robustness.loop.config import AugmentSection

    assert augment.DEFAULTS == AugmentSection() and augment.DEFAULTS.dir_policy == "directed"  # one schema's default
    antonym = [need("adjective_antonym_swap", 0.2, expectation="DIR")]
    assert augment.augmentable(antonym, "exclude") == []
    assert augment.generate_augmented(TRAIN, antonym, {"adjective_antonym_swap": 5}, seed=1, dir_policy="exclude") == []
    directed = augment.generate_augmented(TRAIN, antonym, {"adjective_antonym_swap": 5}, seed=1)
    assert len(directed) == 5, "the antonym swap should apply to 'good'/'great'"
    # good -> bad, great -> ...: every row points toward negative, whatever its source's gold label
    assert {row.label for row in directed} == {"negative"}
    neutral = Dataset(ids=("n",), texts=("The first and the last.",), labels=("positive",), source="inline")
    assert augment.generate_augmented(neutral, antonym, {"adjective_antonym_swap": 5}, seed=1) == []


def test_a_negated_antonym_swap_makes_no_training_row():
    """"not good" -> "not bad" is judged toward positive by the suite, but rows like it taught the recipe's model
    that "not <adjective>" reads positive (benchmarks/experiments.md): augmentation leaves them out."""
    antonym = [need("adjective_antonym_swap", 0.2, expectation="DIR")]
    negated = Dataset(ids=("a", "b"), texts=("The plot was not good.", "The plot was good."),
                      labels=("negative", "positive"), source="inline")
    rows = augment.generate_augmented(negated, antonym, {"adjective_antonym_swap": 5}, seed=1)
    assert [row.source_id for row in rows] == ["b"] and rows[0].label == "negative"
    from perturbations.adjectives import antonym_direction, negated_swap

    edits = ((17, 21, "bad"),)
    assert negated_swap("The plot was not good.", edits) and antonym_direction("The plot was not good.", edits) == "positive"


def test_rows_of_a_toward_negative_test_are_labelled_negative():
    sentiment = [need("sentiment_antonym_swap", 0.2, expectation="DIR")]
    rows = augment.generate_augmented(TRAIN, sentiment, {"sentiment_antonym_swap": 10}, seed=1, dir_policy="directed")
    assert len(rows) == 10 and all("bad movie" in row.text for row in rows)
    assert {row.label for row in rows} == {"negative"}  # negative sources stay negative, not "flipped" to positive


def test_directed_policy_keeps_only_dir_tests_that_know_their_direction():
    from perturbations.registry import _REGISTRY, register

    @register("pointless_swap", family="test", expectation="DIR")  # a plugin DIR test without a direction
    def pointless_swap(text, rng):
        from perturbations.base import Perturbed

        return Perturbed(original=text, text=text.replace("good", "so-so"), edits=())

    try:
        needs = [need("pointless_swap", 0.2, expectation="DIR"), need("sentiment_antonym_swap", 0.5, expectation="DIR"),
                 need("add_typo", 0.5)]
        assert [n.name for n in augment.augmentable(needs, "directed")] == ["sentiment_antonym_swap", "add_typo"]
        budget = {"pointless_swap": 5, "sentiment_antonym_swap": 5, "add_typo": 5}
        rows = augment.generate_augmented(TRAIN, needs, budget, seed=1, dir_policy="directed")
        assert {row.test for row in rows} == {"sentiment_antonym_swap", "add_typo"}
        with pytest.raises(ConfigError, match="dir_policy 'flip' is unknown"):  # retired: benchmarks/experiments.md
            augment.augmentable(needs, "flip")
    finally:
        del _REGISTRY["pointless_swap"]


def test_unchanged_and_duplicate_texts_are_dropped():
    already_lower = Dataset(ids=("a", "b", "c"), texts=("all lower", "Mixed Case", "Mixed Case"),
                            labels=("positive", "negative", "negative"), source="inline")
    rows = augment.generate_augmented(already_lower, [need("lowercase", 0.1)], {"lowercase": 10}, seed=0)
    assert [row.text for row in rows] == ["mixed case"]


def test_same_seed_same_rows_other_seed_other_rows():
    needs = [need("add_typo", 0.5)]
    first = augment.generate_augmented(TRAIN, needs, {"add_typo": 8}, seed=9)
    assert first == augment.generate_augmented(TRAIN, needs, {"add_typo": 8}, seed=9)
    assert first != augment.generate_augmented(TRAIN, needs, {"add_typo": 8}, seed=10)


def test_variants_give_a_capped_test_more_copies_of_its_reviews():
    # 'good' has three antonyms (bad, evil, ill): each review can make up to three distinct rows
    reviews = Dataset(ids=tuple(f"r{i}" for i in range(5)), texts=tuple(f"A good film, part {i}." for i in range(5)),
                      labels=("positive",) * 5, source="inline")
    antonym = [need("adjective_antonym_swap", 0.2, expectation="DIR")]
    budget = {"adjective_antonym_swap": 12}
    single = augment.generate_augmented(reviews, antonym, budget, seed=3, dir_policy="directed")
    assert len(single) == 5  # one copy per review: capped below the budget
    rows = augment.generate_augmented(reviews, antonym, budget, seed=3, dir_policy="directed", variants=3)
    assert rows[:5] == single  # the first pass is exactly the single-copy rows
    assert 5 < len(rows) <= 12 and len({row.text for row in rows}) == len(rows)
    copies = [sum(row.source_id == source for row in rows) for source in reviews.ids]
    assert max(copies) <= 3 and sum(copies) == len(rows)  # a seed that repeats an earlier copy adds nothing
    assert {row.label for row in rows} == {"negative"}
    assert rows == augment.generate_augmented(reviews, antonym, budget, seed=3, dir_policy="directed", variants=3)


def test_variants_stop_when_the_seed_cannot_change_a_perturbation():
    upper = [need("uppercase", 0.5)]
    rows = augment.generate_augmented(TRAIN, upper, {"uppercase": 100}, seed=2, variants=4)
    assert len(rows) == len(TRAIN)  # uppercasing has one outcome per review
    for bad in (0, 11, 2.5):
        with pytest.raises(ConfigError, match="variants"):
            augment.generate_augmented(TRAIN, upper, {"uppercase": 1}, seed=2, variants=bad)


def test_files_round_trip_and_bad_extension_is_refused(tmp_path):
    rows = augment.generate_augmented(TRAIN, [need("uppercase", 0.5)], {"uppercase": 3}, seed=2)
    for name in ("aug.csv", "aug.jsonl"):
        path = augment.write_augmented(rows, tmp_path / name)
        assert augment.read_augmented(path) == rows
    with open(tmp_path / "aug.csv", newline="", encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == ["text", "label", "source_id", "test", "seed"]
    with pytest.raises(UsageError, match=r"\.csv or \.jsonl"):
        augment.write_augmented(rows, tmp_path / "aug.txt")
    assert not (tmp_path / "aug.txt").exists()


def test_with_augmented_appends_rows_with_traceable_ids():
    rows = augment.generate_augmented(TRAIN, [need("uppercase", 0.5)], {"uppercase": 2}, seed=2)
    combined = augment.with_augmented(TRAIN, rows)
    assert len(combined) == len(TRAIN) + 2
    assert combined.ids[-1] == f"aug/uppercase/{rows[-1].source_id}"
