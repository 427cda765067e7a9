"""Offline copy: minimal content, read-only except pointage, and an idempotent, reporting import."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text, update
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlmodel import Session, func, select

from mairie_tui.db import make_engine, unit_of_work, upgrade
from mairie_tui.models import Activity, Agent, AuditEvent, Booking, Unit
from mairie_tui.models.attendance import Attendance, DayClosing
from mairie_tui.services.agents import authenticate, hash_password
from mairie_tui.services.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDenied,
    ReadOnlyCopy,
    RuleViolation,
    ServiceError,
)
from mairie_tui.services.lists import close_day, day_list, mark_attendance
from mairie_tui.services.offline import (
    export_offline,
    import_offline,
    is_offline_copy,
)
from mairie_tui.services.uow import writing
from tests.helpers import clock_at
from tests.services.test_lists import (
    ADDRESS,
    MONDAY,
    SECRET_EMAIL,
    SITE_A,
    TUESDAY,
    World,
    build_world,
)

FRIDAY = date(2020, 9, 25)
EXPORT_CLOCK = clock_at("2020-09-21T08:00")
POINTAGE_TABLES = {"attendance", "day_closing", "auditevent", "alembic_version"}


@pytest.fixture
def world(engine: Engine) -> World:
    return build_world(engine)


@pytest.fixture
def copy_path(engine: Engine, world: World, tmp_path: Path) -> Path:
    out = tmp_path / "mons.db"
    export_offline(
        engine,
        site="Mons",
        start=MONDAY,
        end=FRIDAY,
        out=out,
        clock=EXPORT_CLOCK,
        actor=world.agent,
    )
    return out


def dump(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table but the pointage and audit ones, in a stable order."""
    tables = sorted(set(inspect(engine).get_table_names()) - POINTAGE_TABLES)
    with engine.connect() as conn:
        return {
            name: sorted(
                (tuple(row) for row in conn.execute(text(f'SELECT * FROM "{name}"'))), key=repr
            )
            for name in tables
        }


# ------------------------------------------------------------------ export


def test_export_holds_only_what_the_site_staff_need(engine, world, copy_path):
    raw = sqlite3.connect(copy_path)
    try:
        households = raw.execute(
            "SELECT id, dossier, address, postcode, quotient_familial, email, commune_name "
            "FROM household ORDER BY id"
        ).fetchall()
        assert households == [
            (world.households["h1"], "F-000001", "", "", None, None, ""),
            (world.households["h2"], "F-000002", "", "", None, None, ""),
        ]
        names = {row[0] for row in raw.execute("SELECT first_name FROM person")}
        assert names == {"Test 1", "Test 2", "Mamie", "Nadia", "Jeannot", "Lucie", "Tom", "Paul"}
        assert raw.execute("SELECT count(*) FROM person WHERE email IS NOT NULL").fetchone() == (0,)
        phones = dict(raw.execute("SELECT first_name, phone FROM person WHERE phone IS NOT NULL"))
        assert phones == {
            "Test 1": "04 66 83 10 74",
            "Mamie": "06 11 22 33 44",
            "Nadia": "06 55 44 33 22",
        }
        for table in ("document", "request", "requestevent", "outboxemail", "auditevent"):
            assert raw.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
        assert [r[0] for r in raw.execute("SELECT site FROM activity")] == [SITE_A]
        assert raw.execute("SELECT count(*) FROM booking").fetchone() == (10,)
        assert raw.execute(
            "SELECT count(*) FROM booking WHERE request_id IS NOT NULL OR agent_id IS NOT NULL"
        ).fetchone() == (0,)
        agents = raw.execute("SELECT login, role, active FROM agent ORDER BY login").fetchall()
        assert agents == [("cantine", "staff", 1), ("superviseur", "supervisor", 1)]
        meta = raw.execute(
            "SELECT site, start_date, end_date, read_only_except_pointage FROM offline_copy"
        ).fetchall()
        assert meta == [(SITE_A, "2020-09-21", "2020-09-25", 1)]
    finally:
        raw.close()
    content = copy_path.read_bytes()
    for secret in (
        ADDRESS,
        SECRET_EMAIL,
        "nadia@exemple.fr",
        "rue des Écoles",
        "Inès",
        "Zoé",
        "ROCHE",
        "caf.pdf",
        "Jean Macé",
    ):
        assert secret.encode() not in content, secret


