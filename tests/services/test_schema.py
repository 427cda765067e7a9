"""The schema: migrations match the models, constraints protect the data, SQLite pragmas."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from mairie_tui.db import read_session, unit_of_work
from mairie_tui.models import Booking
from mairie_tui.services.demo import build_demo, seed_ids

NOW = datetime(2020, 9, 15, 8, 0, tzinfo=UTC)


def test_migrations_match_the_models(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    # The search index is managed by hand in the migration, outside the models.
    diff = [d for d in diff if "household_fts" not in str(d) and "household_search" not in str(d)]
    assert diff == []


def test_booking_is_unique_per_enrolment_day_unit(engine):
    build_demo(engine, households=0)
    with read_session(engine) as session:
        ids = seed_ids(session)
    row = dict(
        enrolment_id=ids.enrolment_id, day=date(2020, 9, 25), unit_id=ids.unit_id, updated_at=NOW
    )
    with unit_of_work(engine) as session:
        session.add(Booking(**row))
    with pytest.raises(IntegrityError), unit_of_work(engine) as session:
        session.add(Booking(**row))


def test_foreign_keys_are_enforced(engine):
    with pytest.raises(IntegrityError), unit_of_work(engine) as session:
        session.add(Booking(enrolment_id=424242, day=date(2020, 9, 25), unit_id=1, updated_at=NOW))


def test_sqlite_runs_in_wal_with_foreign_keys_and_busy_timeout(engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("pragmas SQLite seulement")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000


def test_every_migration_downgrades_and_upgrades_again(engine):
    from alembic import command

    from mairie_tui.db import alembic_config, current_revision, head_revision, upgrade

    build_demo(engine, households=0)
    command.downgrade(alembic_config(engine), "base")
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    build_demo(engine, households=0)
