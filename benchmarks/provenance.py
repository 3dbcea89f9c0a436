"""What every benchmark record carries: the git commit it ran on, and no path that vanishes with a temp dir.

Scripts in benchmarks/ import this directly (Python puts a script's own folder on sys.path); scripts in
benchmarks/analysis/ put benchmarks/ on sys.path first.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "runs" / "benchmarks"  # default home of the models and runs a record names (git-ignored)


def git_commit() -> dict:
    """{"git_commit": full hash, "git_dirty": uncommitted changes to tracked files}; None where git cannot say."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=30)
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                                capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return {"git_commit": None, "git_dirty": None}
    if head.returncode != 0:
        return {"git_commit": None, "git_dirty": None}
    dirty = bool(status.stdout.strip()) if status.returncode == 0 else None
    return {"git_commit": head.stdout.strip(), "git_dirty": dirty}


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def record_path(path) -> str:
    """A path as a record keeps it: relative to the repository when inside it; refused under the temp dir.

    The temp-dir rule is for files that vanish while the record stays (a pytest or mktemp folder). A path inside
    the repository is recorded relative to it, and so means the same in any clone, even one under /tmp; only a temp
    dir inside the repository (TMPDIR=./tmp) still refuses the paths below it.
    """
    resolved = Path(path).expanduser().resolve()
    temp = Path(tempfile.gettempdir()).resolve()
    in_repo = _within(resolved, REPO)
    if _within(resolved, temp) and not (in_repo and _within(REPO, temp)):
        raise SystemExit(f"error: {path} is under the temporary directory {temp}, which a benchmark record must not "
                         f"point at; use a lasting place such as {WORK.relative_to(REPO)}/")
    return resolved.relative_to(REPO).as_posix() if in_repo else str(resolved)
