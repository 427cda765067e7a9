"""The services import one another in one direction only: no circle, even through an
import hidden inside a function (issue 10)."""

from __future__ import annotations

import ast
from pathlib import Path

import mairie_tui

ROOT = Path(mairie_tui.__file__).parent


def module_name(path: Path) -> str:
    parts = ("mairie_tui",) + path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package: str) -> dict[str, set[str]]:
    """Module → the modules of `package` it imports, wherever the import statement is."""
    files = {module_name(path): path for path in (ROOT / package).rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                targets = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                continue
            for target in targets:
                while target and target not in files:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
                    # Importing a submodule runs its package's __init__ first.
                    parent = target.rpartition(".")[0]
                    if parent in files and parent != name and not name.startswith(parent + "."):
                        graph[name].add(parent)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import path that comes back to where it started (one per starting module)."""
    found = []
    for start in sorted(graph):
        stack = [(start, [start])]
        seen: set[str] = set()
        while stack:
            node, path = stack.pop()
            for target in sorted(graph[node]):
                if target == start:
                    found.append(path + [start])
                    stack.clear()
                    break
                if target not in seen:
                    seen.add(target)
                    stack.append((target, path + [target]))
    return found


def test_services_have_no_import_circle() -> None:
    assert circles(import_graph("services")) == []


def test_the_demarches_modules_import_at_module_level() -> None:
    modules = [ROOT / "services" / "absences.py", ROOT / "services" / "appointments.py"]
    modules += sorted((ROOT / "services" / "requests").glob("*.py"))
    hidden = []
    for path in modules:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = set(tree.body)
        hidden += [
            f"{path.name}:{node.lineno}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom) and node not in top
        ]
    assert hidden == []
