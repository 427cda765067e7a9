"""Shared fixtures: a fresh migrated database per test, on SQLite and (when
MAIRIE_TEST_PG_URL is set) on PostgreSQL, each in its own database dropped after."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import Phase, settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from mairie_tui.clock import FrozenClock
from mairie_tui.config import normalise_db_url
from mairie_tui.db import make_engine, upgrade
from tests.helpers import clock_at

PG_URL = os.environ.get("MAIRIE_TEST_PG_URL")

# `make mutation` runs the tests once per mutant: the same examples every time, and no
# example saved by one mutant replayed for another (pytest --hypothesis-profile=mutation).
# No shrinking: a mutant is killed by the first failing example; shrinking it (minutes of
# database round trips for the oracle) only slowed the run down and ended in timeouts.
settings.register_profile(
    "mutation",
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
)
PG_SKIP_REASON = "MAIRIE_TEST_PG_URL non défini : tests PostgreSQL ignorés"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


class PgDatabases:
    """Creates databases from one migrated template and drops them all at the end."""

    def __init__(self, url: str) -> None:
        self.url = make_url(normalise_db_url(url))
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT")
        self.prefix = f"mairie_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.created: list[str] = []
        self.template = self._create(f"{self.prefix}_tpl", None)
        engine = make_engine(self.url.set(database=self.template).render_as_string(False))
        upgrade(engine)
        engine.dispose()

    def _create(self, name: str, template: str | None) -> str:
        with self.admin.connect() as conn:
            clause = f" TEMPLATE {template}" if template else ""
            conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        self.created.append(name)
        return name

    def new(self) -> str:
        name = self._create(f"{self.prefix}_{len(self.created)}", self.template)
        return self.url.set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if name in self.created:
            self.created.remove(name)

    def close(self) -> None:
        with self.admin.connect() as conn:
            for name in reversed(self.created):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def pg_databases() -> Iterator[PgDatabases | None]:
    if not PG_URL:
        yield None
        return
    databases = PgDatabases(PG_URL)
    yield databases
    databases.close()


@pytest.fixture(params=BACKENDS)
def db_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: Path,
    pg_databases: PgDatabases | None,
) -> Iterator[str]:
    """URL of a fresh, migrated, empty database (SQLite, then PostgreSQL)."""
    if request.param == "sqlite":
        path = tmp_path / "mairie.db"
        shutil.copyfile(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    if pg_databases is None:
        pytest.skip(PG_SKIP_REASON)
    url = pg_databases.new()
    yield url
    pg_databases.drop(url)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def seed_clock() -> FrozenClock:
    """mardi 15/09/2020 10:00, Europe/Paris: the portal tutorial's day."""
    return clock_at("2020-09-15T10:00")
