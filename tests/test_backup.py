"""Backups and restores on SQLite and PostgreSQL: a round trip into an empty
database finds the same households, bookings and requests; damaged, foreign or
newer files are refused with nothing changed; a backup taken while four desks
write is consistent."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import stat
import tarfile
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, func, text
from sqlmodel import select

from mairie_tui.backup import (
    BackupError,
    Counts,
    backup,
    prepare_restore,
    read_manifest,
)
from mairie_tui.backup_archive import MANIFEST_NAME
from mairie_tui.db import (
    alembic_config,
    current_revision,
    head_revision,
    make_engine,
    read_session,
    reset_database,
)
from mairie_tui.domain.household_rules import HouseholdInput, PersonInput
from mairie_tui.models import Activity, Enrolment
from mairie_tui.services.bookings import open_booking, validate_booking
from mairie_tui.services.common import Actor
from mairie_tui.services.demo import build_demo, seed_ids
from mairie_tui.services.household_edit import create_household
from mairie_tui.services.search import find_households
from tests.helpers import DESK, clock_at

AGENT = Actor(id=1, login="guichet", name="Camille Martin", role="agent")
CLOCK = clock_at("2020-09-15T10:00")
# Columns compared row by row (ids included: bookings and requests point at them).
COMPARED = {
    "household": "id, dossier, commune_insee, phone, email, quotient_familial, version",
    "person": "id, household_id, role, first_name, last_name, birth_date",
    "booking": "id, enrolment_id, day, unit_id, status, request_id, updated_at",
    "request": "id, number, household_id, type, status, answers, created_at",
    "requestevent": "id, request_id, status, comment",
}


@pytest.fixture(autouse=True)
def _pg_tools(db_url: str) -> None:
    if db_url.startswith("postgresql") and shutil.which("pg_dump") is None:
        pytest.skip("pg_dump absent : sauvegarde PostgreSQL non testée")


@pytest.fixture
def empty_url(db_url: str, tmp_path: Path, pg_databases) -> Iterator[str]:
    """A database of the same kind as db_url, with no table at all."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'vide.db'}"
        return
    url = pg_databases.new()
    engine = make_engine(url)
    reset_database(engine)
    engine.dispose()
    yield url
    pg_databases.drop(url)


def table_digest(engine: Engine) -> dict[str, tuple[int, str]]:
    """Per table: the row count and a SHA-256 of every compared column of every row."""
    digests = {}
    with engine.connect() as conn:
        for table, columns in COMPARED.items():
            rows = conn.execute(text(f"SELECT {columns} FROM {table} ORDER BY id")).all()
            digest = hashlib.sha256(repr([tuple(map(str, row)) for row in rows]).encode())
            digests[table] = (len(rows), digest.hexdigest())
    return digests


def book_next_days(engine: Engine, enrolment_id: int, days: list[date]) -> int:
    """Book the first bookable of `days` for one child; returns how many requests it made."""
    booking = open_booking(engine, enrolment_id, CLOCK, actor=DESK)
    for day in days:
        if booking.draft.toggle(day, booking.units[0].id).changed:
            validate_booking(engine, booking, actor=AGENT, clock=CLOCK)
            return 1
    return 0


def build_data(engine: Engine) -> None:
    """The demo (FAMILLE TEST and 12 households with bookings) and a few requests."""
    build_demo(engine, households=12)
    with read_session(engine) as session:
        seed = seed_ids(session)
    for start in (date(2020, 10, 5), date(2020, 10, 12), date(2020, 11, 2)):
        assert book_next_days(engine, seed.enrolment_id, [start + timedelta(d) for d in range(5)])


def new_household(n: int) -> HouseholdInput:
    return HouseholdInput(
        representative=PersonInput("representative", "Hélène", f"Sauvegarde{n}", phone=None),
        address=f"{n} rue des Écoles",
        commune="mons",
        children=(PersonInput("child", "Noé", "", birth_date=date(2014, 9, 12)),),
    )


def test_round_trip_into_an_empty_database(engine, empty_url, tmp_path):
    build_data(engine)
    before = table_digest(engine)
    assert before["request"][0] == 3 and before["booking"][0] > 100

    report = backup(engine, tmp_path / "sauvegarde.mairie", clock=CLOCK)

    assert stat.S_IMODE(os.stat(report.path).st_mode) == 0o600
    manifest = report.manifest
    assert (manifest.application, manifest.schema_revision) == ("mairie-tui", head_revision())
    assert manifest.created_at == "2020-09-15T10:00:00+02:00"
    assert manifest.counts == Counts(
        households=before["household"][0],
        bookings=before["booking"][0],
        requests=before["request"][0],
    )
    target = make_engine(empty_url)
    try:
        with prepare_restore(target, Path(report.path)) as prepared:
            restored = prepared.apply()
        assert restored.counts == manifest.counts
        assert table_digest(target) == before
        assert current_revision(target) == head_revision()
        # The search index came along: the desk finds the family at once.
        assert [hit.dossier for hit in find_households(target, "famille test", actor=DESK)] == ["F-000001"]
        # The sequences too: the next household gets the next free id.
        saved = create_household(target, new_household(1), actor=AGENT, clock=CLOCK)
        assert saved.id == before["household"][0] + 1
    finally:
        target.dispose()


