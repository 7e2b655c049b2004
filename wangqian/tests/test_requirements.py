"""Every third-party package the code imports is named in requirements.txt (runtime) or requirements-dev.txt
(tests and tools), so an install from these lists (or the lock made from them) can run every module."""

from __future__ import annotations

import ast
import os
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
SKIPPED = {".venv", "node_modules", "static", "staticfiles", "var", "test-artifacts"}
TEST_ONLY = re.compile(r"(^|/)(tests/|conftest\.py$|benchmarks/)|^testsupport/")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _listed(filename: str) -> set[str]:
    names = set()
    for line in (BASE_DIR / filename).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.add(_normal(re.split(r"[\[=<>~! ]", line, maxsplit=1)[0]))
    return names


def _python_files() -> list[Path]:
    files = []
    for folder, subfolders, names in os.walk(BASE_DIR):
        subfolders[:] = [name for name in subfolders if name not in SKIPPED and not name.startswith(".")]
        files += [Path(folder) / name for name in names if name.endswith(".py")]
    return files


def _imports() -> dict[str, set[str]]:
    """Top-level module → the files importing it, for every module that is neither stdlib nor this project's."""
    files = _python_files()
    # the project's folders, and its modules (a benchmark script imports the one beside it)
    local = {path.name for path in BASE_DIR.iterdir() if path.is_dir()} | {path.stem for path in files}
    found: dict[str, set[str]] = {}
    for path in files:
        relative = path.relative_to(BASE_DIR)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top not in sys.stdlib_module_names and top not in local:
                    found.setdefault(top, set()).add(str(relative))
    return found


def test_every_imported_package_is_listed() -> None:
    runtime, dev = _listed("requirements.txt"), _listed("requirements-dev.txt")
    distributions = packages_distributions()
    missing = []
    for module, files in sorted(_imports().items()):
        names = {_normal(name) for name in distributions.get(module, [module])}
        in_app = any(not TEST_ONLY.search(file) for file in files)
        allowed = runtime if in_app else runtime | dev
        if not names & allowed:
            where = "requirements.txt" if in_app else "requirements-dev.txt"
            missing.append(f"{module} ({', '.join(sorted(names))}) imported by {sorted(files)[0]}: add to {where}")
    assert not missing, "\n".join(missing)


def _pins(filename: str) -> dict[str, str]:
    pins = {}
    for line in (BASE_DIR / filename).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line and not line.startswith("-"):
            name, version = line.split("==", 1)
            pins[_normal(name.split("[", 1)[0])] = version.strip()
    return pins


def test_the_locks_pin_what_the_lists_pin() -> None:
    """make install installs the locks: a package added to a list but not locked would be missing."""
    runtime_lock, dev_lock = _pins("requirements.lock"), _pins("requirements-dev.lock")
    stale = [
        f"{name}=={version} ({listed}) is not in {lock_name}"
        for listed, lock_name, lock in (
            ("requirements.txt", "requirements.lock", runtime_lock),
            ("requirements.txt", "requirements-dev.lock", dev_lock),
            ("requirements-dev.txt", "requirements-dev.lock", dev_lock),
        )
        for name, version in _pins(listed).items()
        if lock.get(name) != version
    ]
    stale += [
        f"{name}: {version} in requirements.lock, {dev_lock.get(name)} in requirements-dev.lock"
        for name, version in runtime_lock.items()
        if dev_lock.get(name) != version
    ]
    assert not stale, "run `make lock` and commit the locks:\n" + "\n".join(stale)
