"""What validation writes, read back from the database: the live bookings are exactly
the days the draft showed ticked (SQLite and PostgreSQL).

These replace the domain's `apply_recap`, a model of validation that the
tests compared drafts with; here `validate_booking` writes and the database
answers.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import col, select

from mairie_tui.db import read_session
from mairie_tui.domain.draft import BookingDraft, ChangeKind, Key, WeeklyPattern, WeekParity
from mairie_tui.models import Booking
from mairie_tui.services.bookings import BookingSession, open_booking, validate_booking
from mairie_tui.services.common import Actor
from mairie_tui.services.demo import build_demo, seed_ids
from tests.domain.domain_helpers import d
from tests.helpers import DESK, clock_at

AGENT = Actor(id=1, login="guichet", name="Camille Martin", role="agent")
CLOCK = clock_at("2020-09-15T10:00")
SEED_DAYS = (d("25/09/2020"), d("28/09/2020"), d("29/09/2020"))


@pytest.fixture
def enrolment_id(engine) -> int:
    build_demo(engine, households=0)
    with read_session(engine) as session:
        return seed_ids(session).enrolment_id


def live_keys(engine, enrolment_id: int) -> set[Key]:
    with read_session(engine) as session:
        rows = session.exec(
            select(Booking.day, Booking.unit_id).where(
                Booking.enrolment_id == enrolment_id,
                col(Booking.status).in_(("booked", "pending")),
            )
        ).all()
    return {(day, unit_id) for day, unit_id in rows}


def ticked_keys(draft: BookingDraft) -> set[Key]:
    candidates = set(draft.existing) | set(draft.changes)
    return {key for key in candidates if draft.is_ticked(*key)}


def repas(booking: BookingSession) -> int:
    (unit,) = booking.units
    return unit.id


def validate(engine, booking: BookingSession) -> set[Key]:
    """Validate the draft; the live bookings the database then holds."""
    validate_booking(engine, booking, actor=AGENT, clock=CLOCK)
    return live_keys(engine, booking.enrolment.id)


def test_ticked_days_are_booked(engine, enrolment_id) -> None:
    booking = open_booking(engine, enrolment_id, CLOCK, actor=DESK)
    booking.draft.set_days(SEED_DAYS, True)
    assert validate(engine, booking) == {(day, repas(booking)) for day in SEED_DAYS}


def test_an_unticked_booked_day_is_cancelled_and_the_others_stay(engine, enrolment_id) -> None:
    booking = open_booking(engine, enrolment_id, CLOCK, actor=DESK)
    booking.draft.set_days(SEED_DAYS, True)
    validate(engine, booking)
    booking = open_booking(engine, enrolment_id, CLOCK, actor=DESK)
    R = repas(booking)
    booking.draft.toggle(d("25/09/2020"), R)
    assert [(line.day, line.kind) for line in booking.draft.recap()] == [
        (d("25/09/2020"), ChangeKind.REMOVE)
    ]
    assert validate(engine, booking) == {(d("28/09/2020"), R), (d("29/09/2020"), R)}
    with read_session(engine) as session:
        friday = session.exec(
            select(Booking).where(
                Booking.enrolment_id == enrolment_id, Booking.day == d("25/09/2020")
            )
        ).one()
    assert friday.status == "cancelled"


def test_a_periodicity_removes_the_fridays_of_even_weeks(engine, enrolment_id) -> None:
    booking = open_booking(engine, enrolment_id, CLOCK, actor=DESK)
    R = repas(booking)
    first_half = [d("01/10/2020") + timedelta(days=n) for n in range(16)]  # 01/10 … 16/10
    booking.draft.set_days(first_half, True)
    booked = validate(engine, booking)
    # Mons' canteen: Monday, Tuesday, Thursday, Friday.
    october = ["01", "02", "05", "06", "08", "09", "12", "13", "15", "16"]
    assert booked == {(d(f"{day}/10/2020"), R) for day in october}
    booking = open_booking(engine, enrolment_id, CLOCK, actor=DESK)
    booking.draft.apply_pattern(
        WeeklyPattern(
            weekdays=frozenset({4}),
            unit_ids=(R,),
            start=d("01/10/2020"),
            end=d("16/10/2020"),
            parity=WeekParity.EVEN,
            tick=False,
        )
    )
    # Fridays 02/10 (week 40) and 16/10 (week 42); 09/10 is in week 41.
    assert validate(engine, booking) == booked - {(d("02/10/2020"), R), (d("16/10/2020"), R)}


FIRST, LAST = date(2020, 9, 16), date(2020, 12, 18)
day_in_term = st.integers(min_value=0, max_value=(LAST - FIRST).days).map(
    lambda offset: FIRST + timedelta(days=offset)
)


@st.composite
def bulk_edit(draw):
    """One of the screen's bulk edits (they never force): a range, or a periodicity."""
    start = draw(day_in_term)
    end = start + timedelta(days=draw(st.integers(min_value=0, max_value=30)))
    ticked = draw(st.booleans())
    if draw(st.booleans()):
        return lambda draft: draft.set_days(
            [start + timedelta(days=n) for n in range((end - start).days + 1)], ticked
        )
    weekdays = frozenset(draw(st.sets(st.integers(min_value=0, max_value=6), min_size=1)))
    parity = draw(st.sampled_from(list(WeekParity)))
    return lambda draft: draft.apply_pattern(
        WeeklyPattern(
            weekdays=weekdays,
            unit_ids=tuple(unit.id for unit in draft.ctx.units),
            start=start,
            end=end,
            parity=parity,
            tick=ticked,
        )
    )


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(edits=st.lists(bulk_edit(), min_size=1, max_size=5))
def test_validation_writes_the_ticks_and_the_inverse_edits_give_back_the_bookings(
    engine, enrolment_id, edits
) -> None:
    # Each example starts from what the previous ones left in the database.
    before = live_keys(engine, enrolment_id)
    booking = open_booking(engine, enrolment_id, CLOCK, actor=DESK)
    assert set(booking.draft.existing) == before
    for edit in edits:
        edit(booking.draft)
    if not booking.draft.dirty:
        return
    expected = ticked_keys(booking.draft)
    recap = booking.draft.recap()
    assert validate(engine, booking) == expected
    back = open_booking(engine, enrolment_id, CLOCK, actor=DESK)
    for line in recap:
        result = back.draft.set(line.day, line.unit_id, line.kind is ChangeKind.REMOVE)
        assert result.changed == [(line.day, line.unit_id)], result.skipped
    assert validate(engine, back) == before
