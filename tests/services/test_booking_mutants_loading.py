"""Tests named after the mutations of services/bookings/loading.py (and `check_lines`) that
survived the mutation run: the capacity counted per day and unit without the child's own
places, the activity's holiday zone, the units' order, the asked window, who receives the
mail. They run on SQLite and PostgreSQL and assert what a desk sees or what gets written."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from mairie_tui.db import read_session, unit_of_work
from mairie_tui.domain.calendar import DayState
from mairie_tui.models import Activity, Booking, Enrolment, Household, Person, Unit
from mairie_tui.services.bookings import load_calendar, open_booking, validate_booking
from mairie_tui.services.bookings.loading import recipient_of
from mairie_tui.services.bookings.validation import check_lines
from mairie_tui.services.demo import build_demo, seed_ids
from mairie_tui.services.errors import NotFoundError
from tests.helpers import DESK, clock_at
from tests.services.test_booking_mutants import (
    AGENT,
    FRIDAY_25_09,
    MONDAY_28_09,
    add_closure,
    book,
    bookings_of,
    line,
)

THURSDAY_24_09 = date(2020, 9, 24)
WRITTEN = datetime(2020, 9, 10, 8, 0, tzinfo=UTC)


@pytest.fixture
def seed(engine):
    build_demo(engine, households=0)
    with read_session(engine) as session:
        return seed_ids(session)


def set_capacity(engine, unit_id, capacity):
    with unit_of_work(engine) as session:
        unit = session.get(Unit, unit_id)
        unit.capacity = capacity
        session.add(unit)


def add_household(session, dossier: str, email: str) -> int:
    household = Household(
        dossier=dossier,
        commune_insee="30007",
        commune_name="Alès",
        email=email,
        created_at=WRITTEN,
        updated_at=WRITTEN,
    )
    session.add(household)
    session.flush()
    return household.id


def other_enrolment(engine, seed) -> int:
    """A second child of another household, enrolled in the same activity."""
    with unit_of_work(engine) as session:
        enrolment = session.get(Enrolment, seed.enrolment_id)
        household_id = add_household(session, "F-888888", "voisins@example.org")
        child = Person(
            household_id=household_id, role="child", first_name="Nina", last_name="Voisin"
        )
        session.add(child)
        session.flush()
        other = Enrolment(
            person_id=child.id,
            activity_id=seed.activity_id,
            start_date=enrolment.start_date,
            end_date=enrolment.end_date,
        )
        session.add(other)
        session.flush()
        return other.id


def add_rows(engine, enrolment_id, rows):
    with unit_of_work(engine) as session:
        for day, unit_id, status in rows:
            session.add(
                Booking(
                    enrolment_id=enrolment_id,
                    day=day,
                    unit_id=unit_id,
                    status=status,
                    updated_at=WRITTEN,
                )
            )


def add_unit(engine, activity_id, name, position, capacity=None) -> int:
    with unit_of_work(engine) as session:
        unit = Unit(activity_id=activity_id, name=name, position=position, capacity=capacity)
        session.add(unit)
        session.flush()
        return unit.id


def loaded(engine, seed, now="2020-09-15T10:00", **window):
    with read_session(engine) as session:
        return load_calendar(session, seed.enrolment_id, clock_at(now).now(), **window)


def test_load_calendar_of_an_unknown_enrolment_names_its_number(engine, seed):
    """Kills `load_calendar`: `NotFoundError.numbered("Inscription", None)` and the
    number dropped."""
    with read_session(engine) as session, pytest.raises(NotFoundError) as missing:
        load_calendar(session, 987_654, clock_at("2020-09-15T10:00").now())
    assert str(missing.value) == "Inscription introuvable (n° 987654)."


def test_the_childs_own_place_on_a_full_day_is_not_counted_against_it(engine, seed):
    """Kills `load_calendar`: `_taken(session, None, …)` (the child's own bookings counted
    with the others', so a child holding the last place sees the day full).

    One place on the canteen: Jeannot takes it on 25/09. His calendar shows the day as
    booked and open, the count of others is zero, and he can give the place back."""
    set_capacity(engine, seed.unit_id, 1)
    book(engine, seed, FRIDAY_25_09, "2020-09-15T10:00")
    calendar = loaded(engine, seed)
    assert calendar.ctx.taken == {}
    unit = calendar.ctx.unit(seed.unit_id)
    assert calendar.ctx.status(FRIDAY_25_09, unit, has_booking=True).state is DayState.OPEN
    assert check_lines(calendar, [line(seed, FRIDAY_25_09, "remove")], AGENT) == []
    booking = open_booking(engine, seed.enrolment_id, clock_at("2020-09-15T11:00"), actor=DESK)
    assert booking.draft.status(FRIDAY_25_09, seed.unit_id).state is DayState.OPEN
    assert booking.draft.toggle(FRIDAY_25_09, seed.unit_id).changed == [
        (FRIDAY_25_09, seed.unit_id)
    ]
    validate_booking(engine, booking, actor=AGENT, clock=clock_at("2020-09-15T11:00"))
    assert bookings_of(engine, seed.enrolment_id) == {
        (FRIDAY_25_09, seed.unit_id): ("cancelled", None)
    }


def test_a_child_gives_back_its_place_on_a_day_over_capacity(engine, seed):
    """Kills `check_lines`: `status(…, has_booking=held)` → `has_booking=None` or left out
    (a child holding a place on a full day could not cancel it: « Complet »).

    Jeannot and another child booked 25/09 when the canteen took two; the capacity is now
    one. Jeannot's place is his: cancelling it is accepted, and written."""
    set_capacity(engine, seed.unit_id, 2)
    book(engine, seed, FRIDAY_25_09, "2020-09-15T10:00")
    add_rows(engine, other_enrolment(engine, seed), [(FRIDAY_25_09, seed.unit_id, "booked")])
    set_capacity(engine, seed.unit_id, 1)
    calendar = loaded(engine, seed)
    assert calendar.ctx.taken == {(FRIDAY_25_09, seed.unit_id): 1}
    assert check_lines(calendar, [line(seed, FRIDAY_25_09, "remove")], AGENT) == []
    clock = clock_at("2020-09-15T11:00")
    booking = open_booking(engine, seed.enrolment_id, clock, actor=DESK)
    assert booking.draft.toggle(FRIDAY_25_09, seed.unit_id).changed == [
        (FRIDAY_25_09, seed.unit_id)
    ]
    validate_booking(engine, booking, actor=AGENT, clock=clock)
    assert bookings_of(engine, seed.enrolment_id) == {
        (FRIDAY_25_09, seed.unit_id): ("cancelled", None)
    }


def test_a_full_day_is_refused_to_a_child_without_a_place(engine, seed):
    """The other side of the test above: the same full day, the place held by another
    child, is refused to Jeannot: the day's state is « Complet (1 place) »."""
    set_capacity(engine, seed.unit_id, 1)
    add_rows(engine, other_enrolment(engine, seed), [(FRIDAY_25_09, seed.unit_id, "booked")])
    calendar = loaded(engine, seed)
    assert calendar.ctx.taken == {(FRIDAY_25_09, seed.unit_id): 1}
    assert check_lines(calendar, [line(seed, FRIDAY_25_09, "add")], AGENT) == [
        "vendredi 25/09/2020 (Repas) : Complet (1 place)"
    ]


def test_the_places_taken_are_counted_per_day_and_per_unit(engine, seed):
    """Kills `_taken`: the `GROUP BY` on the day or on the unit dropped (counts summed
    over the days or over the units), any of its conditions dropped (uncapped units,
    cancelled rows, the window's first and last days) and `day <= last` → `<`.

    Another child holds places on two capped units and an uncapped one, with a cancelled
    row and rows on, inside and outside the window's bounds; the counts are those of each
    capped unit-day inside the window."""
    set_capacity(engine, seed.unit_id, 30)
    snack = add_unit(engine, seed.activity_id, "Goûter", position=5, capacity=20)
    free = add_unit(engine, seed.activity_id, "Garderie", position=6)
    other = other_enrolment(engine, seed)
    tuesday_29_09 = date(2020, 9, 29)
    add_rows(
        engine,
        other,
        [
            (date(2020, 9, 22), seed.unit_id, "booked"),
            (THURSDAY_24_09, seed.unit_id, "booked"),
            (FRIDAY_25_09, seed.unit_id, "pending"),
            (FRIDAY_25_09, snack, "booked"),
            (FRIDAY_25_09, free, "booked"),
            (MONDAY_28_09, snack, "cancelled"),
            (tuesday_29_09, snack, "booked"),
            (date(2020, 10, 1), seed.unit_id, "booked"),
        ],
    )
    window = loaded(engine, seed, start=THURSDAY_24_09, end=tuesday_29_09)
    assert window.ctx.taken == {
        (THURSDAY_24_09, seed.unit_id): 1,
        (FRIDAY_25_09, seed.unit_id): 1,
        (FRIDAY_25_09, snack): 1,
        (tuesday_29_09, snack): 1,
    }
    whole = loaded(engine, seed)
    assert whole.ctx.taken[(date(2020, 10, 1), seed.unit_id)] == 1
    assert len(whole.ctx.taken) == 6


def test_the_enrolment_summary_carries_what_the_agenda_and_the_tariffs_read(engine, seed):
    """Kills `summary_of`: the child's and the activity's ids, the activity's code and
    commune (the régie's tariff keys) replaced by None or left to their defaults."""
    calendar = loaded(engine, seed)
    summary = calendar.summary
    assert (summary.id, summary.child_id, summary.activity_id) == (
        seed.enrolment_id,
        seed.child_id,
        seed.activity_id,
    )
    assert (summary.activity_code, summary.commune_insee) == ("RS-MONS", "30173")
    assert (summary.child_name, summary.kind) == ("Jeannot", "canteen")


def test_load_calendar_reads_only_the_window_it_is_asked_for(engine, seed):
    """Kills `load_calendar`: `start or …` → `start and …` and `end or …` → `end and …`
    (the window widened to the whole period: rows outside it read and returned), and
    `_booking_rows` or `_closures` without one of the window's bounds."""
    for day in (date(2020, 9, 22), FRIDAY_25_09, MONDAY_28_09, date(2020, 10, 1)):
        book(engine, seed, day, "2020-09-15T10:00")
    for day in (date(2020, 9, 22), THURSDAY_24_09, date(2020, 9, 29), date(2020, 10, 1)):
        add_closure(engine, seed.activity_id, day, "travaux")
    window = loaded(engine, seed, start=THURSDAY_24_09, end=date(2020, 9, 29))
    assert sorted(window.rows) == [(FRIDAY_25_09, seed.unit_id), (MONDAY_28_09, seed.unit_id)]
    assert sorted(window.existing) == sorted(window.rows)
    assert sorted(window.ctx.closures) == [(THURSDAY_24_09, None), (date(2020, 9, 29), None)]
    whole = loaded(engine, seed)
    assert len(whole.rows) == 4
    assert len(whole.ctx.closures) == 4


def test_the_activitys_holiday_zone_decides_its_school_holidays(engine, seed):
    """Kills `context_of`: `HolidayCalendar(zone=activity.holiday_zone, …)` with the zone
    dropped (zone C for every activity) or None.

    Monday 08/02/2021 is in the winter holidays of zone A, not of zone C (Alès)."""
    monday = date(2021, 2, 8)
    zone_c = loaded(engine, seed)
    assert zone_c.ctx.status(monday, zone_c.ctx.unit(seed.unit_id)).state is DayState.OPEN
    with unit_of_work(engine) as session:
        activity = session.get(Activity, seed.activity_id)
        activity.holiday_zone = "A"
        session.add(activity)
    zone_a = loaded(engine, seed)
    status = zone_a.ctx.status(monday, zone_a.ctx.unit(seed.unit_id))
    assert (status.state, status.reason) == (DayState.HOLIDAY, "Vacances d'hiver")


def test_the_units_come_in_their_position_order(engine, seed):
    """Kills `_units`: the `ORDER BY` on the position dropped (units in the order they were
    created). The grid's columns and the recap follow this order."""
    late = add_unit(engine, seed.activity_id, "Étude", position=9)
    early = add_unit(engine, seed.activity_id, "Accueil du matin", position=-1)
    units = [unit.id for unit in loaded(engine, seed).ctx.units]
    assert units[0] == early
    assert units[-1] == late
    assert seed.unit_id in units[1:-1]


def test_the_mail_goes_to_the_representative_not_to_another_member(engine, seed):
    """Kills `recipient_of`: the `role == "representative"` filter dropped (the first
    member with an address, here a co-representative, would receive the mail)."""
    with unit_of_work(engine) as session:
        household_id = add_household(session, "F-777778", "foyer@example.org")
        session.add(
            Person(
                household_id=household_id,
                role="co_representative",
                first_name="Second",
                last_name="Parent",
                email="second-parent@example.org",
            )
        )
        session.flush()
        session.add(
            Person(
                household_id=household_id,
                role="representative",
                first_name="Premier",
                last_name="Parent",
                email="premier-parent@example.org",
            )
        )
    with read_session(engine) as session:
        assert recipient_of(session, household_id) == "premier-parent@example.org"
    with unit_of_work(engine) as session:
        representative = session.exec(
            select(Person).where(
                Person.household_id == household_id, Person.role == "representative"
            )
        ).one()
        representative.email = None
        session.add(representative)
    with read_session(engine) as session:
        assert recipient_of(session, household_id) == "foyer@example.org"
