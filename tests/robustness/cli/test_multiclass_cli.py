"""Label sets beyond negative/positive from the command line: a 3-class CSV goes train -> test -> augment -> loop,
and a 5-star model goes through `robustness test` with JUnit (tiny data built here, no network)."""

from __future__ import annotations

import csv
import itertools
import json
import random
import xml.etree.ElementTree as ET

import pytest

from tests.robustness.helpers import run_cli

WORDS = {"negative": ("awful", "terrible", "bad", "boring", "dreadful"),
         "neutral": ("ordinary", "average", "plain", "typical", "standard"),
         "positive": ("great", "wonderful", "good", "excellent", "superb")}
NOUNS = ("film", "movie", "story", "cast", "plot", "script", "ending", "score")
THREE = ("negative", "neutral", "positive")

SUITE = """
tests:
  defaults: {min_pass_rate: 0.99, min_cases: 1}
  robustness:
    uppercase: {}
    add_typo: {}
    sentiment_antonym_swap: {}
harness: {seed: 3}
"""


def write_reviews(path, n: int, seed: int, header=("id", "review", "sentiment"), label_of=lambda label: label):
    """`n` short reviews, a third of each sentiment, under column names the loader detects (review, sentiment)."""
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for i in range(n):
            label = THREE[i % 3]
            words = WORDS[label]
            text = (f"The {rng.choice(NOUNS)} was {rng.choice(words)} and the {rng.choice(NOUNS)} felt "
                    f"{rng.choice(words)}, {rng.choice(('really', 'quite', 'so'))} {rng.choice(words)}.")
            writer.writerow([f"{seed}-{i}", text, label_of(label)])
    return path


@pytest.fixture(scope="module")
def three_class(tmp_path_factory):
    root = tmp_path_factory.mktemp("three")
    (root / "suite.yml").write_text(SUITE, encoding="utf-8")
    return root, write_reviews(root / "train.csv", 150, seed=1), write_reviews(root / "test.csv", 45, seed=2)


def test_three_class_train_test_augment_loop(three_class, capsys, one_torch_thread):
    root, train_csv, test_csv = three_class
    code, _, err = run_cli(["train", "--data", train_csv, "--preset", "tiny", "--epochs", "3", "--seed", "3", "--no-progress",
                            "--threads", "1", "--set", "data.validation_fraction=0.2", "--out", root / "model"], capsys)
    assert code == 0, err
    assert "text column 'review', label column 'sentiment'" in err  # detected, and said once
    assert json.loads((root / "model" / "config.json").read_text())["labels"] == list(THREE)  # 3 outputs

    code, out, err = run_cli(["test", "--model", root / "model", "--config", root / "suite.yml", "--data", test_csv,
                              "--out", root / "run", "--no-progress"], capsys)
    assert code in (0, 1), err
    results = json.loads((root / "run" / "results.json").read_text())
    assert results["model"]["labels"] == list(THREE) and results["model"]["polarity"] == {"positive": "positive",
                                                                                         "negative": "negative"}
    assert results["clean"]["confusion_matrix"]["labels"] == list(THREE) and results["clean"]["n"] == 45
    assert {t["name"] for t in results["tests"]} == {"uppercase", "add_typo", "sentiment_antonym_swap"}
    assert next(t for t in results["tests"] if t["name"] == "sentiment_antonym_swap")["n_applicable"] > 0
    assert len(list(ET.parse(root / "run" / "junit.xml").getroot().iter("testcase"))) == 3
    assert "neutral" in (root / "run" / "report.html").read_text(encoding="utf-8")

    code, out, err = run_cli(["augment", "--results", root / "run", "--model", root / "model", "--data", train_csv,
                              "--set", "augment.ratio=0.5", "--set", "augment.select=failures",
                              "--set", "data.validation_fraction=0.2", "--set", "model.seed=3",
                              "--out", root / "augmented.csv"], capsys)
    assert code == 0, err
    with open(root / "augmented.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and {row["label"] for row in rows} <= set(THREE)
    swapped = [row for row in rows if row["test"] == "sentiment_antonym_swap"]
    assert all(row["label"] == "negative" for row in swapped)  # good -> bad, from positive or negative sources only
    summary = json.loads((root / "augmented.summary.json").read_text())
    assert summary["model"]["kind"] == "lstm" and summary["model"]["spec"] == str(root / "model")

    (root / "loop.yml").write_text(f"""
model: {{preset: tiny, epochs: 2, seed: 3}}
data: {{path: {train_csv}, test_path: {test_csv}, validation_fraction: 0.2, text_column: review}}
suite: {{config: {root / 'suite.yml'}, sample: 30, seed: 3, fresh_seed: null}}
augment: {{ratio: 0.5, seed: 5}}
retrain: {{epochs: 1}}
holdout: {{tests: []}}
guards: {{capabilities: []}}
""", encoding="utf-8")
    code, out, err = run_cli(["loop", "--config", root / "loop.yml", "--out", root / "loop", "--no-progress"], capsys)
    assert code == 0, err
    summary = json.loads((root / "loop" / "loop_summary.json").read_text())
    assert summary["before"]["model"]["labels"] == list(THREE) and summary["after"]["model"]["labels"] == list(THREE)
    assert summary["augmentation"]["n_augmented"] > 0
    assert set(summary["clean"]["before"]) >= {"accuracy", "macro_f1"}
    assert (root / "loop" / "before_after.html").is_file() and (root / "loop" / "before_after.md").is_file()


def test_the_loop_refuses_to_fine_tune_a_model_that_is_not_our_lstm(three_class, tmp_path, capsys):
    root, train_csv, test_csv = three_class
    code, _, err = run_cli(["loop", "--model", "hf:nobody/nothing", "--data", train_csv,
                            "--set", f"data.test_path={test_csv}",
                            "--out", tmp_path / "loop", "--no-progress"], capsys)
    assert code == 2 and "fine-tunes only our LSTM; set retrain.mode: scratch" in err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "loop").exists()


