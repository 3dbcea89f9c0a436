"""Imports flow one way (docs: STYLE.md): perturbations, model_adapters and reports sit at the bottom and
import no other project package (model_adapters only itself); robustness, the engine, imports all three.

Every import is read from the AST, those inside functions too (a lazy import is still a dependency), and
relative imports are resolved against the importing module, so `from ..errors import X` cannot hide one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ("perturbations", "model_adapters", "reports", "robustness")
# package -> the project packages it may import (itself always); tests/ and benchmarks/ have no rule
ALLOWED = {
    "perturbations": {"perturbations"},
    "model_adapters": {"model_adapters"},
    "reports": {"reports"},
    "robustness": set(PROJECT),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) for every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]  # a module's relative imports start from its package
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.append((node.lineno, name))
    return found


def upward_imports(package: str) -> list[str]:
    """'file:line imports X' for each import of a project package that `package` may not import."""
    problems = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for line, name in imported_modules(path):
            top = name.split(".")[0]
            if top in PROJECT and top not in ALLOWED[package]:
                problems.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    return problems


@pytest.mark.parametrize("package", PROJECT)
def test_imports_flow_one_way(package):
    problems = upward_imports(package)
    allowed = ", ".join(sorted(ALLOWED[package]))
    assert not problems, (f"{package}/ may import only {allowed} among the project packages (see STYLE.md); "
                          f"move the shared code down or the caller up:\n  " + "\n  ".join(problems))


def test_every_package_is_walked():
    """A new top-level package needs a rule here before it can hide an upward import."""
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "benchmarks"}
    assert packages == set(PROJECT)
    assert all(len(list((ROOT / package).rglob("*.py"))) >= 2 for package in PROJECT)


def test_tests_and_benchmarks_have_no_rule():
    """They sit above everything and may import any package: they are walked only to show they do."""
    assert "tests" not in ALLOWED and "benchmarks" not in ALLOWED
    for folder in ("tests", "benchmarks"):
        used = {name.split(".")[0] for path in (ROOT / folder).rglob("*.py") for _, name in imported_modules(path)}
        assert {"robustness", "model_adapters"} <= used, folder  # crossing layers here is fine


def test_the_walker_sees_lazy_and_relative_imports(tmp_path, monkeypatch):
    """The rule is only as good as the walker: an import inside a function and a relative import both count."""
    package = tmp_path / "perturbations"
    package.mkdir()
    (package / "__init__.py").write_text("from .base import x\n")
    (package / "lazy.py").write_text("def f():\n    from robustness.errors import DataError\n    return DataError\n")
    (package / "rel.py").write_text("from ..reports import render\nimport model_adapters.labels as labels\n")
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    assert imported_modules(package / "__init__.py") == [(1, "perturbations.base")]
    assert upward_imports("perturbations") == [
        "perturbations/lazy.py:2 imports robustness.errors",
        "perturbations/rel.py:1 imports reports",
        "perturbations/rel.py:2 imports model_adapters.labels",
    ]
