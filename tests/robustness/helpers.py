"""Helpers the CLI and data tests share: run a command in process, check a one-line user error, write a small
reviews CSV, and catch the DataError a bad file gives. Imported as `tests.robustness.helpers` (pytest runs with
import-mode=importlib, so test modules cannot import conftest or each other)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Callable

import pytest

from robustness.cli.app import main
from robustness.data.datasets import Dataset, load_dataset
from robustness.errors import DataError


def run_cli(args, capsys) -> tuple[int, str, str]:
    """`robustness ARGS` in this process: (exit code, stdout, stderr). Paths and numbers may be passed as they are."""
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    captured = capsys.readouterr()
    return info.value.code, captured.out, captured.err


def assert_user_error(result, *fragments, code=2):
    """A user error: exit `code`, one line "error: ..." on stderr holding every fragment, no traceback."""
    exit_code, out, err = result
    assert exit_code == code, (exit_code, out, err)
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err + out
    for fragment in fragments:
        assert fragment in err, (fragment, err)


def write_reviews_csv(path: Path, data: Dataset, n: int, label: Callable[[str], object] = str) -> Path:
    """The first `n` reviews of `data` as an id,text,label CSV (`label` may recode them, e.g. to 1/0)."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", "label"])
        for i in range(n):
            writer.writerow([data.ids[i], data.texts[i], label(data.labels[i])])
    return path


def load_error(path, **kwargs) -> str:
    """The one-line DataError `load_dataset(path, **kwargs)` raises."""
    with pytest.raises(DataError) as info:
        load_dataset(path, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    return message
