"""The import graph of the project's own modules: no cycles, and the core imports none of the apps built on it.

Every import statement counts, including those inside functions: a deferred import hides a cycle from Python's
start-up, not from the design. Imports under `if TYPE_CHECKING:` are left out (they never run), and so are tests
and migrations (they may import anything)."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Every top-level package of the project (the apps, the settings package, ...), found rather than listed.
PACKAGES = sorted(p.parent.name for p in ROOT.glob("*/__init__.py"))


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _project_modules() -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if {"tests", "migrations"} & set(path.relative_to(ROOT).parts):
                continue
            modules[_module_name(path)] = path
    return modules


class _Imports(ast.NodeVisitor):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
            isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
        ):
            for statement in node.orelse:
                self.visit(statement)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        self.names.update(alias.name for alias in node.names)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module and node.level == 0:
            self.names.add(node.module)
            self.names.update(f"{node.module}.{alias.name}" for alias in node.names)


def import_graph() -> dict[str, set[str]]:
    """module → the project modules it imports (`from a import b` counts as importing a.b when that is a module)."""
    modules = _project_modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        imports = _Imports()
        imports.visit(ast.parse(path.read_text(encoding="utf-8")))
        graph[name] = {m for m in imports.names if m in modules and m != name}
    return graph


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


def test_the_graph_sees_deferred_imports(graph: dict[str, set[str]]) -> None:
    # The walker must read imports inside functions, or a cycle hidden in one would pass unseen.
    assert "core.services.notify" in graph["core.apps"]
    assert "core.signals" in graph["documents.apps"]
    # ...and leave out what only the type checker reads (core.rules names Agreement under TYPE_CHECKING).
    assert "core.models" not in graph["core.rules"]


def test_no_module_imports_itself_through_others(graph: dict[str, set[str]]) -> None:
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as exc:
        pytest.fail(f"import cycle: {' → '.join(exc.args[1])}")


def test_the_core_imports_no_app_built_on_it(graph: dict[str, set[str]]) -> None:
    assert {"core", "documents", "school", "api", "web"} <= set(PACKAGES)
    upward = sorted(
        f"{module} → {target}"
        for module, targets in graph.items()
        if module.split(".")[0] == "core"
        for target in targets
        if target.split(".")[0] != "core"
    )
    assert upward == []
