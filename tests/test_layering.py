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


# --- inside the packages: no cycles, imports at the top, the CLI on top of the engine ---------------------------

# Third-party libraries that cost seconds to import or are optional extras: the engine imports them where they are
# used, so `robustness --help` and the commands that do not need them stay fast (and an extra may be missing).
HEAVY = {"torch", "ray", "mlflow", "pandas", "langtest", "sklearn", "transformers", "nlpaug", "pyarrow", "datasets", "skops", "scipy",
         "safetensors"}
MAX_TOP_LEVEL_MODULES = 10


def module_path(name: str, root: Path) -> Path | None:
    base = root.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def module_graph(root: Path = None, packages=PROJECT) -> dict[str, dict[str, list[tuple[int, bool]]]]:
    """module -> {imported project module: [(line, inside a function?)]}. `from package import module` counts as
    an import of that module, so the graph is between files, not packages."""
    root = root or ROOT
    graph = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            name = ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            top = {id(node) for node in tree.body}
            edges = graph.setdefault(name, {})
            for node in ast.walk(tree):
                if not isinstance(node, (ast.Import, ast.ImportFrom)):
                    continue
                lazy = id(node) not in top
                for line, target in _targets(node, path, root):
                    if target.split(".")[0] in packages and module_path(target, root) and target != name:
                        edges.setdefault(target, []).append((line, lazy))
    return graph


def _targets(node, path: Path, root: Path) -> list[tuple[int, str]]:
    if isinstance(node, ast.Import):
        return [(node.lineno, alias.name) for alias in node.names]
    package = ".".join(path.relative_to(root).with_suffix("").parts).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    base = ".".join(package[:len(package) - node.level + 1] + ([node.module] if node.module else [])) \
        if node.level else node.module or ""
    found = []
    for alias in node.names:  # `from pkg import module` imports that module
        submodule = f"{base}.{alias.name}"
        found.append((node.lineno, submodule if module_path(submodule, root) else base))
    return found


def import_cycles(graph) -> list[list[str]]:
    """Strongly connected groups of two or more modules (Tarjan), each sorted: every member imports, through the
    others, itself. Lazy imports count: a cycle hidden in a function is still a cycle."""
    index, low, stack, on_stack, cycles, counter = {}, {}, [], set(), [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_no_import_cycles():
    cycles = import_cycles(module_graph())
    assert not cycles, ("modules import each other in a circle (move the shared piece down into a module both "
                        "import):\n  " + "\n  ".join(" <-> ".join(group) for group in cycles))


def test_a_planted_cycle_is_found(tmp_path):
    package = tmp_path / "robustness"
    (package / "suite").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "suite" / "__init__.py").write_text("")
    (package / "suite" / "config.py").write_text("from robustness.suite import run\n")
    (package / "suite" / "run.py").write_text("def f():\n    from .config import x\n")  # lazy and relative
    (package / "stats.py").write_text("import robustness.suite.config\n")  # on the path, not in the circle
    graph = module_graph(tmp_path, packages=("robustness",))
    assert import_cycles(graph) == [["robustness.suite.config", "robustness.suite.run"]]
    assert graph["robustness.suite.run"] == {"robustness.suite.config": [(2, True)]}


def test_nothing_below_the_cli_imports_it():
    """The CLI sits on top: the engine never reaches into a command module (flags, click) to do its work."""
    problems = [f"{module} imports {target} (line {line})"
                for module, edges in module_graph().items()
                if not module.startswith("robustness.cli") and module != "robustness.__main__"  # `python -m` runs it
                for target, places in edges.items() if target.startswith("robustness.cli") for line, _ in places]
    assert not problems, "\n".join(problems)


def _torch_modules() -> set[str]:
    """Project modules that import torch (or heavy libraries) when they are imported, directly or through another."""
    graph = module_graph()
    heavy = set()
    for name in graph:
        tree = ast.parse(module_path(name, ROOT).read_text(encoding="utf-8"))
        if any(isinstance(node, (ast.Import, ast.ImportFrom)) and _top_name(node) in HEAVY for node in tree.body):
            heavy.add(name)
    grew = True
    while grew:
        grew = False
        for name, edges in graph.items():
            if name not in heavy and any(target in heavy and any(not lazy for _, lazy in places)
                                         for target, places in edges.items()):
                heavy.add(name)
                grew = True
    return heavy


def _top_name(node) -> str:
    return node.names[0].name.split(".")[0] if isinstance(node, ast.Import) else (node.module or "").split(".")[0]


def test_engine_imports_sit_at_the_top():
    """Below the CLI's command boundary an import inside a function hides the graph (and let cycles form); only
    heavy libraries and the modules that load them (torch) are imported where they are used."""
    heavy = _torch_modules()
    problems = []
    for path in sorted((ROOT / "robustness").rglob("*.py")):
        if path.relative_to(ROOT).parts[1] == "cli":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in top:
                relative = isinstance(node, ast.ImportFrom) and node.level
                targets = {target for _, target in _targets(node, path, ROOT)} \
                    if relative or _top_name(node) in PROJECT else set()
                if _top_name(node) in HEAVY or (targets and targets <= heavy):
                    continue
                problems.append(f"{path.relative_to(ROOT)}:{node.lineno} {ast.unparse(node)}")
    assert not problems, "move these imports to the module's top:\n  " + "\n  ".join(problems)


def test_the_engine_is_in_rooms():
    """robustness/ keeps a few shared modules at its top; everything else lives in a subpackage named for its job."""
    modules = sorted(path.name for path in (ROOT / "robustness").glob("*.py"))
    assert len(modules) <= MAX_TOP_LEVEL_MODULES, modules
    rooms = {path.parent.name for path in (ROOT / "robustness").glob("*/__init__.py")}
    assert {"suite", "checks", "loop", "data", "langtest", "cli", "models", "compare"} <= rooms