def test_export_checks_its_inputs(engine, world, copy_path, tmp_path):
    with pytest.raises(ServiceError, match="existe déjà"):
        export_offline(
            engine,
            site="Mons",
            start=MONDAY,
            end=FRIDAY,
            out=copy_path,
            clock=EXPORT_CLOCK,
            actor=world.agent,
        )
    with pytest.raises(PermissionDenied):
        export_offline(
            engine,
            site="Mons",
            start=MONDAY,
            end=FRIDAY,
            out=tmp_path / "x.db",
            clock=EXPORT_CLOCK,
            actor=world.staff,
        )
    with pytest.raises(ServiceError, match="précède"):
        export_offline(
            engine,
            site="Mons",
            start=FRIDAY,
            end=MONDAY,
            out=tmp_path / "x.db",
            clock=EXPORT_CLOCK,
            actor=world.agent,
        )
    assert not (tmp_path / "x.db").exists()


def test_the_copy_is_read_only_except_pointage(engine, world, copy_path):
    copy = make_engine(f"sqlite:///{copy_path}")
    try:
        upgrade(copy)  # the application opens it like any database
        assert is_offline_copy(copy) and not is_offline_copy(engine)
        with writing(engine, "réservation"):
            pass
        with (
            pytest.raises(ReadOnlyCopy, match=r"seul le pointage est possible \(réservation refusé\)"),
            writing(copy, "réservation"),
        ):
            pytest.fail("a write was let through in the copy")
        with pytest.raises(SADatabaseError, match="seul le pointage"), copy.begin() as conn:
            conn.execute(text("UPDATE booking SET status = 'cancelled'"))
        with pytest.raises(SADatabaseError, match="seul le pointage"), copy.begin() as conn:
            conn.execute(text("DELETE FROM person"))
        with pytest.raises(SADatabaseError, match="seul le pointage"), copy.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO agent (login, name, role, password_hash, active, "
                    "failed_attempts) VALUES ('intrus', 'I', 'supervisor', 'x', 1, 0)"
                )
            )
        listed = day_list(
            copy,
            site="Mons",
            unit="Repas",
            day=MONDAY,
            clock=clock_at("2020-09-21T12:00"),
            actor=world.staff,
        )
        assert listed.copy_id is not None and listed.counts.booked == 3
        mark = mark_attendance(
            copy,
            enrolment_id=world.enrolments["Paul"],
            day=MONDAY,
            unit_id=world.unit_a,
            present=True,
            actor=world.staff,
            clock=clock_at("2020-09-21T12:00"),
        )
        assert mark.origin == listed.copy_id and mark.agent_name == "Sandrine Vidal"
        with pytest.raises(RuleViolation, match="couvre du 21/09/2020 au 25/09/2020"):
            mark_attendance(
                copy,
                enrolment_id=world.enrolments["Paul"],
                day=date(2020, 9, 18),
                unit_id=world.unit_a,
                present=False,
                actor=world.staff,
                clock=clock_at("2020-09-21T12:00"),
            )
    finally:
        copy.dispose()


def test_staff_sign_in_to_the_copy_with_the_copy_code(engine, world, tmp_path):
    with unit_of_work(engine) as s:
        s.execute(
            update(Agent)
            .where(Agent.login == "cantine")
            .values(password_hash=hash_password("cantine"))
        )
    out = tmp_path / "mons.db"
    summary = export_offline(
        engine,
        site=SITE_A,
        start=MONDAY,
        end=FRIDAY,
        out=out,
        clock=EXPORT_CLOCK,
        actor=world.agent,
    )
    copy = make_engine(f"sqlite:///{out}")
    try:
        actor = authenticate(copy, "cantine", summary.access_code, clock_at("2020-09-21T07:55"))
        assert actor.is_staff and actor.id == world.staff.id
        for login, secret in (("guichet", summary.access_code), ("cantine", "cantine")):
            with pytest.raises(AuthenticationError):
                authenticate(copy, login, secret, clock_at("2020-09-21T07:55"), sleep=lambda _: None)
    finally:
        copy.dispose()


# ------------------------------------------------------------------ import


