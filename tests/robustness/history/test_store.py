"""The run store: a real SQLite file, schema-versioned, two writers at once, and a broken store that costs a run
nothing but one line."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap

import pytest

from robustness.history.record import remember
from robustness.history.store import SCHEMA_VERSION, HistoryError, RunStore


def _run(n: int, passed: bool = True, spec: str = "models/a") -> tuple[dict, list[dict]]:
    return ({"kind": "test", "created_at": f"2026-12-0{n}T00:00:00Z", "run_dir": f"/runs/{n}", "model_spec": spec,
             "passed": int(passed), "clean_accuracy": 0.8 + n / 100},
            [{"name": "add_typo", "category": "robustness", "n": 100, "pass_rate": 0.9 + n / 100, "ci_low": 0.85,
              "ci_high": 0.95, "threshold": 0.9, "status": "pass" if passed else "fail"}])


def test_a_run_is_recorded_with_its_tests_and_tags_and_read_back(tmp_path):
    path = tmp_path / "h.sqlite"
    ids, problem = remember([_run(1), _run(2, passed=False)], ["release-1.3"], path)
    assert problem is None and ids == [1, 2]
    with RunStore(path) as store:
        assert [run["id"] for run in store.runs()] == [2, 1]  # newest first
        assert store.run(1)["tags"] == ["release-1.3"] and store.run(1)["model_spec"] == "models/a"
        assert store.tests(2)[0]["pass_rate"] == pytest.approx(0.92)
        assert [run["id"] for run in store.runs(passed=True)] == [1]
        store.tag(2, ["candidate"])
        assert [run["id"] for run in store.runs(tag="candidate")] == [2]
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
        with pytest.raises(HistoryError, match="no run 9"):
            store.run(9)


def test_two_processes_recording_at_once_are_both_in_the_store(tmp_path):
    path = tmp_path / "h.sqlite"
    RunStore(path).close()
    script = textwrap.dedent(f"""
        import sys
        from robustness.history.record import remember
        for i in range(25):
            ids, problem = remember([({{"kind": "test", "created_at": "now", "model_spec": sys.argv[1]}}, [
                {{"name": "t", "pass_rate": 0.5, "status": "pass"}}])], [], {str(path)!r})
            assert problem is None, problem
    """)
    writers = [subprocess.Popen([sys.executable, "-c", script, name]) for name in ("a", "b")]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    with RunStore(path) as store:
        runs = store.runs()
    assert len(runs) == 50 and sorted({run["model_spec"] for run in runs}) == ["a", "b"]


def test_an_older_store_is_upgraded_in_place_and_a_newer_one_refused(tmp_path):
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("INSERT INTO meta VALUES ('schema_version', '0')")
    db.commit()
    db.close()
    with RunStore(path) as store:  # version 0: every migration runs
        assert store.record(*_run(1)) == 1
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    db.commit()
    db.close()
    with pytest.raises(HistoryError, match="newer than this robustness knows"):
        RunStore(path)


def test_a_corrupt_or_locked_store_is_one_line_and_never_raises_from_remember(tmp_path):
    corrupt = tmp_path / "corrupt.sqlite"
    corrupt.write_bytes(b"this is not a database at all" * 100)
    ids, problem = remember([_run(1)], [], corrupt)
    assert ids == [] and "\n" not in problem and "not a readable run store" in problem and str(corrupt) in problem

    locked = tmp_path / "locked.sqlite"
    RunStore(locked).close()
    holder = sqlite3.connect(locked, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    import robustness.history.store as store_module

    timeout, store_module.BUSY_TIMEOUT_S = store_module.BUSY_TIMEOUT_S, 0.2
    try:
        ids, problem = remember([_run(1)], [], locked)
    finally:
        store_module.BUSY_TIMEOUT_S = timeout
        holder.execute("ROLLBACK")
    assert ids == [] and "locked" in problem and "\n" not in problem


def test_a_version_1_store_keeps_its_runs_and_gains_the_metric_column(tmp_path):
    from robustness.history.store import MIGRATIONS

    path = tmp_path / "v1.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    for statement in MIGRATIONS[1]:
        db.execute(statement)
    db.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    db.execute("INSERT INTO runs (kind, created_at) VALUES ('test', '2026-11-01T00:00:00Z')")
    db.execute("INSERT INTO tests (run_id, name, score) VALUES (1, 'min_gender_representation_count', 12)")
    db.commit()
    db.close()
    with RunStore(path) as store:
        assert store.tests(1) == [{"run_id": 1, "name": "min_gender_representation_count", "category": None,
                                   "kind": None, "n": None, "pass_rate": None, "ci_low": None, "ci_high": None,
                                   "threshold": None, "score": 12.0, "status": None, "metric": None}]
        run_id = store.record({"kind": "test", "created_at": "2026-12-06T00:00:00Z"},
                              [{"name": "min_gender_representation_count", "score": 15, "metric": "count"}])
        assert store.tests(run_id)[0]["metric"] == "count"
