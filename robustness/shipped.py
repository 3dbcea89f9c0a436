"""Configs shipped inside the package (robustness/configs/*.yml), found by name from any working directory.

`--config suite_95` and `suite: {config: suite_95}` mean robustness/configs/suite_95.yml wherever the command
runs; a path that exists always wins over a name.
"""

from __future__ import annotations

from pathlib import Path

from robustness.errors import ConfigError

SHIPPED_DIR = Path(__file__).resolve().parent / "configs"
SUFFIXES = (".yml", ".yaml", ".json")


def shipped_names() -> list[str]:
    return sorted(path.stem for path in SHIPPED_DIR.iterdir() if path.suffix in SUFFIXES)


def resolve_config_path(path_or_name: str | Path, what: str = "config") -> Path:
    """The file `path_or_name` names: a path when one exists there, else a shipped config of that name (with or
    without its .yml); otherwise a ConfigError listing the shipped names."""
    path = Path(path_or_name)
    if path.is_file():
        return path
    if len(path.parts) == 1:  # a bare name, never a path that merely does not exist
        for candidate in (SHIPPED_DIR / path.name, *(SHIPPED_DIR / f"{path.name}{suffix}" for suffix in SUFFIXES)):
            if candidate.is_file():
                return candidate
    raise ConfigError(f"{what} file {path_or_name} does not exist and is not a shipped config name; pass a path "
                      f"or one of: {', '.join(shipped_names())}")
