"""Helpers the CLI and data tests share: run a command in process, check a one-line user error, write a small
reviews CSV, and catch the DataError a bad file gives. Imported as `tests.robustness.helpers` (pytest runs with
import-mode=importlib, so test modules cannot import conftest or each other)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
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


# The tiny loop the loop tests share: a suite the tiny LSTM fails (so the augmenter makes rows), on a tiny archive.
TINY_LOOP_SUITE = """
tests:
  defaults: {min_pass_rate: 0.99, min_cases: 5}
  robustness:
    lowercase: {min_pass_rate: 0.5}
    add_ocr_typo: {}
    add_typo: {}
    sentiment_antonym_swap: {min_pass_rate: 1.0}
harness: {seed: 3}
"""


def tiny_loop_config(root: Path, archive: Path, sample: int = 40, fresh_seed: int | None = None, **sections):
    """A validated loop config over `archive` with TINY_LOOP_SUITE (written to ROOT/suite.yml); `sections` are
    added or replace the defaults here (e.g. holdout=..., guards=..., fix=...)."""
    from robustness.loop.config import loop_config_from_dict

    (root / "suite.yml").write_text(TINY_LOOP_SUITE, encoding="utf-8")
    return loop_config_from_dict({
        "model": {"preset": "tiny", "epochs": 2},
        "data": {"path": str(archive)},
        "suite": {"config": str(root / "suite.yml"), "sample": sample, "seed": 3, "fresh_seed": fresh_seed},
        "augment": {"ratio": 0.5, "seed": 5, "margin": 0.01},
        "fix": {"candidates": ["augment"]},   # the augmented retrain is the 'after' model, whatever the rule says
    } | sections)


@dataclass(frozen=True)
class OpenLSTM:
    """Opens an LSTM in an executor's worker (a process or a Ray actor); with `marker`, the first worker to predict
    creates that file and dies on the spot, as a worker killed mid-run would."""

    path: str
    marker: str | None = None

    def __call__(self):
        import os

        from model_adapters import load_model

        model = load_model(self.path)
        if self.marker is None:
            return model
        marker = Path(self.marker)

        class DiesOnce:
            labels = model.labels

            def predict_proba(self, texts):
                if not marker.exists():
                    marker.write_text(str(os.getpid()))
                    os._exit(1)
                return model.predict_proba(texts)

        return DiesOnce()
