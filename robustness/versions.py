"""The versions every record carries (results.json, compare.json, loop summary, evaluation), from one place.

Read from package metadata, so recording them imports neither torch nor langtest: a suite run on a
bag-of-words model stays fast, and the versions are those installed, whichever the model loaded.
"""

from __future__ import annotations

import platform
from importlib import metadata

import robustness

PACKAGES = ("numpy", "torch", "langtest", "scikit-learn")


def versions() -> dict:
    """{"harness", "python", and each of PACKAGES: its installed version, or None where it is missing}."""
    found = {"harness": robustness.__version__, "python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


__all__ = ["versions"]