def test_restore_replaces_a_database_that_has_other_data(engine, empty_url, tmp_path):
    build_data(engine)
    before = table_digest(engine)
    path = tmp_path / "sauvegarde.mairie"
    backup(engine, path, clock=CLOCK)
    for n in range(3):
        create_household(engine, new_household(n), actor=AGENT, clock=CLOCK)
    assert table_digest(engine) != before
    with prepare_restore(engine, path) as prepared:
        prepared.apply()
    assert table_digest(engine) == before


def test_an_older_schema_is_restored_then_upgraded(db_url, empty_url, tmp_path):
    old = make_engine(empty_url)
    command.upgrade(alembic_config(old), "0002")  # before the démarches tables (0003)
    path = tmp_path / "ancienne.mairie"
    assert backup(old, path, clock=CLOCK).manifest.schema_revision == "0002"
    old.dispose()
    target = make_engine(db_url)
    postgresql = target.dialect.name == "postgresql"
    if postgresql:
        with target.begin() as conn:
            conn.execute(text("CREATE TABLE autre_appli (id integer)"))
    try:
        with prepare_restore(target, path) as prepared:
            report = prepared.apply()
        assert (report.backup_revision, report.revision, report.upgraded) == (
            "0002",
            head_revision(),
            True,
        )
        assert current_revision(target) == head_revision()
        with target.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM tariff_bracket")).scalar_one() == 0
            if postgresql:  # not ours: a PostgreSQL restore leaves it alone
                assert conn.execute(text("SELECT count(*) FROM autre_appli")).scalar_one() == 0
    finally:
        target.dispose()


# ---------------------------------------------------------------- refused files


def rewrite(source: Path, dest: Path, *, manifest_changes=None, payload_bytes=None) -> Path:
    """A copy of a backup with its manifest or payload altered."""
    with tarfile.open(source, "r:gz") as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
    with tarfile.open(dest, "w:gz") as tar:
        for member, data in members:
            if member.name == MANIFEST_NAME and manifest_changes:
                data = json.dumps({**json.loads(data), **manifest_changes}).encode()
            elif member.name != MANIFEST_NAME and payload_bytes is not None:
                data = payload_bytes(data)
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
    return dest


def flip_one_byte(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]


@pytest.fixture
def good_backup(engine, tmp_path) -> Path:
    build_data(engine)
    path = tmp_path / "bonne.mairie"
    backup(engine, path, clock=CLOCK)
    return path


