"""Find the IMDB archive locally, or download the official one with a checksum check.

Downloads go to a temp file and are renamed into the cache only after the sha256 matches.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import urllib.request
from pathlib import Path

from model_adapters.progress import progress_bar
from robustness.errors import DataError
from robustness.files import atomic_path

IMDB_URL = "http://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
IMDB_BYTES = 84_125_825
IMDB_SHA256 = "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe"
# The labeled-only copy shipped beside the project (same layout, no unsup/ reviews).
LOCAL_CANDIDATES = ("aclImdb_v1.tar.gz", "aclImdb_v1_labeled.tar.gz")


def default_cache_dir() -> Path:
    return Path(os.environ.get("ROBUSTNESS_CACHE", Path.home() / ".cache" / "sentiment-robustness"))


def find_imdb_archive(cache_dir: Path | None = None, project_root: Path | None = None) -> Path | None:
    """The first archive found in the cache, then in ../shared/data beside the project."""
    root = project_root or Path(__file__).resolve().parents[2]
    places = [cache_dir or default_cache_dir(), root.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"]
    for place in places:
        for name in LOCAL_CANDIDATES:
            candidate = place / name
            if candidate.is_file():
                return candidate
    return None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download_imdb(cache_dir: Path | None = None, url: str = IMDB_URL, expected_sha256: str = IMDB_SHA256,
                  progress: bool = True) -> Path:
    """Download the official archive into the cache; a checksum mismatch leaves nothing behind."""
    target = (cache_dir or default_cache_dir()) / "aclImdb_v1.tar.gz"
    if target.is_file() and sha256_of(target) == expected_sha256:
        return target
    try:
        with atomic_path(target) as tmp:
            with urllib.request.urlopen(url, timeout=60) as response, open(tmp, "wb") as out:
                declared = response.headers.get("Content-Length")
                bar = _progress_bar(int(declared or IMDB_BYTES), progress)
                received = 0
                for block in iter(lambda: response.read(1 << 20), b""):
                    out.write(block)
                    received += len(block)
                    bar.update(len(block))
                bar.close()
            if declared and declared.isdigit() and received != int(declared):
                raise DataError(f"{url}: connection closed after {received} of {declared} bytes; try again later")
            actual = sha256_of(tmp)
            if actual != expected_sha256:
                raise DataError(f"{url}: downloaded file has sha256 {actual}, expected {expected_sha256}; try again later")
    except (OSError, ValueError, http.client.HTTPException) as exc:
        # OSError: refused, timed out, HTTP error status; HTTPException: connection cut mid-file; ValueError: bad URL
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise DataError(
            f"cannot download {url} ({reason}); put aclImdb_v1.tar.gz in {target.parent} or pass --data PATH"
        ) from exc
    return target


def resolve_imdb(cache_dir: Path | None = None) -> Path:
    """A local archive when there is one, otherwise the downloaded official archive."""
    return find_imdb_archive(cache_dir) or download_imdb(cache_dir)


def _progress_bar(total: int, enabled: bool):
    return progress_bar(total, "aclImdb_v1.tar.gz", "B", enabled, unit_scale=True)