STARS_MODULE = '''
import numpy as np

LABELS = ("1", "2", "3", "4", "5")

class Stars:
    """Five star ratings from a lexicon: more good words, more stars."""

    labels = LABELS

    def predict_proba(self, texts):
        rows = []
        for text in texts:
            words = text.lower().replace(",", " ").replace(".", " ").split()
            score = sum(w in ("great", "wonderful", "good", "excellent", "superb") for w in words)
            score -= sum(w in ("awful", "terrible", "bad", "boring", "dreadful") for w in words)
            logits = -0.8 * (np.arange(5) - (2 + score)) ** 2
            odds = np.exp(logits - logits.max())
            rows.append(odds / odds.sum())
        return np.array(rows)

stars = Stars()
'''


@pytest.fixture
def stars_module(tmp_path, monkeypatch):
    (tmp_path / "five_star_model.py").write_text(STARS_MODULE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "py:five_star_model:stars"
    import sys

    sys.modules.pop("five_star_model", None)


def test_a_five_star_model_runs_the_suite_with_junit(stars_module, tmp_path, capsys):
    stars = {"negative": itertools.cycle("12"), "neutral": itertools.cycle("3"), "positive": itertools.cycle("45")}
    data = write_reviews(tmp_path / "stars.csv", 40, seed=4, header=("id", "sentence", "rating"),
                         label_of=lambda label: next(stars[label]))
    suite = tmp_path / "suite.yml"
    suite.write_text(SUITE.replace("harness: {seed: 3}", "harness: {seed: 3, positive_label: 5, negative_label: 1}"),
                     encoding="utf-8")
    code, out, err = run_cli(["test", "--model", stars_module, "--config", suite, "--data", data, "--out", tmp_path / "run",
                              "--no-progress"], capsys)
    assert code in (0, 1), err
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["model"]["labels"] == ["1", "2", "3", "4", "5"]  # star names, never read as 0/1 codes
    assert results["model"]["polarity"] == {"positive": "5", "negative": "1"}
    assert results["clean"]["confusion_matrix"]["labels"] == ["1", "2", "3", "4", "5"]
    swap = next(t for t in results["tests"] if t["name"] == "sentiment_antonym_swap")
    assert swap["n_applicable"] > 0 and swap["pass_rate"] == 1.0  # good -> bad lowers P(5 stars)
    suite_xml = ET.parse(tmp_path / "run" / "junit.xml").getroot()
    names = {case.get("name") for case in suite_xml.iter("testcase")}
    assert names == {"uppercase", "add_typo", "sentiment_antonym_swap"}
    assert (tmp_path / "run" / "report.md").is_file()

    # A rating the model does not know is one line before the run, exit 2.
    six = write_reviews(tmp_path / "six.csv", 12, seed=5, header=("id", "sentence", "rating"),
                        label_of=lambda label: {"negative": "1", "neutral": "6", "positive": "5"}[label])
    code, _, err = run_cli(["test", "--model", stars_module, "--config", suite, "--data", six, "--label-map", "1=1,5=5,6=6",
                            "--out", tmp_path / "bad", "--no-progress"], capsys)
    assert code == 2 and "label(s) ['6'] are not among the model's labels" in err and not (tmp_path / "bad").exists()


def _star_loop(root, harness: str) -> None:
    """A 5-star train/test pair, a suite naming `harness`, and a loop with the default guards and holdout."""
    stars = {"negative": itertools.cycle("12"), "neutral": itertools.cycle("3"), "positive": itertools.cycle("45")}
    star_of = lambda label: next(stars[label])  # noqa: E731
    train = write_reviews(root / "train.csv", 150, seed=6, header=("id", "review", "rating"), label_of=star_of)
    test = write_reviews(root / "test.csv", 45, seed=7, header=("id", "review", "rating"), label_of=star_of)
    (root / "suite.yml").write_text(SUITE.replace("harness: {seed: 3}", harness), encoding="utf-8")
    (root / "loop.yml").write_text(f"""
model: {{preset: tiny, epochs: 2, seed: 3}}
data: {{path: {train}, test_path: {test}, validation_fraction: 0.2}}
suite: {{config: {root / 'suite.yml'}, sample: 30, seed: 3, fresh_seed: null}}
augment: {{ratio: 0.5, seed: 5}}
retrain: {{epochs: 1}}
guards: {{sample: 10}}
""", encoding="utf-8")


def test_a_five_star_loop_runs_end_to_end_with_the_default_guards(tmp_path, capsys, one_torch_thread):
    """One label resolver: the suite's harness names 5 and 1, and the DIR tests, the augmented rows and the
    capability guards all read them (the guards once ignored the harness and died after every other stage)."""
    _star_loop(tmp_path, "harness: {seed: 3, positive_label: '5', negative_label: '1'}")
    code, _, err = run_cli(["loop", "--config", tmp_path / "loop.yml", "--out", tmp_path / "loop", "--no-progress"],
                           capsys)
    assert code == 0, err
    summary = json.loads((tmp_path / "loop" / "loop_summary.json").read_text())
    assert summary["before"]["model"]["labels"] == ["1", "2", "3", "4", "5"]
    assert summary["before"]["model"]["polarity"] == {"positive": "5", "negative": "1"}
    guards = json.loads((tmp_path / "loop" / "guards_before" / "capabilities.json").read_text())
    assert guards["labels"] == ["1", "2", "3", "4", "5"] and guards["cases"]
    assert {case["predicted"] for case in guards["cases"]} <= {"1", "2", "3", "4", "5"}
    assert summary["guards"]["capabilities"]  # compared before/after, default guards (all capabilities)
    assert (tmp_path / "loop" / "before_after.html").is_file()


@pytest.mark.parametrize("harness, fragment", [
    ("harness: {seed: 3}", "capability guards need a positive and a negative label"),
    ("harness: {seed: 3, positive_label: '6', negative_label: '1'}", "positive_label: '6' is not a label of the model"),
])
def test_a_loop_whose_labels_cannot_resolve_fails_before_training(harness, fragment, tmp_path, capsys):
    _star_loop(tmp_path, harness)
    code, _, err = run_cli(["loop", "--config", tmp_path / "loop.yml", "--out", tmp_path / "loop", "--no-progress"],
                           capsys)
    assert code == 2 and fragment in err, err
    errors = [line for line in err.splitlines() if line.startswith("error:")]  # beside the columns detected
    assert len(errors) == 1 and fragment in errors[0]
    assert not (tmp_path / "loop").exists()  # found before train_before: nothing trained, nothing written
