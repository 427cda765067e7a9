"""Offline copies hold no secret and are distrusted on return (issue 11, item 5).

The copy: no password hash of anyone, mode 0600, staff sign in with the
copy's code. The import: a copy whose identity was edited, or that comes from
another database, is refused whole; a hand-edited copy (its triggers dropped)
cannot bring back marks the copy could not have made.
"""

from __future__ import annotations

import sqlite3
import stat
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session, func, select

from mairie_tui.db import make_engine, unit_of_work, upgrade
from mairie_tui.models import Agent, AuditEvent
from mairie_tui.models.attendance import Attendance, DayClosing
from mairie_tui.services.agents import authenticate, hash_password
from mairie_tui.services.errors import AuthenticationError, ServiceError
from mairie_tui.services.lists import close_day, mark_attendance
from mairie_tui.services.offline import export_offline, import_offline
from tests.helpers import clock_at
from tests.services.test_lists import MONDAY, SITE_A, TUESDAY, WEDNESDAY, World, build_world
from tests.services.test_offline import EXPORT_CLOCK, FRIDAY, dump

LATER = clock_at("2020-09-25T17:00")
NEXT_MONDAY = date(2020, 9, 28)


@pytest.fixture
def world(engine: Engine) -> World:
    world = build_world(engine)
    # Real Argon2 hashes for every account, as in production.
    with unit_of_work(engine) as s:
        for login in ("guichet", "superviseur", "cantine"):
            s.execute(
                update(Agent).where(Agent.login == login).values(password_hash=hash_password(login))
            )
    return world


def export(engine: Engine, world: World, out: Path):  # type: ignore[no-untyped-def]
    return export_offline(
        engine,
        site=SITE_A,
        start=MONDAY,
        end=FRIDAY,
        out=out,
        clock=EXPORT_CLOCK,
        actor=world.agent,
    )


def raw_edit(path: Path, *statements: str) -> None:
    """Edit a copy by hand as an attacker would: sqlite3, every trigger dropped."""
    raw = sqlite3.connect(path)
    try:
        triggers = [
            r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='trigger'")
        ]
        for name in triggers:
            raw.execute(f'DROP TRIGGER "{name}"')
        for statement in statements:
            raw.execute(statement)
        raw.commit()
    finally:
        raw.close()


def state(engine: Engine) -> tuple[object, ...]:
    """Everything an import may change: the rows of every table, marks, closings, audit."""
    with Session(engine) as s:
        marks = sorted(
            (r.enrolment_id, r.day, r.unit_id, r.present, r.unexpected, r.origin)
            for r in s.exec(select(Attendance))
        )
        closings = sorted((r.unit_id, r.day, r.origin) for r in s.exec(select(DayClosing)))
        audits = s.exec(select(func.count()).select_from(AuditEvent)).one()
    return dump(engine), marks, closings, audits


# ------------------------------------------------------------------ the copy