def test_offline_round_trip_is_idempotent_and_reports_conflicts(engine, world, tmp_path):
    e = world.enrolments
    # At the mairie before the export: Jeannot ticked present early on Monday.
    mark_attendance(
        engine,
        enrolment_id=e["Jeannot"],
        day=MONDAY,
        unit_id=world.unit_a,
        present=True,
        actor=world.staff,
        clock=clock_at("2020-09-21T07:30"),
    )
    out = tmp_path / "mons.db"
    summary = export_offline(
        engine,
        site=SITE_A,
        start=MONDAY,
        end=FRIDAY,
        out=out,
        clock=EXPORT_CLOCK,
        actor=world.agent,
    )
    assert (summary.children, summary.marks, summary.bookings) == (4, 1, 10)

    # In the school, offline.
    copy = make_engine(f"sqlite:///{out}")
    noon, tuesday_noon = clock_at("2020-09-21T12:00"), clock_at("2020-09-22T12:00")
    staff = world.staff
    try:
        for first, present in (("Jeannot", False), ("Lucie", True), ("Paul", True)):
            mark_attendance(
                copy,
                enrolment_id=e[first],
                day=MONDAY,
                unit_id=world.unit_a,
                present=present,
                actor=staff,
                clock=noon,
            )
        mark_attendance(
            copy,
            enrolment_id=e["Tom"],
            day=MONDAY,
            unit_id=world.unit_a,
            present=True,
            unexpected=True,
            actor=staff,
            clock=noon,
        )
        close_day(
            copy,
            unit_id=world.unit_a,
            day=MONDAY,
            actor=world.supervisor,
            clock=clock_at("2020-09-21T18:00"),
        )
        for first, present in (("Jeannot", True), ("Paul", False)):
            mark_attendance(
                copy,
                enrolment_id=e[first],
                day=TUESDAY,
                unit_id=world.unit_a,
                present=present,
                actor=staff,
                clock=tuesday_noon,
            )
    finally:
        copy.dispose()

    # Meanwhile at the mairie: Lucie's Monday booking cancelled at the counter, Paul
    # ticked absent for Monday, Tuesday closed by a supervisor.
    with unit_of_work(engine) as s:
        s.execute(
            update(Booking)
            .where(Booking.enrolment_id == e["Lucie"], Booking.day == MONDAY)
            .values(status="cancelled")
        )
    mark_attendance(
        engine,
        enrolment_id=e["Paul"],
        day=MONDAY,
        unit_id=world.unit_a,
        present=False,
        actor=world.agent,
        clock=clock_at("2020-09-21T13:00"),
    )
    close_day(
        engine,
        unit_id=world.unit_a,
        day=TUESDAY,
        actor=world.supervisor,
        clock=clock_at("2020-09-22T18:00"),
    )

    before = dump(engine)
    with Session(engine) as s:
        marks_before = s.exec(select(func.count()).select_from(Attendance)).one()
    clock = clock_at("2020-09-25T17:00")

    preview = import_offline(engine, out, clock=clock, actor=world.agent, dry_run=True)
    assert preview.dry_run and (preview.added, preview.updated, preview.closings_added) == (2, 1, 1)
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Attendance)).one() == marks_before

    first = import_offline(engine, out, clock=clock, actor=world.agent)
    assert first.marks_in_copy == 6
    assert (first.added, first.updated, first.unchanged, first.closings_added) == (2, 1, 0, 1)
    kinds = sorted((i.kind, i.child, i.written) for i in first.issues)
    assert kinds == [
        ("booking_cancelled", "FAMILLE TEST Lucie", True),
        ("day_closed", "BERGER Paul", False),
        ("day_closed", "FAMILLE TEST Jeannot", False),
        ("mark_differs", "BERGER Paul", False),
    ]
    differs = next(i for i in first.issues if i.kind == "mark_differs")
    assert "la mairie l'emporte" in differs.message and "absent" in differs.message
    assert len(first.conflicts) == 3

    with Session(engine) as s:
        merged = {
            (row.enrolment_id, row.day): (row.present, row.unexpected, row.origin != "mairie")
            for row in s.exec(select(Attendance))
        }
        closings = {(row.day, row.origin != "mairie") for row in s.exec(select(DayClosing))}
    assert merged == {
        (e["Jeannot"], MONDAY): (False, False, True),  # the copy's later tick replaced it
        (e["Lucie"], MONDAY): (True, True, True),  # booking cancelled: unexpected presence
        (e["Tom"], MONDAY): (True, True, True),
        (e["Paul"], MONDAY): (False, False, False),  # the mairie's tick wins
    }
    assert closings == {(MONDAY, True), (TUESDAY, False)}
    assert dump(engine) == before

    with Session(engine) as s:
        audits = s.exec(select(func.count()).select_from(AuditEvent)).one()
    second = import_offline(engine, out, clock=clock, actor=world.agent)
    assert second.changes == 0 and (second.added, second.updated) == (0, 0)
    assert second.unchanged == 3 and len(second.conflicts) == 3
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(AuditEvent)).one() == audits
        again = {
            (row.enrolment_id, row.day): (row.present, row.unexpected, row.origin != "mairie")
            for row in s.exec(select(Attendance))
        }
    assert again == merged
    assert dump(engine) == before


