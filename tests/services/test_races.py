"""Twenty desks on one database: races run for real, several threads with their own
engine (own connections) released together by a barrier, on SQLite and PostgreSQL.

Each race runs several rounds; the assertions are on outcomes and on the rows
written, never on timings.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from mairie_tui.db import make_engine, read_session, unit_of_work
from mairie_tui.models import Activity, Booking, Enrolment, Household, Person, Unit
from mairie_tui.services.bookings import open_booking, validate_booking
from mairie_tui.services.common import next_number
from mairie_tui.services.enrolments import activate_enrolment, enrol_child
from mairie_tui.services.errors import ServiceError
from mairie_tui.services.household_edit import create_household
from tests.helpers import DESK, clock_at
from tests.services.test_household_edit import GUERIN
from tests.services.test_requests import AGENT, fast_seed

DESKS = 8
ROUNDS = 3
CLOCK = clock_at("2020-10-01T10:00")
NOW = datetime(2020, 10, 1, 8, 0, tzinfo=UTC)
# Canteen days open for booking on CLOCK's day (Mon, Tue, Thu of mid-November).
DAYS = (date(2020, 11, 16), date(2020, 11, 17), date(2020, 11, 19))


def race(db_url: str, work: list[Callable[[Engine], Any]]) -> list[Any]:
    """Run each work item in its own thread with its own engine, all released at once.

    Returns each item's result, or the exception it raised.
    """
    barrier = threading.Barrier(len(work))
    outcomes: list[Any] = [None] * len(work)

    def desk(index: int) -> None:
        own = make_engine(db_url)
        try:
            with own.connect():  # open the connection before the start signal
                pass
            barrier.wait(timeout=30)
            outcomes[index] = work[index](own)
        except Exception as exc:  # noqa: BLE001 — the outcome is checked by the test
            outcomes[index] = exc
        finally:
            own.dispose()

    threads = [threading.Thread(target=desk, args=(i,)) for i in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a desk is frozen"
    return outcomes


def split(outcomes: list[Any]) -> tuple[list[Any], list[BaseException]]:
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    return [o for o in outcomes if not isinstance(o, BaseException)], errors


def only_service_errors(errors: list[BaseException], pattern: str) -> None:
    """Every refusal is a French ServiceError matching pattern — never a driver error."""
    for error in errors:
        assert isinstance(error, ServiceError), repr(error)
        assert pattern.lower() in str(error).lower(), str(error)


def add_children(engine: Engine, household_id: int, count: int, prefix: str) -> list[int]:
    with unit_of_work(engine) as session:
        children = [
            Person(
                household_id=household_id,
                role="child",
                first_name=f"{prefix}{i}",
                last_name="FAMILLE TEST",
                birth_date=date(2014, 3, 1),
            )
            for i in range(count)
        ]
        session.add_all(children)
        session.flush()
        return [child.id for child in children if child.id is not None]


def enrol_directly(engine: Engine, child_ids: list[int], activity_id: int) -> list[int]:
    with unit_of_work(engine) as session:
        rows = [
            Enrolment(
                person_id=child_id,
                activity_id=activity_id,
                start_date=date(2020, 9, 1),
                end_date=date(2021, 7, 6),
                status="active",
            )
            for child_id in child_ids
        ]
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows if row.id is not None]


def live_count(engine: Engine, unit_id: int, day: date) -> int:
    with read_session(engine) as session:
        return session.exec(
            select(func.count())
            .select_from(Booking)
            .where(
                Booking.unit_id == unit_id,
                Booking.day == day,
                Booking.status.in_(("booked", "pending")),  # type: ignore[attr-defined]
            )
        ).one()


@pytest.mark.pg
def test_one_place_left_goes_to_exactly_one_of_many_desks(engine, db_url):
    ids = fast_seed(engine)
    capacity = 3
    with unit_of_work(engine) as session:
        unit = session.get(Unit, ids.unit_id)
        assert unit is not None
        unit.capacity = capacity
        session.add(unit)
    # capacity - 1 places already taken on each day by other children.
    holders = enrol_directly(
        engine, add_children(engine, ids.household_id, capacity - 1, "Tenant"), ids.activity_id
    )
    with unit_of_work(engine) as session:
        for day in DAYS:
            for enrolment_id in holders:
                session.add(
                    Booking(enrolment_id=enrolment_id, day=day, unit_id=ids.unit_id, updated_at=NOW)
                )
    for round_day in DAYS:
        children = add_children(engine, ids.household_id, DESKS, f"R{round_day.day}-")
        enrolments = enrol_directly(engine, children, ids.activity_id)
        drafts = [
            open_booking(engine, enrolment_id, CLOCK, actor=DESK) for enrolment_id in enrolments
        ]
        for draft in drafts:
            draft.draft.toggle(round_day, ids.unit_id)
            assert len(draft.draft.recap()) == 1

        def validate(draft: Any) -> Callable[[Engine], Any]:
            return lambda own: validate_booking(own, draft, actor=AGENT, clock=CLOCK)

        won, refused = split(race(db_url, [validate(d) for d in drafts]))
        assert len(won) == 1, refused
        only_service_errors(refused, "complet (3 places)")
        assert live_count(engine, ids.unit_id, round_day) == capacity


@pytest.mark.pg
def test_the_same_child_enrolled_from_many_desks_gets_one_enrolment(engine, db_url):
    ids = fast_seed(engine)
    for round_number in range(ROUNDS):
        (child_id,) = add_children(engine, ids.household_id, 1, f"Solo{round_number}-")

        def enrol(own: Engine, child_id: int = child_id) -> int:
            return enrol_child(
                own, child_id=child_id, activity_id=ids.activity_id, actor=AGENT, clock=CLOCK
            )

        won, refused = split(race(db_url, [enrol] * DESKS))
        assert len(won) == 1, refused
        only_service_errors(refused, "est déjà inscrit")
        with read_session(engine) as session:
            rows = session.exec(select(Enrolment).where(Enrolment.person_id == child_id)).all()
        assert [row.id for row in rows] == won


@pytest.mark.pg
def test_a_creche_place_is_given_once_at_activation(engine, db_url):
    ids = fast_seed(engine)
    with unit_of_work(engine) as session:
        creche = Activity(
            code="CRECHE-TEST", name="Crèche Les Petits", kind="creche", site="Mons",
            commune_insee="30173",
        )  # fmt: skip
        session.add(creche)
        session.flush()
        assert creche.id is not None
        session.add(Unit(activity_id=creche.id, name="Journée", weekdays="0,1,2,3,4", capacity=1))
        creche_id = creche.id
    for round_number in range(ROUNDS):
        children = add_children(engine, ids.household_id, DESKS, f"Bebe{round_number}-")
        pending = [
            enrol_child(engine, child_id=c, activity_id=creche_id, actor=AGENT, clock=CLOCK)
            for c in children
        ]

        def activate(enrolment_id: int) -> Callable[[Engine], Any]:
            return lambda own: activate_enrolment(own, enrolment_id, actor=AGENT, clock=CLOCK)

        won, refused = split(race(db_url, [activate(e) for e in pending]))
        assert len(won) == 1, refused
        only_service_errors(refused, "est complète")
        with unit_of_work(engine) as session:  # free the place for the next round
            for row in session.exec(
                select(Enrolment).where(
                    Enrolment.activity_id == creche_id, Enrolment.status == "active"
                )
            ):
                row.status = "ended"
                session.add(row)


@pytest.mark.pg
def test_the_database_refuses_an_overlapping_enrolment(engine):
    ids = fast_seed(engine)

    def insert(start: date, end: date, status: str = "active") -> None:
        with unit_of_work(engine) as session:
            session.add(
                Enrolment(
                    person_id=ids.child_id,
                    activity_id=ids.activity_id,
                    start_date=start,
                    end_date=end,
                    status=status,
                )
            )

    # The seed's enrolment covers 01/09/2020 - 06/07/2021.
    with pytest.raises(IntegrityError):
        insert(date(2021, 7, 6), date(2021, 7, 31))
    with pytest.raises(IntegrityError):
        insert(date(2021, 1, 1), date(2021, 1, 31), status="pending")
    insert(date(2021, 7, 7), date(2021, 7, 31))  # the day after: no overlap
    insert(date(2021, 1, 1), date(2021, 1, 31), status="ended")  # an ended one does not count
    with pytest.raises(IntegrityError), unit_of_work(engine) as session:
        ended = session.exec(
            select(Enrolment).where(
                Enrolment.person_id == ids.child_id, Enrolment.status == "ended"
            )
        ).one()
        ended.status = "active"  # reviving it would overlap
        session.add(ended)
    with read_session(engine) as session:
        assert (
            session.exec(
                select(func.count())
                .select_from(Enrolment)
                .where(Enrolment.person_id == ids.child_id)
            ).one()
            == 3
        )


@pytest.mark.pg
def test_concurrent_numbers_are_distinct_and_consecutive(engine, db_url):
    for round_number in range(ROUNDS):
        name = f"race-{round_number}"

        def take(own: Engine, name: str = name) -> int:
            with unit_of_work(own) as session:
                return next_number(session, name)

        numbers, errors = split(race(db_url, [take] * DESKS))
        assert errors == []
        assert sorted(numbers) == list(range(1, DESKS + 1))


@pytest.mark.pg
def test_the_same_external_id_from_many_desks_creates_one_household(engine, db_url):
    fast_seed(engine)
    for round_number in range(ROUNDS):
        external_id = f"CAF-{round_number}"
        data = replace(GUERIN, external_id=external_id)

        def create(own: Engine, data: Any = data) -> Any:
            return create_household(own, data, actor=AGENT, clock=CLOCK, allow_duplicates=True)

        won, refused = split(race(db_url, [create] * DESKS))
        assert len(won) == 1, refused
        only_service_errors(refused, f"Identifiant externe déjà utilisé : {external_id}")
        with read_session(engine) as session:
            assert (
                session.exec(
                    select(func.count())
                    .select_from(Household)
                    .where(Household.external_id == external_id)
                ).one()
                == 1
            )


@pytest.mark.pg
def test_households_created_at_once_get_distinct_dossiers(engine, db_url):
    """The first dossier number of a database is also a race (its counter row is missing)."""
    fast_seed(engine)
    for round_number in range(ROUNDS):

        def create(index: int, round_number: int = round_number) -> Callable[[Engine], Any]:
            data = replace(GUERIN, external_id=f"R{round_number}-{index}")
            return lambda own: create_household(
                own, data, actor=AGENT, clock=CLOCK, allow_duplicates=True
            )

        saved, errors = split(race(db_url, [create(i) for i in range(DESKS)]))
        assert errors == []
        assert len({household.dossier for household in saved}) == DESKS


@pytest.mark.pg
def test_one_appointment_slot_goes_to_one_desk(engine, db_url):
    from mairie_tui.models import Appointment
    from mairie_tui.services.appointments import book_appointment, get_agenda
    from tests.services.test_appointments import CLOCK as TUESDAY_CLOCK
    from tests.services.test_appointments import THURSDAY, at

    fast_seed(engine)
    get_agenda(engine, "titres", actor=AGENT)
    for hour in (9, 10, 14)[:ROUNDS]:
        moment = at(THURSDAY, hour, 10)

        def book(own: Engine, moment: datetime = moment) -> Any:
            return book_appointment(
                own, code="titres", starts_at=moment, actor=AGENT, clock=TUESDAY_CLOCK
            )

        won, refused = split(race(db_url, [book] * DESKS))
        assert len(won) == 1, refused
        only_service_errors(refused, "vient d'être pris")
        with read_session(engine) as session:
            taken = session.exec(
                select(func.count())
                .select_from(Appointment)
                .where(Appointment.starts_at == moment, Appointment.held.is_(True))  # type: ignore[union-attr]
            ).one()
        assert taken == 1


@pytest.mark.pg
def test_the_same_absence_from_many_desks_is_recorded_once(engine, db_url):
    from mairie_tui.models import Absence
    from mairie_tui.services.absences import declare_absence

    ids = fast_seed(engine)
    for round_number in range(ROUNDS):
        (child_id,) = add_children(engine, ids.household_id, 1, f"Absent{round_number}-")

        def declare(own: Engine, child_id: int = child_id) -> Any:
            return declare_absence(
                own,
                household_id=ids.household_id,
                child_id=child_id,
                start=DAYS[0],
                end=DAYS[-1],
                reason="maladie",
                actor=AGENT,
                clock=CLOCK,
            )

        won, refused = split(race(db_url, [declare] * DESKS))
        assert len(won) == 1, refused
        only_service_errors(refused, "est déjà signalée")
        with read_session(engine) as session:
            rows = session.exec(select(Absence).where(Absence.person_id == child_id)).all()
        assert len(rows) == 1


@pytest.mark.pg
def test_the_same_household_file_imported_at_once_creates_each_household_once(
    engine, db_url, tmp_path
):
    from mairie_tui.services.household_io import COLUMNS, import_households
    from tests.services.test_household_io import good

    fast_seed(engine)
    for round_number in range(ROUNDS):
        path = tmp_path / f"foyers-{round_number}.csv"
        lines = [good(1000 * round_number + n) for n in range(20)]
        path.write_text("\n".join([";".join(COLUMNS), *lines]) + "\n", encoding="utf-8")

        def load(own: Engine, path: Any = path) -> Any:
            return import_households(own, path, actor=AGENT, clock=CLOCK, apply=True)

        reports, errors = split(race(db_url, [load] * 4))
        assert errors == []
        assert sum(report.imported for report in reports) == 20
        with read_session(engine) as session:
            assert (
                session.exec(
                    select(func.count())
                    .select_from(Household)
                    .where(col(Household.external_id).like(f"X-{1000 * round_number}%"))
                ).one()
                >= 1
            )
            assert session.exec(select(func.count()).select_from(Household)).one() == 1 + 20 * (
                round_number + 1
            )


@pytest.mark.pg
def test_the_same_offline_copy_imported_at_once_is_merged_once(engine, db_url, tmp_path):
    from mairie_tui.models.attendance import Attendance
    from mairie_tui.services.lists import mark_attendance
    from mairie_tui.services.offline import export_offline, import_offline
    from tests.services.test_lists import MONDAY, SITE_A, build_world
    from tests.services.test_offline import EXPORT_CLOCK, FRIDAY

    world = build_world(engine)
    later = clock_at("2020-09-25T17:00")
    for round_number in range(ROUNDS):
        day = MONDAY + timedelta(days=(0, 1, 3)[round_number])  # a new day each round
        out = tmp_path / f"copie-{round_number}.db"
        export_offline(
            engine, site=SITE_A, start=MONDAY, end=FRIDAY, out=out, clock=EXPORT_CLOCK,
            actor=world.agent,
        )  # fmt: skip
        copy = make_engine(f"sqlite:///{out}")
        try:
            for first, present in (("Jeannot", False), ("Lucie", False)):
                mark_attendance(
                    copy, enrolment_id=world.enrolments[first], day=day, unit_id=world.unit_a,
                    present=present, actor=world.staff, clock=clock_at("2020-09-24T20:00"),
                )  # fmt: skip
        finally:
            copy.dispose()

        def load(own: Engine, out: Any = out) -> Any:
            return import_offline(own, out, clock=later, actor=world.agent)

        reports, errors = split(race(db_url, [load] * 4))
        assert errors == []
        assert sum(report.added for report in reports) == 2
        assert sum(report.unchanged for report in reports) == 2 * 3
        with read_session(engine) as session:
            marks = session.exec(select(func.count()).select_from(Attendance)).one()
        assert marks == 2 * (round_number + 1)
