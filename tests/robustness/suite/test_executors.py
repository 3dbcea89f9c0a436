"""The executors: local worker processes and a real local Ray cluster give the same results.json and cases file as
one process, whatever the number of workers, and a worker that dies is replaced and its slices run again."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from tests.robustness import helpers
from tests.robustness.helpers import OpenLSTM

SUITE = {
    "tests": {"defaults": {"min_pass_rate": 0.9, "min_cases": 5},
              "robustness": {"add_typo": {}, "uppercase": {}, "adjective_antonym_swap": {}},
              "bias": {"replace_to_female_pronouns": {}, "group_gap_gender": {"max_gap": 0.2}}},
    "harness": {"seed": 5, "batch_size": 64},
}


@pytest.fixture(scope="module")
def cluster():
    ray = pytest.importorskip("ray")
    ray.cloudpickle.register_pickle_by_value(helpers)  # Ray's workers cannot import the tests' modules
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def reviews(imdb_archive):
    from robustness.data.datasets import Dataset, load_dataset, sample_dataset

    sample = sample_dataset(load_dataset(imdb_archive, "test"), 300, seed=3)  # three slices of 128 reviews
    texts = list(sample.texts)
    texts[260] = texts[5]  # a review in the first and the third slice (IMDB has duplicates): predicted per slice
    return Dataset(ids=sample.ids, texts=tuple(texts), labels=sample.labels, source=sample.source)


def _run(model_dir, reviews, work_dir: Path, executor=None):
    from model_adapters import load_model
    from robustness.suite.run import run_suite, write_run

    result = run_suite(load_model(model_dir), reviews, SUITE, work_dir=work_dir, executor=executor)
    write_run(result, work_dir)
    results = json.loads((work_dir / "results.json").read_text())
    with gzip.open(work_dir / "cases.jsonl.gz", "rt", encoding="utf-8") as handle:
        cases = handle.read()
    return results, cases


def _without_timings(results: dict) -> dict:
    return {key: value for key, value in results.items() if key not in ("timings", "created_at")}


def test_ray_gives_the_local_results_and_cases_whatever_the_number_of_workers(cluster, tiny_lstm_dir, reviews,
                                                                             tmp_path):
    from robustness.suite.executors import RayExecutor

    local, local_cases = _run(tiny_lstm_dir, reviews, tmp_path / "local")
    assert local["gate"] and local_cases.count("\n") == 4 * 300  # four perturbation tests, every review
    for workers in (1, 2):
        executor = RayExecutor(OpenLSTM(str(tiny_lstm_dir)), workers=workers, log=lambda _: None)
        results, cases = _run(tiny_lstm_dir, reviews, tmp_path / f"ray{workers}", executor)
        assert _without_timings(results) == _without_timings(local)
        assert cases == local_cases
        assert results["timings"]["executor"] == {"name": "ray", "address": "local", "workers": workers,
                                                  "retried_slices": []}
        assert results["timings"]["n_unique_texts"] >= local["timings"]["n_unique_texts"]


def test_a_worker_that_dies_is_replaced_and_its_slices_run_again(cluster, tiny_lstm_dir, reviews, tmp_path):
    from robustness.suite.executors import RayExecutor

    local, local_cases = _run(tiny_lstm_dir, reviews, tmp_path / "local")
    said = []
    executor = RayExecutor(OpenLSTM(str(tiny_lstm_dir), marker=str(tmp_path / "died")), workers=2, log=said.append)
    results, cases = _run(tiny_lstm_dir, reviews, tmp_path / "ray", executor)
    assert (tmp_path / "died").is_file()  # a worker did die
    retried = results["timings"]["executor"]["retried_slices"]
    assert len(retried) == 1 and retried[0]["reviews"][0] % 128 == 0
    assert said and "a worker died on reviews" in said[0]
    assert cases == local_cases and _without_timings(results) == _without_timings(local)  # nothing dropped


@pytest.mark.parametrize("command", ["test", "loop"])
def test_a_ray_address_without_the_ray_executor_is_one_line(command, tmp_path, capsys):
    from tests.robustness.helpers import assert_user_error, run_cli

    args = ["--model", "no_model", "--out", tmp_path / "out"] if command == "test" else ["--out", tmp_path / "out"]
    assert_user_error(run_cli([command, *args, "--ray-address", "127.0.0.1:6379"], capsys), "--executor ray")
    assert not (tmp_path / "out").exists()


def test_local_worker_processes_give_the_in_process_results_and_survive_a_death(tiny_lstm_dir, reviews, tmp_path):
    from robustness.suite.executors import ProcessExecutor, executor_for

    assert executor_for("local", OpenLSTM(str(tiny_lstm_dir)), None, 1) is None  # one worker: this process
    local, local_cases = _run(tiny_lstm_dir, reviews, tmp_path / "local")
    executor = executor_for("local", OpenLSTM(str(tiny_lstm_dir)), None, 2)
    assert isinstance(executor, ProcessExecutor)
    results, cases = _run(tiny_lstm_dir, reviews, tmp_path / "two", executor)
    assert cases == local_cases and _without_timings(results) == _without_timings(local)
    assert results["timings"]["executor"]["name"] == "processes" and results["timings"]["executor"]["workers"] == 2
    said = []
    dying = ProcessExecutor(OpenLSTM(str(tiny_lstm_dir), marker=str(tmp_path / "died")), 2, said.append)
    results, cases = _run(tiny_lstm_dir, reviews, tmp_path / "dying", dying)
    assert (tmp_path / "died").is_file() and len(results["timings"]["executor"]["retried_slices"]) == 1
    assert said and cases == local_cases and _without_timings(results) == _without_timings(local)


def test_the_test_command_runs_on_ray_with_the_local_results(cluster, tiny_lstm_dir, imdb_archive, tmp_path, capsys):
    from tests.robustness.helpers import run_cli

    (tmp_path / "suite.yml").write_text(json.dumps(SUITE), encoding="utf-8")
    runs = {}
    for name, extra in (("local", []), ("ray", ["--executor", "ray", "--workers", "2"])):
        code, _, err = run_cli(["test", "--model", tiny_lstm_dir, "--config", tmp_path / "suite.yml", "--data",
                                imdb_archive, "--sample", 200, "--out", tmp_path / name, "--no-progress", *extra],
                               capsys)
        assert code in (0, 1), err
        runs[name] = json.loads((tmp_path / name / "results.json").read_text())
    assert _without_timings(runs["ray"]) == _without_timings(runs["local"])
    assert runs["ray"]["timings"]["executor"]["workers"] == 2