def test_import_refuses_what_is_not_a_copy_of_this_database(engine, world, copy_path, tmp_path):
    with pytest.raises(NotFoundError, match="introuvable"):
        import_offline(engine, tmp_path / "absent.db", clock=EXPORT_CLOCK, actor=world.agent)
    other = tmp_path / "autre.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(ServiceError, match="n'est pas une copie"):
        import_offline(engine, other, clock=EXPORT_CLOCK, actor=world.agent)
    with pytest.raises(PermissionDenied):
        import_offline(engine, copy_path, clock=EXPORT_CLOCK, actor=world.staff)
    copy = make_engine(f"sqlite:///{copy_path}")
    try:
        with pytest.raises(ReadOnlyCopy):
            import_offline(copy, copy_path, clock=EXPORT_CLOCK, actor=world.agent)
    finally:
        copy.dispose()
    # A unit renamed or added since the export does not block the import...
    with unit_of_work(engine) as s:
        s.execute(update(Unit).where(Unit.id == world.unit_a).values(name="Déjeuner"))
        s.add(Unit(activity_id=world.activity_a, name="Goûter"))
    assert import_offline(engine, copy_path, clock=EXPORT_CLOCK, actor=world.agent).changes == 0
    # ...but activities that are not the copy's mean another database.
    with unit_of_work(engine) as s:
        s.execute(update(Activity).where(Activity.id == world.activity_a).values(code="RS-AUTRE"))
    with pytest.raises(ServiceError, match="ne vient pas de cette base"):
        import_offline(engine, copy_path, clock=EXPORT_CLOCK, actor=world.agent)


def test_a_demo_site_copy_holds_no_household_of_another_site(engine, tmp_path):
    from mairie_tui.services.common import SYSTEM_ACTOR
    from mairie_tui.services.demo import build_demo

    build_demo(engine, households=120)
    site = "Restaurant scolaire Alès Jean Macé"
    out = tmp_path / "jmace.db"
    summary = export_offline(
        engine,
        site=site,
        start=date(2020, 9, 28),
        end=date(2020, 10, 9),
        out=out,
        clock=EXPORT_CLOCK,
        actor=SYSTEM_ACTOR,
    )
    with engine.connect() as conn:
        allowed = {
            row[0]
            for row in conn.execute(
                text(
                    "SELECT DISTINCT p.household_id FROM enrolment e "
                    "JOIN person p ON p.id = e.person_id JOIN activity a ON a.id = e.activity_id "
                    "WHERE a.site = :site AND e.start_date <= '2020-10-09' "
                    "AND e.end_date >= '2020-09-28'"
                ),
                {"site": site},
            )
        }
        secrets = [
            value
            for row in conn.execute(
                text(
                    "SELECT address, email FROM household WHERE id IN "
                    "(SELECT household_id FROM person WHERE role = 'child')"
                )
            )
            for value in row
            if value
        ]
    raw = sqlite3.connect(out)
    try:
        copied = {row[0] for row in raw.execute("SELECT id FROM household")}
        sites = {row[0] for row in raw.execute("SELECT site FROM activity")}
        bookings = raw.execute("SELECT count(*) FROM booking").fetchone()
    finally:
        raw.close()
    assert copied == allowed and summary.households == len(allowed) > 0
    assert sites == {site} and bookings[0] == summary.bookings > 0
    content = out.read_bytes()
    assert secrets and not [s for s in secrets if s.encode() in content]