def test_the_copy_holds_no_password_hash_and_is_readable_by_its_owner_only(engine, world, tmp_path):
    out = tmp_path / "mons.db"
    export(engine, world, out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    for suffix in ("-wal", "-shm", ".part"):
        assert not Path(f"{out}{suffix}").exists()
    assert b"$argon2" not in out.read_bytes()
    raw = sqlite3.connect(out)
    try:
        hashes = {row[0] for row in raw.execute("SELECT password_hash FROM agent")}
    finally:
        raw.close()
    assert hashes == {""}
    # Opened by the application (WAL), its side files are private too.
    copy = make_engine(f"sqlite:///{out}")
    try:
        upgrade(copy)
        mark_attendance(
            copy,
            enrolment_id=world.enrolments["Paul"],
            day=MONDAY,
            unit_id=world.unit_a,
            present=True,
            actor=world.staff,
            clock=clock_at("2020-09-21T12:00"),
        )
        for suffix in ("-wal", "-shm"):
            side = Path(f"{out}{suffix}")
            if side.exists():
                assert stat.S_IMODE(side.stat().st_mode) == 0o600, suffix
    finally:
        copy.dispose()


def test_the_main_database_secret_never_leaves_it(engine, world, tmp_path):
    out = tmp_path / "mons.db"
    export(engine, world, out)
    with engine.connect() as conn:
        secrets = [row[0] for row in conn.exec_driver_sql("SELECT value FROM app_secret")]
    assert len(secrets) == 1 and len(secrets[0]) >= 32
    raw = sqlite3.connect(out)
    try:
        assert raw.execute("SELECT count(*) FROM app_secret").fetchone() == (0,)
    finally:
        raw.close()
    assert secrets[0].encode() not in out.read_bytes()
    # A second export seals with the same secret.
    export(engine, world, tmp_path / "mons2.db")
    with engine.connect() as conn:
        assert [r[0] for r in conn.exec_driver_sql("SELECT value FROM app_secret")] == secrets


def test_staff_sign_in_to_the_copy_with_their_login_and_its_code(engine, world, tmp_path):
    out = tmp_path / "mons.db"
    summary = export(engine, world, out)
    code = summary.access_code
    assert len(code) == 14 and code.count("-") == 2
    assert code.encode() not in out.read_bytes()
    copy = make_engine(f"sqlite:///{out}")
    at = clock_at("2020-09-21T07:55")
    try:
        actor = authenticate(copy, "cantine", code, at)
        assert actor.is_staff and actor.id == world.staff.id
        # Typed in lower case, without dashes: the same code.
        assert authenticate(copy, "superviseur", code.lower().replace("-", ""), at).is_supervisor
        with pytest.raises(AuthenticationError, match="incorrect"):
            authenticate(copy, "cantine", "cantine", at, sleep=lambda _: None)
        with pytest.raises(AuthenticationError, match="incorrect"):
            authenticate(copy, "cantine", "AAAA-BBBB-CCCC", at, sleep=lambda _: None)
        # The counter agent has no account in the copy.
        with pytest.raises(AuthenticationError, match="incorrect"):
            authenticate(copy, "guichet", code, at, sleep=lambda _: None)
    finally:
        copy.dispose()
    # The code opens the copy only: the main database still wants the password.
    with pytest.raises(AuthenticationError, match="incorrect"):
        authenticate(engine, "cantine", code, at, sleep=lambda _: None)
    assert authenticate(engine, "cantine", "cantine", at).is_staff


# ------------------------------------------------------------------ the import


def _mark_in_copy(out: Path, world: World) -> None:
    copy = make_engine(f"sqlite:///{out}")
    try:
        mark_attendance(
            copy,
            enrolment_id=world.enrolments["Lucie"],
            day=MONDAY,
            unit_id=world.unit_a,
            present=True,
            actor=world.staff,
            clock=clock_at("2020-09-21T12:00"),
        )
    finally:
        copy.dispose()


@pytest.mark.parametrize(
    "edit",
    [
        "UPDATE offline_copy SET site = 'Restaurant scolaire Alès Jean Macé'",
        "UPDATE offline_copy SET end_date = '2020-10-02'",
        # Taking the mairie's name makes every mairie mark and closing "the copy's own".
        "UPDATE offline_copy SET id = 'mairie'",
        "UPDATE offline_copy SET id = 'copie-0123456789abcdef'",
    ],
    ids=["site", "period", "id-mairie", "id-other"],
)
def test_a_copy_whose_identity_was_edited_is_refused_and_nothing_written(
    engine, world, tmp_path, edit
):
    out = tmp_path / "mons.db"
    export(engine, world, out)
    _mark_in_copy(out, world)
    raw_edit(
        out,
        edit,
        "UPDATE attendance SET origin = (SELECT id FROM offline_copy)",
        "UPDATE day_closing SET origin = (SELECT id FROM offline_copy)",
    )
    before = state(engine)
    with pytest.raises(ServiceError, match="Import refusé"):
        import_offline(engine, out, clock=LATER, actor=world.agent)
    assert state(engine) == before


def test_a_copy_exported_from_another_database_is_refused(engine, world, tmp_path):
    other = make_engine(f"sqlite:///{tmp_path / 'autre-mairie.db'}")
    try:
        upgrade(other)
        other_world = build_world(other)  # the same ids, another database
        out = tmp_path / "autre.db"
        export(other, other_world, out)
    finally:
        other.dispose()
    _mark_in_copy(out, world)
    before = state(engine)
    with pytest.raises(ServiceError, match="ne vient pas de cette base.*Import refusé"):
        import_offline(engine, out, clock=LATER, actor=world.agent)
    assert state(engine) == before


def test_a_hand_edited_copy_brings_back_only_what_it_could_have_made(engine, world, tmp_path):
    e = world.enrolments
    out = tmp_path / "mons.db"
    export(engine, world, out)
    _mark_in_copy(out, world)  # Lucie present on Monday: legitimate
    # A supervisor closes Tuesday at the mairie after Jeannot was ticked absent there.
    mark_attendance(
        engine,
        enrolment_id=e["Jeannot"],
        day=TUESDAY,
        unit_id=world.unit_a,
        present=False,
        actor=world.agent,
        clock=clock_at("2020-09-22T12:00"),
    )
    close_day(
        engine,
        unit_id=world.unit_a,
        day=TUESDAY,
        actor=world.supervisor,
        clock=clock_at("2020-09-22T18:00"),
    )
    forged = [
        (e["Jeannot"], TUESDAY, world.unit_a),  # day closed at the mairie
        (e["Zoé"], MONDAY, world.unit_b),  # another site's child and unit
        (e["Paul"], MONDAY, world.unit_b),  # the copy's child, another site's unit
        (e["Inès"], MONDAY, world.unit_a),  # a child not in the copy
        (e["Paul"], NEXT_MONDAY, world.unit_a),  # outside the copy's period
        (e["Paul"], date(2020, 9, 14), world.unit_a),  # before it
        (e["Tom"], WEDNESDAY, world.unit_a),  # the unit does not run on Wednesdays
    ]
    raw_edit(
        out,
        *(
            "INSERT INTO attendance (enrolment_id, day, unit_id, present, unexpected, agent_id, "
            f"marked_at, origin) VALUES ({enrolment}, '{day}', {unit}, 1, 1, NULL, "
            "'2020-09-21 12:00:00', (SELECT id FROM offline_copy))"
            for enrolment, day, unit in forged
        ),
        "INSERT INTO day_closing (unit_id, day, agent_id, closed_at, origin) VALUES "
        f"({world.unit_b}, '{MONDAY}', NULL, '2020-09-21 18:00:00', (SELECT id FROM offline_copy))",
        "INSERT INTO day_closing (unit_id, day, agent_id, closed_at, origin) VALUES "
        f"({world.unit_a}, '{NEXT_MONDAY}', NULL, '2020-09-28 18:00:00', "
        "(SELECT id FROM offline_copy))",
    )
    with Session(engine) as s:
        marks_before = {
            (r.enrolment_id, r.day, r.unit_id): (r.present, r.origin)
            for r in s.exec(select(Attendance))
        }
        closings_before = {(r.unit_id, r.day) for r in s.exec(select(DayClosing))}

    report = import_offline(engine, out, clock=LATER, actor=world.agent)

    assert (report.added, report.updated, report.closings_added) == (1, 0, 0)
    refused = sorted((i.day, i.kind) for i in report.issues if not i.written)
    assert refused == sorted(
        [
            (TUESDAY, "day_closed"),
            (MONDAY, "other_site"),
            (MONDAY, "other_site"),
            (MONDAY, "not_in_copy"),
            (NEXT_MONDAY, "out_of_period"),
            (date(2020, 9, 14), "out_of_period"),
            (WEDNESDAY, "day_not_served"),
            # The forged closings.
            (MONDAY, "other_site"),
            (NEXT_MONDAY, "out_of_period"),
        ]
    )
    for issue in report.issues:
        assert "non importé" in issue.message or "ignorée" in issue.message, issue.message
    with Session(engine) as s:
        marks_after = {
            (r.enrolment_id, r.day, r.unit_id): (r.present, r.origin)
            for r in s.exec(select(Attendance))
        }
        closings_after = {(r.unit_id, r.day) for r in s.exec(select(DayClosing))}
    assert set(marks_after) - set(marks_before) == {(e["Lucie"], MONDAY, world.unit_a)}
    assert {k: v for k, v in marks_after.items() if k in marks_before} == marks_before
    assert closings_after == closings_before


def test_first_exports_at_once_share_one_secret(engine, db_url, world, tmp_path):
    """The secret is created lazily by the first export: desks doing it together agree.

    (Only the secret is raced: Alembic, which migrates each new copy, is not
    thread-safe within one process; exports from several desks are processes.)
    """
    from mairie_tui.services.offline.seal import main_secret
    from tests.services.test_races import race, split

    secrets, errors = split(race(db_url, [main_secret] * 4))
    assert errors == [] and len(set(secrets)) == 1
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM app_secret").scalar_one() == 1
    summary = export(engine, world, tmp_path / "mons.db")
    _mark_in_copy(summary.path, world)
    assert import_offline(engine, summary.path, clock=LATER, actor=world.agent).added == 1
