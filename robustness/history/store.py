"""The run store: one SQLite file remembering every `test`, `loop` and `compare` run, so a release can be gated
against the last one that passed and a test's pass rate followed across releases.

WAL mode lets two runs record at once (each record is one transaction, retried while the other holds the lock);
the schema is versioned in `meta` and upgraded in place by MIGRATIONS. Nothing here ever raises anything but
HistoryError (one line, naming the file), so a caller can keep its own results whatever the store's state.
"""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path

from robustness.data.download import default_cache_dir
from robustness.errors import RobustnessError

SCHEMA_VERSION = 2
BUSY_TIMEOUT_S = 30.0
ENV_VAR = "ROBUSTNESS_HISTORY"

# version -> the statements that bring a store from the version before it to this one
MIGRATIONS = {
    1: [
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,                 -- test | loop | compare
            created_at TEXT NOT NULL,
            run_dir TEXT,
            model_spec TEXT, model_kind TEXT, model_fingerprint TEXT,
            data_path TEXT, data_fingerprint TEXT,
            config_hash TEXT, seed INTEGER,
            passed INTEGER,                     -- the gate: 1, 0, or NULL when the run has none
            clean_accuracy REAL,
            transfer_verdict TEXT, chosen_fix TEXT,
            git_commit TEXT, git_dirty INTEGER,
            extra TEXT NOT NULL DEFAULT '{}'    -- JSON: what a kind records beyond these columns
        )""",
        """CREATE TABLE tests (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            name TEXT NOT NULL, category TEXT, kind TEXT,
            n INTEGER, pass_rate REAL, ci_low REAL, ci_high REAL, threshold REAL, score REAL, status TEXT,
            PRIMARY KEY (run_id, name)
        )""",
        """CREATE TABLE tags (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            tag TEXT NOT NULL,
            PRIMARY KEY (run_id, tag)
        )""",
        "CREATE INDEX tags_by_tag ON tags(tag)",
        "CREATE INDEX tests_by_name ON tests(name, run_id)",
    ],
    2: ["ALTER TABLE tests ADD COLUMN metric TEXT"],  # what a score measures (count, accuracy, gap...): how to show it
}
RUN_COLUMNS = ("kind", "created_at", "run_dir", "model_spec", "model_kind", "model_fingerprint", "data_path",
               "data_fingerprint", "config_hash", "seed", "passed", "clean_accuracy", "transfer_verdict",
               "chosen_fix", "git_commit", "git_dirty")
TEST_COLUMNS = ("name", "category", "kind", "n", "pass_rate", "ci_low", "ci_high", "threshold", "score", "status",
                "metric")


class HistoryError(RobustnessError):
    """The store cannot be read or written: locked past the timeout, corrupt, or not a store at all."""


def default_path() -> Path:
    """`ROBUSTNESS_HISTORY`, else history.sqlite in the cache directory (`ROBUSTNESS_CACHE`)."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    return default_cache_dir() / "history.sqlite"


class RunStore:
    """The store at `path` (created on first write). Use as a context manager or call close()."""

    def __init__(self, path: str | Path, *, create: bool = True):
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise HistoryError(f"history {self.path}: no run store there yet; run `robustness test` first, or pass "
                               f"--history PATH of an existing store")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA foreign_keys = ON")
            mode = self.db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise sqlite3.OperationalError(f"journal mode {mode}, not WAL")
            self._upgrade()
        except (sqlite3.Error, OSError) as exc:
            raise HistoryError(_describe(self.path, exc)) from None

    def __enter__(self) -> "RunStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def _transaction(self):
        try:
            self.db.execute("BEGIN IMMEDIATE")  # the write lock now: a concurrent writer waits (busy timeout)
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise HistoryError(_describe(self.path, exc)) from None

    def _upgrade(self) -> None:
        with self._transaction() as db:
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            version = int(row[0]) if row else 0
            if version > SCHEMA_VERSION:
                raise HistoryError(f"history {self.path}: schema version {version} is newer than this robustness "
                                   f"knows ({SCHEMA_VERSION}); upgrade the package, or pass another --history")
            for target in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[target]:
                    db.execute(statement)
            db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))

    def record(self, run: dict, tests: list[dict], tags: list[str] = ()) -> int:
        """Store one run with its tests and tags in one transaction; returns its RUN_ID."""
        return self.record_all([(run, tests)], tags)[0]

    def record_all(self, runs, tags: list[str] = ()) -> list[int]:
        """Store (run, tests) pairs (a comparison's models) in one transaction: all of them, or none."""
        with self._transaction() as db:
            return [self._insert(db, run, tests, tags) for run, tests in runs]

    @staticmethod
    def _insert(db, run: dict, tests: list[dict], tags) -> int:
        cursor = db.execute(
            f"INSERT INTO runs ({', '.join(RUN_COLUMNS)}, extra) VALUES ({', '.join('?' * len(RUN_COLUMNS))}, ?)",
            [run.get(column) for column in RUN_COLUMNS] + [json.dumps(run.get("extra") or {}, sort_keys=True)])
        run_id = cursor.lastrowid
        db.executemany(
            f"INSERT INTO tests (run_id, {', '.join(TEST_COLUMNS)}) VALUES (?, {', '.join('?' * len(TEST_COLUMNS))})",
            [[run_id] + [test.get(column) for column in TEST_COLUMNS] for test in tests])
        db.executemany("INSERT OR IGNORE INTO tags VALUES (?, ?)", [(run_id, tag) for tag in tags])
        return run_id

    def tag(self, run_id: int, tags: list[str]) -> None:
        self.run(run_id)  # it exists, or a one-line error
        with self._transaction() as db:
            db.executemany("INSERT OR IGNORE INTO tags VALUES (?, ?)", [(run_id, tag) for tag in tags])

    def runs(self, *, kind: str | None = None, tag: str | None = None, limit: int | None = None,
             passed: bool | None = None, newest_first: bool = True) -> list[dict]:
        """Runs, newest first (by RUN_ID: the order they were recorded in), with their tags."""
        where, args = _where({"kind = ?": kind, "id IN (SELECT run_id FROM tags WHERE tag = ?)": tag,
                              "passed = ?": None if passed is None else int(passed)})
        sql = "SELECT * FROM runs" + where
        sql += f" ORDER BY id {'DESC' if newest_first else 'ASC'}" + (" LIMIT ?" if limit else "")
        rows = self._query(sql, args + ([limit] if limit else []))
        return [self._with_tags(row) for row in rows]

    def run(self, run_id: int) -> dict:
        rows = self._query("SELECT * FROM runs WHERE id = ?", [run_id])
        if not rows:
            raise HistoryError(f"history {self.path}: no run {run_id}; `robustness history list` shows the runs")
        return self._with_tags(rows[0])

    def tests(self, run_id: int) -> list[dict]:
        return self._query("SELECT * FROM tests WHERE run_id = ? ORDER BY rowid", [run_id])

    def test_series(self, name: str | None = None, kind: str | None = None) -> list[dict]:
        """Every recorded result of test `name` (None: every test), oldest run first, with the run's columns."""
        sql = ("SELECT tests.*, runs.created_at, runs.model_spec, runs.kind AS run_kind FROM tests "
               "JOIN runs ON runs.id = tests.run_id")
        where, args = _where({"tests.name = ?": name, "runs.kind = ?": kind})
        return self._query(sql + where + " ORDER BY tests.run_id, tests.rowid", args)

    def _with_tags(self, row: dict) -> dict:
        tags = [r["tag"] for r in self._query("SELECT tag FROM tags WHERE run_id = ? ORDER BY tag", [row["id"]])]
        return row | {"tags": tags, "extra": json.loads(row.get("extra") or "{}")}

    def _query(self, sql: str, args) -> list[dict]:
        try:
            return [dict(row) for row in self.db.execute(sql, args).fetchall()]
        except sqlite3.Error as exc:
            raise HistoryError(_describe(self.path, exc)) from None


def _where(conditions: dict) -> tuple[str, list]:
    """" WHERE a AND b" of the conditions whose value is given (not None), and their values in order."""
    given = {clause: value for clause, value in conditions.items() if value is not None and value != ""}
    return (f" WHERE {' AND '.join(given)}" if given else ""), list(given.values())


def _describe(path: Path, exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "not a database" in text or "malformed" in text:
        return (f"history {path}: the file is not a readable run store ({text}); move it aside and a new store "
                f"starts, or pass --history PATH")
    if "locked" in text or "busy" in text:
        return f"history {path}: locked by another process for over {BUSY_TIMEOUT_S:.0f}s ({text}); try again"
    return f"history {path}: {text}"
