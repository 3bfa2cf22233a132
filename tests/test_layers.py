"""The packages import downwards only, as docs/architecture.md draws them.

Every import of one of our packages is checked, at the top of a module or inside a function
(an import hidden in a function to dodge a cycle is still a cycle). An allowed map that is
itself acyclic means no cycle between packages can exist.
"""

from __future__ import annotations

import ast
from graphlib import TopologicalSorter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "conversations": {"core"},
    "learning": {"core"},
    "storage": {"core"},
    "bot": {"core", "conversations", "learning", "storage"},
    "admin": {"core", "conversations", "learning", "storage"},
    "nearmiss": {"core", "conversations", "learning", "storage", "bot", "admin"},
}


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def test_the_allowed_map_has_no_cycle() -> None:
    order = list(TopologicalSorter(ALLOWED).static_order())
    assert order[0] == "core" and order[-1] == "nearmiss"


def test_every_package_is_in_the_map() -> None:
    packages = {path.parent.name for path in ROOT.glob("*/__init__.py")} - {"tests", "bench",
                                                                           "locales"}
    assert packages == set(ALLOWED)


def test_no_module_imports_upwards_or_sideways() -> None:
    wrong = []
    for package, allowed in ALLOWED.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            for line, module in _imports(path):
                target = module.split(".")[0]
                if target in ALLOWED and target != package and target not in allowed:
                    wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert wrong == []
