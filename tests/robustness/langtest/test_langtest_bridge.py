"""The real LangTest Harness driving our LSTM through the custom-hub bridge, and the langtest engine.

One module-scoped LangTest run (generate, run, report) on LangTest's own 200-review sample, with cheap
tests, is shared by the assertions below to keep the module well under a minute.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from model_adapters.langtest_bridge import LangTestModel, make_harness
from robustness.data.datasets import load_dataset, sample_dataset
from robustness.errors import ModelError
from robustness.langtest.engine import diff_edits, run_langtest_suite
from robustness.suite.run import run_suite, write_run

CHEAP = {"tests": {"defaults": {"min_pass_rate": 0.65},
                   "robustness": {"lowercase": {"min_pass_rate": 0.7}, "add_tabs": {"min_pass_rate": 0.7},
                                  "uppercase": {"min_pass_rate": 0.7}}}}


@pytest.fixture(scope="module")
def lstm(tiny_lstm_dir):
    from model_adapters import load_model

    return load_model(tiny_lstm_dir)


@pytest.fixture(scope="module")
def harness_run(lstm, langtest_sample):
    bridge = LangTestModel(lstm, record=True)
    harness = make_harness(bridge, langtest_sample, json.loads(json.dumps(CHEAP)))
    harness.generate()
    harness.run()
    return bridge, harness, harness.report(), harness.generated_results()


def test_real_harness_runs_our_lstm_through_the_custom_hub(harness_run, lstm):
    bridge, _, report, frame = harness_run
    assert set(report["test_type"]) == {"lowercase", "add_tabs", "uppercase"}
    assert set(frame.columns) >= {"test_type", "original", "test_case", "expected_result", "actual_result", "pass"}
    assert len(frame) > 500
    # labels come back as the sample's "0"/"1", and agree with our own predictions of the same texts
    assert set(frame["expected_result"]) | set(frame["actual_result"]) <= {"0", "1"}
    some = frame.sample(20, random_state=0)
    ours = lstm.predict_proba(list(some["test_case"])).argmax(axis=1)
    assert list(some["actual_result"]) == [str(i) for i in ours]
    # LangTest asked for each text one at a time, as its custom hub does; the bridge saw every one of them
    assert bridge.n_calls == len(bridge.recorded) >= len(set(frame["test_case"]))


def test_langtest_pass_rates_match_a_recount_from_its_cases(harness_run):
    _, _, report, frame = harness_run
    for row in report.to_dict("records"):
        cases = frame[frame["test_type"] == row["test_type"]]
        recount = (cases["expected_result"] == cases["actual_result"]).mean()
        assert recount == pytest.approx(cases["pass"].mean())
        assert row["pass_rate"] == f"{round(recount * 100)}%"


def test_bridge_label_mapping_and_errors():
    class Tiny:
        labels = ("negative", "positive")

        def predict_proba(self, texts):
            return np.array([[0.3, 0.7]] * len(texts))

    assert LangTestModel(Tiny()).predict("x") == "1"
    assert LangTestModel(Tiny(), output_labels={"negative": "neg", "positive": "pos"}).predict("x") == "pos"
    with pytest.raises(ModelError, match="no entry"):
        LangTestModel(Tiny(), output_labels={"positive": "1"})
    with pytest.raises(ModelError, match="must be strings"):
        LangTestModel(Tiny(), output_labels={"negative": 0, "positive": 1})


def test_langtest_engine_converts_to_our_results_format(lstm, langtest_sample, tmp_path):
    dataset = sample_dataset(load_dataset(langtest_sample), 60, seed=0)
    config = json.loads(json.dumps(CHEAP))
    config["tests"]["defaults"]["min_cases"] = 10
    theirs = run_langtest_suite(lstm, dataset, config, seed=1)
    ours = run_suite(lstm, dataset, config, seed=1)
    a, b = theirs.to_dict(), ours.to_dict()
    assert a["engine"] == "langtest" and b["engine"] == "robustness"
    assert set(b) <= set(a)
    assert [t["name"] for t in a["tests"]] == [t["name"] for t in b["tests"]]
    for lt, mine in zip(a["tests"], b["tests"]):
        assert set(mine) <= set(lt)
        assert lt["n_cases"] <= 60 and lt["n_unpaired"] == 0
        assert 0.0 <= lt["pass_rate"] <= 1.0 and lt["status"] in ("pass", "fail", "insufficient")
    # casing is deterministic in both engines: identical perturbed texts, hence identical verdicts
    lower_lt = {c["case_id"]: c for c in theirs.iter_cases() if c["test"] == "lowercase"}
    lower_ours = {c["case_id"]: c for c in ours.iter_cases() if c["test"] == "lowercase" and c["applicable"]}
    assert lower_ours.keys() <= lower_lt.keys()
    for case_id, case in lower_ours.items():
        assert lower_lt[case_id]["perturbed"] == case["perturbed"]
        assert lower_lt[case_id]["passed"] == case["passed"] == lower_lt[case_id]["langtest_pass"]
    assert a["clean"] == b["clean"]
    run_dir = write_run(theirs, tmp_path / "lt")
    assert json.loads((run_dir / "results.json").read_text())["engine"] == "langtest"


@pytest.mark.parametrize("original, perturbed", [
    ("A good film.", "A GOOD FILM."),
    ("A good film.", "A good film.\tReally."),
    ("one two three", "one three"),
    ("", "added"),
    ("same", "same"),
])
def test_diff_edits_rebuild_the_perturbed_text(original, perturbed):
    from perturbations import Edit, apply_edits

    edits = [Edit(*e) for e in diff_edits(original, perturbed)]
    assert apply_edits(original, edits) == perturbed
    assert (not edits) == (original == perturbed)


def test_a_model_failing_inside_langtest_is_our_model_runtime_error(langtest_sample):
    from model_adapters.callable_adapter import CallableModel
    from robustness.errors import ModelRuntimeError

    def broken(texts):
        raise RuntimeError("weights missing")

    dataset = sample_dataset(load_dataset(langtest_sample), 10, seed=0)
    with pytest.raises(ModelRuntimeError, match="weights missing"):
        run_langtest_suite(CallableModel(broken, name="broken"), dataset, json.loads(json.dumps(CHEAP)))
