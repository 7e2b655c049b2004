"""The import graph of the project's own modules: no cycles, none between the core's parts, and the core imports
none of the apps built on it.

Every import statement counts, including those inside functions: a deferred import hides a cycle from Python's
start-up, not from the design. Importing `a.b.c` runs the packages `a` and `a.b` first, so it counts as importing
them too (what a package's `__init__` imports is imported by everyone who reaches into the package). Imports under
`if TYPE_CHECKING:` are left out (they never run), and so are tests and migrations (they may import anything)."""

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


def _packages_run_by(target: str, importer: str) -> set[str]:
    """`target` and the packages above it, which Python runs before it, less those the importer is inside of (a
    package's own modules are imported while its `__init__` runs: reaching a sibling does not run it again)."""
    parts = target.split(".")
    run = {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
    return {package for package in run if not (importer + ".").startswith(package + ".")}


def import_graph() -> dict[str, set[str]]:
    """module → the project modules it imports (`from a import b` counts as importing a.b when that is a module,
    and importing a.b as running a)."""
    modules = _project_modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        imports = _Imports()
        imports.visit(ast.parse(path.read_text(encoding="utf-8")))
        reached = {m for target in imports.names for m in _packages_run_by(target, name)}
        graph[name] = {m for m in reached if m in modules and m != name}
    return graph


def _part(module: str) -> str:
    """The part of the core a module belongs to: a subpackage (`core.models`, `core.services`, …) or a module of
    its own (`core.rules`, `core.fields`, …)."""
    return ".".join(module.split(".")[:2])


def core_parts_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The core's parts and which others each imports: the layers a reader of the core sees."""
    parts: dict[str, set[str]] = {}
    for module, targets in graph.items():
        if module.split(".")[0] != "core" or module == "core":
            continue
        part = _part(module)
        parts.setdefault(part, set()).update(
            _part(t) for t in targets if t.split(".")[0] == "core" and t != "core" and _part(t) != part
        )
    return parts


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


def test_the_graph_sees_deferred_imports(graph: dict[str, set[str]]) -> None:
    # The walker must read imports inside functions, or a cycle hidden in one would pass unseen.
    assert "core.services.notify" in graph["core.apps"]
    assert "core.signals" in graph["documents.apps"]
    # ...and leave out what only the type checker reads (core.calendar names School under TYPE_CHECKING).
    assert "core.models" not in graph["core.calendar"]


def test_importing_a_module_runs_its_packages(graph: dict[str, set[str]]) -> None:
    # core.rules names core.models.org; that runs core/models/__init__.py first, with everything it imports.
    assert {"core.models.org", "core.models"} <= graph["core.rules"]
    # A package's own modules reach their siblings without running the package again.
    assert "core.models" not in graph["core.models.agreements"]


def _cycle(graph: dict[str, set[str]]) -> str:
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as exc:
        return " → ".join(exc.args[1])
    return ""


def test_no_module_imports_itself_through_others(graph: dict[str, set[str]]) -> None:
    assert _cycle(graph) == "", "import cycle"


def test_the_cores_parts_import_each_other_without_a_circle(graph: dict[str, set[str]]) -> None:
    """The models, the rules, the services, the selectors…: each part builds on the ones below it and none on one
    that builds on it (the status groups live beside the models, so the models need nothing from the rules)."""
    parts = core_parts_graph(graph)
    assert {"core.models", "core.rules", "core.services", "core.selectors"} <= set(parts)
    assert "core.rules" not in parts["core.models"]
    assert _cycle(parts) == "", "circle between the core's parts"


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