@pytest.mark.parametrize(
    ("make_file", "message"),
    [
        (lambda good, d: d.joinpath("x").write_bytes(os.urandom(5000)), "n'est pas une sauvegarde"),
        (lambda good, d: d.joinpath("x").write_text("foyer;nom\n"), "n'est pas une sauvegarde"),
        (
            lambda good, d: d.joinpath("x").write_bytes(
                good.read_bytes()[: good.stat().st_size // 2]
            ),
            "incomplète ou abîmée",
        ),
        (
            lambda good, d: rewrite(good, d / "x", manifest_changes={"application": "autre"}),
            "n'est pas une sauvegarde",
        ),
        (
            lambda good, d: rewrite(good, d / "x", manifest_changes={"schema_revision": "0099"}),
            "schéma plus récent (révision 0099)",
        ),
        (
            lambda good, d: rewrite(good, d / "x", manifest_changes={"format": 2}),
            "format inconnu",
        ),
        (
            lambda good, d: rewrite(good, d / "x", payload_bytes=flip_one_byte),
            "incomplète ou abîmée",
        ),
    ],
    ids=["aleatoire", "csv", "tronquee", "autre-appli", "schema-plus-recent", "format", "alteree"],
)
def test_refused_files_change_nothing(engine, good_backup, tmp_path, make_file, message):
    bad_dir = tmp_path / "mauvais"
    bad_dir.mkdir()
    make_file(good_backup, bad_dir)
    for n in range(2):
        create_household(engine, new_household(n), actor=AGENT, clock=CLOCK)
    before = table_digest(engine)
    with (
        pytest.raises(BackupError, match=re.escape(message)),
        prepare_restore(engine, bad_dir / "x"),
    ):
        pytest.fail("a refused backup must not reach the confirmation")
    assert table_digest(engine) == before


def test_a_backup_of_the_other_database_kind_is_refused(engine, good_backup, tmp_path):
    other = "postgresql" if engine.dialect.name == "sqlite" else "sqlite"
    payload = {"sqlite": "base.sqlite3", "postgresql": "base.pgdump"}[other]
    forged = rewrite(
        good_backup, tmp_path / "autre", manifest_changes={"dialect": other, "payload": payload}
    )
    assert read_manifest(forged).dialect == other
    with (
        pytest.raises(BackupError, match="cette sauvegarde vient d'une base"),
        prepare_restore(engine, forged),
    ):
        pytest.fail("a backup of the other kind must not reach the confirmation")


def test_a_sqlite_restore_waits_for_the_desks_to_close(engine, db_url, good_backup):
    if not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL : pg_restore prend ses verrous, pas de fichier à remplacer")
    desk = sqlite3.connect(db_url.removeprefix("sqlite:///"))
    desk.execute("SELECT count(*) FROM household").fetchone()
    create_household(engine, new_household(1), actor=AGENT, clock=CLOCK)
    before = table_digest(engine)
    with (
        pytest.raises(BackupError, match="encore ouverte sur un poste"),
        prepare_restore(engine, good_backup) as prepared,
    ):
        prepared.apply()
    assert table_digest(engine) == before
    desk.close()
    with prepare_restore(engine, good_backup) as prepared:
        assert prepared.apply().counts == read_manifest(good_backup).counts
    assert table_digest(engine) != before


# ---------------------------------------------------------------- under load


def canteen_enrolments(engine: Engine, count: int) -> list[int]:
    with read_session(engine) as session:
        rows = session.exec(
            select(Enrolment.id)
            .join(Activity, Activity.id == Enrolment.activity_id)
            .where(Activity.kind == "canteen", Enrolment.status == "active")
            .order_by(Enrolment.id)
            .limit(count)
        ).all()
    assert len(rows) == count
    return [row for row in rows if row is not None]


def test_a_backup_taken_while_four_desks_write_is_consistent(engine, empty_url, tmp_path):
    build_demo(engine, households=30)
    enrolments = canteen_enrolments(engine, 4)
    # One household and one request first: on PostgreSQL, two desks creating the
    # very first dossier or request number at once collide on the counter row
    # (a services/ race, reported separately; not what this test is about).
    create_household(engine, new_household(999), actor=AGENT, clock=CLOCK)
    assert book_next_days(
        engine, enrolments[0], [date(2020, 9, 28) + timedelta(d) for d in range(5)]
    )
    stop = threading.Event()
    started = threading.Barrier(5)
    failures: list[BaseException] = []
    writes = [0] * 4

    def desk(index: int) -> None:
        days = [date(2020, 10, 1) + timedelta(d) for d in range(200)]
        try:
            started.wait()
            n = 0
            while not stop.is_set() or n < 2:
                create_household(
                    engine,
                    new_household(100 * index + n),
                    actor=AGENT,
                    clock=CLOCK,
                    allow_duplicates=True,
                )
                book_next_days(engine, enrolments[index], days[n % 200 :])
                n += 1
                writes[index] = n
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=desk, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    started.wait()
    with read_session(engine) as session:
        before = session.exec(select(func.count()).select_from(Enrolment)).one()
    try:
        report = backup(engine, tmp_path / "en-charge.mairie", clock=CLOCK)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert failures == []
    assert all(n >= 2 for n in writes)

    # The copy inside the file passes SQLite's own checks (PostgreSQL: pg_restore).
    target = make_engine(empty_url)
    try:
        with prepare_restore(target, Path(report.path)) as prepared:
            if prepared.manifest.dialect == "sqlite":
                copy = sqlite3.connect(prepared.payload)
                assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
                assert copy.execute("PRAGMA foreign_key_check").fetchall() == []
                copy.close()
            restored = prepared.apply()
        assert restored.counts == report.manifest.counts
        assert report.manifest.counts.households >= 31
        with target.connect() as conn:
            # Every booking written by a desk came with its request, in one transaction.
            orphans = conn.execute(
                text(
                    "SELECT count(*) FROM booking b LEFT JOIN request r ON r.id = b.request_id"
                    " WHERE b.request_id IS NOT NULL AND r.id IS NULL"
                )
            ).scalar_one()
            events = conn.execute(
                text(
                    "SELECT count(*) FROM request r WHERE NOT EXISTS"
                    " (SELECT 1 FROM requestevent e WHERE e.request_id = r.id)"
                )
            ).scalar_one()
            children = conn.execute(
                text(
                    "SELECT count(*) FROM household h WHERE NOT EXISTS"
                    " (SELECT 1 FROM person p WHERE p.household_id = h.id)"
                )
            ).scalar_one()
        assert (orphans, events, children) == (0, 0, 0)
        with read_session(target) as session:
            assert session.exec(select(func.count()).select_from(Enrolment)).one() == before
    finally:
        target.dispose()


def test_writing_the_backup_somewhere_impossible_is_said_in_french(engine, tmp_path):
    with pytest.raises(BackupError, match="dossier introuvable"):
        backup(engine, tmp_path / "nulle" / "part.mairie", clock=CLOCK)
    with pytest.raises(BackupError, match="est un dossier"):
        backup(engine, tmp_path, clock=CLOCK)


def test_pg_dump_missing_is_a_clear_message(engine, tmp_path, monkeypatch):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite : pas d'outil externe")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BackupError, match="pg_dump introuvable"):
        backup(engine, tmp_path / "x.mairie", clock=CLOCK)
    assert not (tmp_path / "x.mairie").exists()
