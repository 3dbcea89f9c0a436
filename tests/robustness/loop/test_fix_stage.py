"""The fix stage: candidates built and judged on the same cases by the declared rule; a model the loop cannot
retrain still gets `normalize`."""

from __future__ import annotations

import json

import pytest

from model_adapters.specs import load_model_spec
from robustness.loop.augment import read_augmented
from robustness.loop.fix import FixRule, candidate_row, choose
from robustness.loop.run import run_loop
from tests.robustness.helpers import TINY_LOOP_SUITE, assert_user_error, run_cli, tiny_loop_config


@pytest.fixture(scope="module")
def fix_run(tmp_path_factory, tiny_imdb_archive):
    root = tmp_path_factory.mktemp("fix")
    config = tiny_loop_config(root, tiny_imdb_archive, guards={"sample": 10},
                              fix={"candidates": ["normalize", "augment", "normalize+augment"]})
    return root / "out", run_loop(config, root / "out", progress=False, log=lambda _: None)


def test_every_candidate_runs_on_the_same_cases_and_the_rule_decides(fix_run):
    out, summary = fix_run
    fix = summary["fix"]
    assert summary["augmentation"]["n_augmented"] > 0
    assert [row["candidate"] for row in fix["candidates"]] == ["normalize", "augment", "normalize+augment"]
    for row in fix["candidates"]:
        name = row["candidate"]
        assert (out / "fix" / name / "suite" / "results.json").is_file()
        assert (out / "fix" / name / "guards" / "capabilities.json").is_file()
        assert row["held_out"]["n"] > 0 and row["second_held_out"]["n"] > 0  # both held-out sets ran, paired
        assert row["qualifies"] == (not row["reasons"])
    assert (out / "fix" / "normalize" / "model" / "normalizer.json").is_file()
    # normalize+augment: rows for what the normalized model still fails, as the normalizer passes them on
    composed = out / "fix" / "normalize+augment"
    rows_summary = json.loads((composed / "augment" / "summary.json").read_text())
    assert rows_summary["normalized_by"] == str(out / "fix" / "normalize" / "model")
    still_failing = {t["name"] for t in json.loads((out / "fix" / "normalize" / "suite" / "results.json").read_text())
                     ["tests"] if t["status"] == "fail"}
    assert rows_summary["n_rows"] > 0 and set(rows_summary["rows_per_test"]) <= still_failing
    normalizer = load_model_spec(str(out / "fix" / "normalize" / "model")).model
    rows = read_augmented(composed / "augment" / "augmented.csv")
    assert [row.text for row in rows] == normalizer.normalize([row.text for row in rows])  # already normalized
    assert json.loads((composed / "model" / "normalizer.json").read_text())["wraps"] == "../retrained"
    chosen = fix["chosen"]
    assert chosen == (fix["winner"] or "normalize")
    # the 'after' run is the chosen candidate's run on the very same cases
    assert (out / "suite_after" / "results.json").read_bytes() == \
        (out / "fix" / chosen / "suite" / "results.json").read_bytes()
    assert fix["rule"].startswith("qualifies: pooled held-out failure rate lower")
    assert (out / "before_after.md").is_file()


def test_a_model_the_loop_cannot_retrain_gets_normalize(tmp_path, tiny_imdb_archive, tfidf_model_dir, capsys):
    (tmp_path / "suite.yml").write_text(TINY_LOOP_SUITE, encoding="utf-8")
    (tmp_path / "loop.yml").write_text(f"""
model: {{existing: {tfidf_model_dir}}}
data: {{path: {tiny_imdb_archive}}}
suite: {{config: {tmp_path / 'suite.yml'}, sample: 40, seed: 3, fresh_seed: null}}
guards: {{capabilities: []}}
fix: {{candidates: [normalize]}}
""", encoding="utf-8")
    code, out, err = run_cli(["loop", "--config", tmp_path / "loop.yml", "--out", tmp_path / "out", "--no-progress"],
                             capsys)
    assert code == 0, err
    assert "fix stage: " in out  # the verdict, won or none qualified, with the reasons
    summary = json.loads((tmp_path / "out" / "loop_summary.json").read_text())
    assert summary["fix"]["chosen"] == "normalize" and summary["augmentation"]["n_augmented"] == 0
    assert not (tmp_path / "out" / "model_after").exists()  # nothing was retrained
    manifest = json.loads((tmp_path / "out" / "fix" / "normalize" / "model" / "normalizer.json").read_text())
    assert manifest["words_source"] == "training texts"  # a TF-IDF model has no vocabulary to read


def test_an_unknown_candidate_is_one_line_and_writes_nothing(tmp_path, capsys):
    (tmp_path / "loop.yml").write_text("fix: {candidates: [normalise]}\n", encoding="utf-8")
    assert_user_error(run_cli(["loop", "--config", tmp_path / "loop.yml", "--out", tmp_path / "out"], capsys),
                      "fix.candidates", "unknown candidate 'normalise'; did you mean 'normalize'?")
    assert not (tmp_path / "out").exists()


def _results(pass_flags: dict) -> dict:
    return {"tests": [{"name": name, "category": "robustness"} for name in pass_flags]}


def _paired(test: str, fixed: int, regressed: int, still: int, both: int) -> dict:
    return {"test": test, "n_paired": fixed + regressed + still + both, "fixed": fixed, "regressed": regressed,
            "still_failing": still, "both_pass": both}


@pytest.mark.parametrize("fixed, regressed, clean_after, worse, qualifies", [
    (30, 2, 0.900, [], True),
    (3, 2, 0.900, [], False),            # held-out change not significant
    (30, 2, 0.895, [], False),           # clean validation drop 0.5 pt > 0.3
    (30, 2, 0.900, ["negation"], False),  # a guard significantly worse
])
def test_the_rule(fixed, regressed, clean_after, worse, qualifies):
    rule = FixRule()
    row = candidate_row("normalize", _results({"leetspeak": 1}), _results({"leetspeak": 1}),
                        [_paired("leetspeak", fixed, regressed, 5, 100)], ["leetspeak"], [],
                        {"significantly_worse": worse, "significantly_better": []}, 0.900, clean_after, 1.0, rule)
    assert row["qualifies"] is qualifies
    verdict = choose([row], rule)
    assert (verdict["winner"] == "normalize") is qualifies
    if not qualifies:
        assert verdict["why"].startswith("no candidate qualified: normalize: ")


def test_the_largest_held_out_drop_wins_among_those_that_qualify():
    rule = FixRule()
    rows = [candidate_row(name, _results({"leetspeak": 1}), _results({"leetspeak": 1}),
                          [_paired("leetspeak", fixed, 0, 10, 100)], ["leetspeak"], [], None, 0.9, 0.9, 1.0, rule)
            for name, fixed in (("augment", 20), ("normalize", 40))]
    assert choose(rows, rule)["winner"] == "normalize"


def test_normalize_augment_needs_normalize_listed_before_it(tmp_path, capsys):
    (tmp_path / "loop.yml").write_text("fix: {candidates: [normalize+augment, normalize]}\n", encoding="utf-8")
    assert_user_error(run_cli(["loop", "--config", tmp_path / "loop.yml", "--out", tmp_path / "out"], capsys),
                      "fix.candidates", "list normalize before it")
    assert not (tmp_path / "out").exists()
