"""Rules of the code that no linter checks, read from the source (docs/architecture.md):

- no function longer than 80 lines (migrations apart: a schema is a table, not logic);
- every service error is defined in services/errors.py;
- services write through services.uow.writing(), never db.unit_of_work directly;
- comments say why the code is so, not which tracker issue brought it ("(issue 11)").
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "mairie_tui"
MAX_FUNCTION_LINES = 80
# Generated-style schema creation: one statement per table, read as a table.
LONG_FUNCTIONS_ALLOWED = {"migrations/versions/0001_initial_schema.py::upgrade"}


def modules() -> dict[str, ast.Module]:
    return {
        path.relative_to(PACKAGE).as_posix(): ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(PACKAGE.rglob("*.py"))
    }


def long_functions(trees: dict[str, ast.Module], limit: int) -> dict[str, int]:
    """`path::name` of every function (method, nested function) over `limit` lines,
    decorators and docstring included."""
    found = {}
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                assert node.end_lineno is not None
                lines = node.end_lineno - first + 1
                if lines > limit:
                    found[f"{path}::{node.name}"] = lines
    return found


def test_no_function_over_80_lines() -> None:
    found = long_functions(modules(), MAX_FUNCTION_LINES)
    too_long = {name: lines for name, lines in found.items() if name not in LONG_FUNCTIONS_ALLOWED}
    assert too_long == {}, f"fonctions de plus de {MAX_FUNCTION_LINES} lignes : {too_long}"
    # An allowance nobody needs any more is removed, not kept "just in case".
    assert set(found) >= LONG_FUNCTIONS_ALLOWED


def test_the_length_check_sees_a_long_function() -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(80))
    tree = ast.parse(f"@decorated\ndef long():\n{body}\n\ndef short():\n    pass\n")
    assert long_functions({"m.py": tree}, MAX_FUNCTION_LINES) == {"m.py::long": 82}


def service_errors_outside(trees: dict[str, ast.Module]) -> list[str]:
    """Classes deriving (by name, through any chain) from ServiceError, not in errors.py."""
    bases: dict[str, list[tuple[str, set[str]]]] = {}
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                names = {
                    base.id if isinstance(base, ast.Name) else getattr(base, "attr", "")
                    for base in node.bases
                }
                bases.setdefault(node.name, []).append((path, names))
    errors = {"ServiceError"}
    while True:
        more = {
            name
            for name, definitions in bases.items()
            if any(names & errors for _path, names in definitions)
        }
        if more <= errors:
            break
        errors |= more
    return sorted(
        f"{path}::{name}"
        for name in errors
        for path, _names in bases.get(name, [])
        if path != "services/errors.py"
    )


def test_every_service_error_is_defined_in_errors_py() -> None:
    assert service_errors_outside(modules()) == []


def test_the_error_check_sees_a_stray_error() -> None:
    stray = ast.parse(
        "class Refused(ServiceError): pass\nclass Worse(Refused): pass\nclass Fine(Exception): pass"
    )
    assert service_errors_outside({"services/x.py": stray}) == [
        "services/x.py::Refused",
        "services/x.py::Worse",
    ]


def test_services_write_through_writing() -> None:
    direct = []
    for path, tree in modules().items():
        if not path.startswith("services/") or path == "services/uow.py":
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module == "mairie_tui.db"
                and any(alias.name == "unit_of_work" for alias in node.names)
            ):
                direct.append(path)
    assert direct == [], f"écritures hors de services.uow.writing() : {direct}"


TRACKER_HISTORY = re.compile(r"\bissues? #?\d+", re.IGNORECASE)


def test_no_tracker_history_in_product_comments() -> None:
    found = [
        f"{path.relative_to(PACKAGE).as_posix()}:{number}"
        for path in sorted(PACKAGE.rglob("*"))
        if path.suffix in {".py", ".tcss", ".toml"} and "migrations" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if TRACKER_HISTORY.search(line)
    ]
    assert found == [], f"historique du suivi dans le code : {found}"
