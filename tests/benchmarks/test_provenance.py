"""benchmarks/provenance.py: which paths a benchmark record may keep.

A record refuses paths under the temp dir (they vanish while the record stays), but a path inside the repository is
kept relative to it and so means the same in any clone: a clone under /tmp must still record its own
robustness/configs/default.yml. The repository and temp dir are pointed at folders of this test's own, laid out as
each case needs.
"""

from __future__ import annotations

import tempfile

import provenance
import pytest


@pytest.fixture
def layout(tmp_path, monkeypatch):
    """`repo, temp = layout(repo, temp)`: the module's repository and the process's temp dir set to those folders."""
    def point(repo, temp):
        repo.mkdir(parents=True, exist_ok=True)
        temp.mkdir(parents=True, exist_ok=True)
        monkeypatch.setattr(provenance, "REPO", repo.resolve())
        monkeypatch.setattr(provenance, "WORK", repo.resolve() / "runs" / "benchmarks")
        monkeypatch.setattr(tempfile, "tempdir", str(temp))
        return repo, temp
    return point


def test_a_file_of_the_real_repository_is_recorded_relative_to_it():
    assert provenance.record_path(provenance.__file__) == "benchmarks/provenance.py"


def test_a_repository_under_the_temp_dir_records_its_own_files(tmp_path, layout):
    repo, temp = layout(tmp_path / "temp" / "clone", tmp_path / "temp")
    config = repo / "robustness" / "configs" / "default.yml"
    config.parent.mkdir(parents=True)
    config.write_text("tests: {}\n")
    assert provenance.record_path(config) == "robustness/configs/default.yml"
    assert provenance.record_path(repo / "runs" / "benchmarks" / "bias_run") == "runs/benchmarks/bias_run"
    assert provenance.record_path(repo) == "."


def test_a_path_under_the_temp_dir_outside_the_repository_is_still_refused(tmp_path, layout):
    repo, temp = layout(tmp_path / "temp" / "clone", tmp_path / "temp")
    for path in (temp / "bias_run", temp / "clone-2" / "runs", temp):
        with pytest.raises(SystemExit, match=r"is under the temporary directory .*; use a lasting place such as "
                                             r"runs/benchmarks/"):
            provenance.record_path(path)
    # a sibling whose name merely starts like the repository's is not inside it
    with pytest.raises(SystemExit, match="temporary directory"):
        provenance.record_path(temp / "clone_old" / "default.yml")


def test_a_temp_dir_inside_the_repository_still_refuses_what_is_below_it(tmp_path, layout):
    """TMPDIR=./tmp in a checkout: what lands there vanishes like any temp file, though it is inside the repo."""
    repo, temp = layout(tmp_path / "repo", tmp_path / "repo" / "tmp")
    with pytest.raises(SystemExit, match="temporary directory"):
        provenance.record_path(temp / "bias_run")
    assert provenance.record_path(repo / "runs" / "bias_run") == "runs/bias_run"


def test_paths_outside_both_are_kept_absolute(tmp_path, layout):
    layout(tmp_path / "repo", tmp_path / "temp")
    elsewhere = tmp_path / "models" / "lstm"
    assert provenance.record_path(elsewhere) == str(elsewhere.resolve())
