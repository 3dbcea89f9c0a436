"""The real download code against a real HTTP server on 127.0.0.1 serving a tiny archive. No internet."""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import io
import socket
import tarfile
import threading
from pathlib import Path

import pytest

from robustness.data.datasets import load_dataset
from robustness.data.download import download_imdb, find_imdb_archive, resolve_imdb, sha256_of
from robustness.errors import DataError


def tiny_archive_bytes() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for review_id, text in {"train/pos/1_9": b"Loved it.", "test/neg/2_1": b"Hated it."}.items():
            info = tarfile.TarInfo(f"aclImdb/{review_id}.txt")
            info.size = len(text)
            archive.addfile(info, io.BytesIO(text))
    return buffer.getvalue()


ARCHIVE = tiny_archive_bytes()
ARCHIVE_SHA256 = hashlib.sha256(ARCHIVE).hexdigest()


class _Handler(http.server.BaseHTTPRequestHandler):
    """/ok.tar.gz serves the archive; /cut.tar.gz promises the full length and hangs up halfway."""

    def do_GET(self):  # noqa: N802 (http.server's naming)
        if self.path not in ("/ok.tar.gz", "/cut.tar.gz"):
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/gzip")
        self.send_header("Content-Length", str(len(ARCHIVE)))
        self.end_headers()
        self.wfile.write(ARCHIVE if self.path == "/ok.tar.gz" else ARCHIVE[: len(ARCHIVE) // 2])
        self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server_url():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _closed_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def test_download_with_matching_checksum_is_cached_and_loads(server_url, tmp_path):
    path = download_imdb(tmp_path, url=f"{server_url}/ok.tar.gz", expected_sha256=ARCHIVE_SHA256, progress=False)
    assert path == tmp_path / "aclImdb_v1.tar.gz"
    assert path.read_bytes() == ARCHIVE and sha256_of(path) == ARCHIVE_SHA256
    assert _leftovers(tmp_path) == ["aclImdb_v1.tar.gz"]  # no temp file left beside it
    assert load_dataset(path, "train").texts == ("Loved it.",)
    # a second call finds the verified file and does not download again (the URL is now dead)
    again = download_imdb(tmp_path, url=f"http://127.0.0.1:{_closed_port()}/x", expected_sha256=ARCHIVE_SHA256)
    assert again == path


def test_wrong_checksum_leaves_nothing(server_url, tmp_path):
    with pytest.raises(DataError, match=r"has sha256 [0-9a-f]{64}, expected 0{64}; try again later"):
        download_imdb(tmp_path, url=f"{server_url}/ok.tar.gz", expected_sha256="0" * 64, progress=False)
    assert _leftovers(tmp_path) == []


def test_cached_file_with_wrong_checksum_is_replaced(server_url, tmp_path):
    (tmp_path / "aclImdb_v1.tar.gz").write_bytes(b"stale partial download")
    path = download_imdb(tmp_path, url=f"{server_url}/ok.tar.gz", expected_sha256=ARCHIVE_SHA256, progress=False)
    assert path.read_bytes() == ARCHIVE


def test_connection_cut_midway_leaves_nothing(server_url, tmp_path):
    expected = r"cut.tar.gz: connection closed after \d+ of \d+ bytes; try again later"
    with pytest.raises(DataError, match=expected) as info:
        download_imdb(tmp_path, url=f"{server_url}/cut.tar.gz", expected_sha256=ARCHIVE_SHA256, progress=False)
    assert "\n" not in str(info.value)
    assert _leftovers(tmp_path) == []


def test_http_error_status(server_url, tmp_path):
    with pytest.raises(DataError, match=r"cannot download .*missing.tar.gz \(HTTP Error 404.*pass --data PATH"):
        download_imdb(tmp_path, url=f"{server_url}/missing.tar.gz", expected_sha256=ARCHIVE_SHA256, progress=False)
    assert _leftovers(tmp_path) == []


def test_server_down(tmp_path):
    url = f"http://127.0.0.1:{_closed_port()}/aclImdb_v1.tar.gz"
    with pytest.raises(DataError, match=r"cannot download http://127\.0\.0\.1:\d+/aclImdb_v1\.tar\.gz \(.*refused"):
        download_imdb(tmp_path, url=url, expected_sha256=ARCHIVE_SHA256, progress=False)
    assert _leftovers(tmp_path) == []


def test_malformed_url(tmp_path):
    with pytest.raises(DataError, match="cannot download not-a-url"):
        download_imdb(tmp_path, url="not-a-url", expected_sha256=ARCHIVE_SHA256, progress=False)


def test_find_prefers_the_cache(tmp_path, monkeypatch):
    cache, project = tmp_path / "cache", tmp_path / "proj" / "repo"
    (tmp_path / "proj" / "shared" / "data").mkdir(parents=True)
    shared_copy = tmp_path / "proj" / "shared" / "data" / "aclImdb_v1_labeled.tar.gz"
    shared_copy.write_bytes(ARCHIVE)
    monkeypatch.chdir(tmp_path)
    assert find_imdb_archive(cache, project_root=project) == shared_copy
    cache.mkdir()
    (cache / "aclImdb_v1.tar.gz").write_bytes(ARCHIVE)
    assert find_imdb_archive(cache, project_root=project) == cache / "aclImdb_v1.tar.gz"
    monkeypatch.setenv("ROBUSTNESS_CACHE", str(cache))
    assert find_imdb_archive(project_root=project) == cache / "aclImdb_v1.tar.gz"
    assert resolve_imdb(cache) == cache / "aclImdb_v1.tar.gz"  # found locally: no download attempted
