"""The one atomic writer: complete files or nothing, with ordinary permissions."""

from __future__ import annotations

import os
import stat

import pytest

from robustness.files import atomic_path, write_json, write_text


def test_written_files_get_umask_permissions_not_mkstemp_0600(tmp_path):
    old = os.umask(0o022)
    try:
        path = write_text(tmp_path / "out.txt", "hello")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_a_failure_leaves_neither_the_target_nor_a_temp_file(tmp_path):
    write_text(tmp_path / "keep.json", "old")
    with pytest.raises(RuntimeError):
        with atomic_path(tmp_path / "keep.json") as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")
    assert (tmp_path / "keep.json").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.json"]


def test_json_refuses_nan_rather_than_writing_invalid_json(tmp_path):
    with pytest.raises(ValueError):
        write_json(tmp_path / "bad.json", {"x": float("nan")})
    assert not (tmp_path / "bad.json").exists()
