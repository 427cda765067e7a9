"""TUI fixtures: one demo database per test session, copied for each test."""

from __future__ import annotations

from pathlib import Path

import pytest

from mairie_tui.tui.app import MairieApp
from tests.tui.helpers import AppFactory
from tests.tui.scenes.base import build_demo_database, copy_database


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_database(tmp_path_factory.mktemp("demo") / "demo.db", households=50)


@pytest.fixture
def demo_url(tmp_path: Path, demo_template: Path) -> str:
    return copy_database(demo_template, tmp_path / "mairie.db")


@pytest.fixture
def make_app(demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppFactory:
    """MairieApp() as the CLI builds it: Settings from MAIRIE_* variables."""

    def factory(now: str | None = "2020-09-15T10:00") -> MairieApp:
        monkeypatch.setenv("MAIRIE_DB_URL", demo_url)
        monkeypatch.setenv("MAIRIE_DATA_DIR", str(tmp_path / "data"))
        if now is None:
            monkeypatch.delenv("MAIRIE_NOW", raising=False)
        else:
            monkeypatch.setenv("MAIRIE_NOW", now)
        for name in ("MAIRIE_SMTP_HOST",):
            monkeypatch.delenv(name, raising=False)
        return MairieApp()

    return factory
