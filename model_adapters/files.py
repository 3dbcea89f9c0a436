"""The one way this project writes files: to a temp file beside the target, then an atomic rename.

Readers therefore see either the old file or the complete new one, never a half-written output.
A leaf module, usable from every package.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterator

from model_adapters.errors import UsageError


def ensure_writable_dir(path: str | os.PathLike) -> Path:
    """Create `path` if needed and check we can write there, so a long job fails before it starts."""
    directory = Path(path)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create output directory {directory}: {exc.strerror}; choose a writable path") from exc
    if not os.access(directory, os.W_OK):
        raise UsageError(f"output directory {directory} is not writable; choose a writable path")
    return directory


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temp path beside `target`; on success it is renamed onto `target`, on error removed."""
    target = Path(target)
    if target.is_dir():
        raise UsageError(f"output {target} is a directory; pass a file path, e.g. {target / 'report.html'}")
    ensure_writable_dir(target.parent if str(target.parent) else ".")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror}; choose a writable path") from exc
    os.close(fd)
    tmp = Path(tmp_name)
    os.chmod(tmp, 0o666 & ~_current_umask())  # mkstemp makes 0600; outputs get the usual permissions
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes(target: str | os.PathLike, data: bytes) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text(target: str | os.PathLike, text: str) -> Path:
    return write_bytes(target, text.encode("utf-8"))


def write_json(target: str | os.PathLike, payload: Any) -> Path:
    return write_text(target, json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def read_json_object(path: str | os.PathLike, what: str, error: type[Exception], fix: str) -> dict:
    """A JSON object from `path`, or one `error` line naming the file, what is wrong and `fix`."""
    path = Path(path)
    if not path.is_file():
        raise error(f"{what} file {path} does not exist; {fix}")
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"cannot read {what} file {path}: {exc}; {fix}") from None
    except json.JSONDecodeError as exc:
        raise error(f"{what} file {path} is not valid JSON (line {exc.lineno}: {exc.msg}); {fix}") from None
    if not isinstance(payload, dict):
        raise error(f"{what} file {path} must hold a JSON object, found {type(payload).__name__}; {fix}")
    return payload
