"""Layering: the domain, models and services import without Textual; the
domain imports without any database library either.

Each check runs in a fresh interpreter, so that modules other tests imported
do not hide a stray import.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

PROBE = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys

    def walk(name):
        package = importlib.import_module(name)
        found = [name]
        for info in pkgutil.walk_packages(package.__path__, prefix=name + "."):
            importlib.import_module(info.name)
            found.append(info.name)
        return found

    imported = []
    for name in sys.argv[1:]:
        module = importlib.import_module(name)
        imported += walk(name) if hasattr(module, "__path__") else [name]
    watched = ("textual", "sqlalchemy", "sqlmodel", "alembic", "psycopg", "typer")
    print(json.dumps({
        "imported": imported,
        "loaded": sorted({m.split(".")[0] for m in sys.modules} & set(watched)),
    }))
    """
)


def probe(*modules: str) -> tuple[list[str], set[str]]:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, *modules],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    return report["imported"], set(report["loaded"])


def test_domain_imports_no_ui_and_no_database() -> None:
    imported, loaded = probe("mairie_tui.domain")
    assert {"mairie_tui.domain.calendar", "mairie_tui.domain.draft", "mairie_tui.domain.fr"} <= set(
        imported
    )
    assert loaded == set(), f"le domaine importe {sorted(loaded)}"


@pytest.mark.parametrize("package", ["mairie_tui.models", "mairie_tui.services"])
def test_models_and_services_do_not_import_textual(package: str) -> None:
    imported, loaded = probe(package)
    assert len(imported) >= 1
    assert "textual" not in loaded, f"{package} importe textual"


def test_the_probe_can_see_textual() -> None:
    # The check above could pass by mistake if the probe never saw anything.
    _imported, loaded = probe("textual.app")
    assert "textual" in loaded
