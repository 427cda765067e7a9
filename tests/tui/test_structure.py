"""Structure the issue 13 review asked for: one f1, no database knowledge in the interface."""

from __future__ import annotations

import tomllib
from pathlib import Path

from mairie_tui.services.failures import DatabaseFailure, database_failure
from mairie_tui.tui.screens.base import MairieScreen
from mairie_tui.tui.screens.login import LoginScreen

ROOT = Path(__file__).resolve().parents[2]


def _keys(bindings: list[object]) -> list[str]:
    return [getattr(binding, "key", None) or binding[0] for binding in bindings]  # type: ignore[index]


def test_the_login_screen_uses_the_shared_f1() -> None:
    assert "f1" not in _keys(LoginScreen.__dict__["BINDINGS"])
    assert "f1" in _keys(MairieScreen.__dict__["BINDINGS"])
    merged = LoginScreen._merged_bindings
    assert merged is not None
    assert [binding.action for binding in merged.get_bindings_for_key("f1")] == ["help"]


def test_the_interface_has_no_exception_to_the_database_contract() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    screens = next(c for c in contracts if c.get("source_modules") == ["mairie_tui.tui"])
    assert "sqlalchemy" in screens["forbidden_modules"]
    assert not screens.get("ignore_imports")


def test_driver_errors_are_classified_in_services() -> None:
    from sqlalchemy.exc import IntegrityError, OperationalError

    assert database_failure(OperationalError("SELECT 1", {}, Exception("down"))) is (
        DatabaseFailure.UNAVAILABLE
    )
    assert database_failure(IntegrityError("INSERT", {}, Exception("dup"))) is DatabaseFailure.OTHER
    assert database_failure(KeyError("x")) is None
