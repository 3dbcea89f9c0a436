"""Config files: the shipped ones (robustness/configs/*.yml) found by name from any working directory, and every
YAML/JSON config (suite, loop, ablation, capability templates) read with the same safety checks.

`--config suite_95` and `suite: {config: suite_95}` mean robustness/configs/suite_95.yml wherever the command
runs; a path that exists always wins over a name. Validation is the caller's: this module only parses.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Sequence

import yaml
from pydantic import ValidationError

from robustness.errors import ConfigError

SHIPPED_DIR = Path(__file__).resolve().parent / "configs"
SUFFIXES = (".yml", ".yaml", ".json")
MAX_CONFIG_BYTES = 1_000_000
MAX_ALIASES = 20
MAX_NODES = 20_000
# names pydantic puts in an error's path that the user never wrote (union members, wrapped validators)
UNWRITTEN_LOC = ("TestSpec", "CapabilitySpec", "none", "function-after[...]", "int", "float")


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


def read_config_data(path: Path, what: str = "config") -> Any:
    """Parse a YAML/JSON config file with the same safety checks as a suite config (size, UTF-8, no tags,
    no alias bombs), leaving validation to the caller. Used by the loop config too."""
    if not path.is_file():
        raise ConfigError(f"{what} file {path} does not exist; check the path")
    raw = path.read_bytes()
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: {what} is {len(raw)} bytes, over the {MAX_CONFIG_BYTES}-byte limit; a {what} is a few kB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not valid UTF-8 at byte {exc.start}; save the {what} as UTF-8") from None
    return _parse_json(text, path) if path.suffix.lower() == ".json" else _parse_yaml(text, path)


def one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _parse_json(text: str, path: Path) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg}); fix the syntax") from None


def _parse_yaml(text: str, path: Path) -> Any:
    """safe_load, after refusing what a config never needs: tags (object construction) and alias bombs."""
    try:
        aliases = 0
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, yaml.TagToken):
                line = token.start_mark.line + 1
                tag = "".join(token.value)
                raise ConfigError(f"{path}:{line}: YAML tag '{tag}' is not allowed; write plain mappings, lists, strings and numbers")
            if isinstance(token, yaml.AliasToken):
                aliases += 1
                if aliases > MAX_ALIASES:
                    line = token.start_mark.line + 1
                    raise ConfigError(f"{path}:{line}: more than {MAX_ALIASES} YAML aliases; write the values out instead of '*{token.value}'")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        _check_size(root, path)
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or one_line(exc)
        raise ConfigError(f"{where}: invalid YAML ({problem}); fix the syntax") from None


def _check_size(root, path: Path) -> None:
    """Count nodes with aliases expanded, stopping early: a few aliases can still nest into billions."""
    budget = MAX_NODES
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        budget -= 1
        if budget < 0:
            raise ConfigError(f"{path}: config expands to more than {MAX_NODES} values (nested YAML aliases?); write it out plainly")
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))


def validation_error(exc: ValidationError, source: str, *, prefix: Sequence = (),
                     unknown_key: Callable[[list[str]], str] | None = None, secret_fields: Sequence[str] = ()) -> str:
    """pydantic's first error as one line: file, dotted field path, what is wrong and the value given (never for
    `secret_fields`, which may hold a token). `unknown_key(path)` words the hint for a key the schema lacks."""
    error = exc.errors()[0]
    loc = [str(p) for p in (*prefix, *error["loc"])]
    loc = [p for p in loc if p not in UNWRITTEN_LOC and not p.startswith("dict[")]
    field = ".".join(loc) or "<root>"
    if error["type"] == "extra_forbidden":
        return f"{source}: {field}: unknown key; {unknown_key(loc) if unknown_key else 'remove it'}"
    if error["type"] == "missing":
        return f"{source}: {field}: required field is missing"
    msg = error["msg"]
    # a validator of ours wrote the words after pydantic's "Value error, ": they keep their case (quoted names)
    said = msg[len("Value error, "):] if msg.startswith("Value error, ") else msg.lower()
    said = said[:1].lower() + said[1:]
    if field in secret_fields:
        return f"{source}: {field}: {said}"
    value = error.get("input")
    shown = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
    return f"{source}: {field}: {said} (got {shown})"
