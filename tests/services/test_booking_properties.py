"""Property tests of validation against a real database (SQLite and PostgreSQL).

What validation accepts and refuses is checked against an independent oracle in
test_booking_oracle.py; these check a round trip and concurrent desks."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from mairie_tui.clock import PARIS, FrozenClock
from mairie_tui.db import read_session
from mairie_tui.domain.draft import ChangeKind
from mairie_tui.models import Booking
from mairie_tui.services.bookings import open_booking, validate_booking
from mairie_tui.services.common import Actor
from mairie_tui.services.demo import build_demo, seed_ids
from mairie_tui.services.errors import ConflictError
from tests.helpers import DESK

AGENT = Actor(id=1, login="guichet", name="Camille Martin", role="agent")
SUPERVISOR = Actor(id=2, login="superviseur", name="Dominique Roux", role="supervisor")
PERIOD_START = date(2020, 8, 24)  # a little before the period: outside days too
DAYS = st.integers(min_value=0, max_value=80).map(lambda n: PERIOD_START + timedelta(days=n))
PROPERTY_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def seeded(engine):
    build_demo(engine, households=0)
    with read_session(engine) as session:
        return engine, seed_ids(session)


def live_bookings(engine, enrolment_id):
    with read_session(engine) as session:
        return {
            (b.day, b.unit_id): b
            for b in session.exec(select(Booking).where(Booking.enrolment_id == enrolment_id))
            if b.status in ("booked", "pending")
        }


@PROPERTY_SETTINGS
@given(days=st.lists(DAYS, min_size=1, max_size=10, unique=True))
def test_a_recap_validated_then_reversed_gives_back_the_bookings(seeded, days):
    engine, ids = seeded
    clock = FrozenClock(datetime(2020, 8, 20, 8, 0, tzinfo=PARIS))
    original = set(live_bookings(engine, ids.enrolment_id))
    booking = open_booking(engine, ids.enrolment_id, clock, actor=DESK)
    for day in days:
        booking.draft.toggle(day, ids.unit_id)
    recap = booking.draft.recap()
    if not recap:
        return
    validate_booking(engine, booking, actor=AGENT, clock=clock)
    assert set(live_bookings(engine, ids.enrolment_id)) != original
    reverse = open_booking(engine, ids.enrolment_id, clock, actor=DESK)
    for line in recap:
        reverse.draft.toggle(line.day, line.unit_id)
    flipped = {ChangeKind.ADD: ChangeKind.REMOVE, ChangeKind.REMOVE: ChangeKind.ADD}
    assert [(line.day, line.kind) for line in reverse.draft.recap()] == [
        (line.day, flipped[line.kind]) for line in recap
    ]
    validate_booking(engine, reverse, actor=AGENT, clock=clock)
    assert set(live_bookings(engine, ids.enrolment_id)) == original


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    first=st.lists(DAYS, min_size=1, max_size=5, unique=True),
    second=st.lists(DAYS, min_size=1, max_size=5, unique=True),
)
def test_two_concurrent_validations_never_both_succeed(seeded, first, second):
    engine, ids = seeded
    clock = FrozenClock(datetime(2020, 8, 20, 8, 0, tzinfo=PARIS))
    desks = [open_booking(engine, ids.enrolment_id, clock, actor=DESK) for _ in range(2)]
    for desk, days in zip(desks, (first, second), strict=True):
        for day in days:
            desk.draft.toggle(day, ids.unit_id)
    desks = [desk for desk in desks if desk.draft.recap()]
    barrier = threading.Barrier(len(desks))
    outcomes: list[str] = []

    def run(desk):
        barrier.wait()
        try:
            validate_booking(engine, desk, actor=AGENT, clock=clock)
            outcomes.append("ok")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=run, args=(desk,)) for desk in desks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == (1 if desks else 0)
    assert outcomes.count("conflict") == len(desks) - outcomes.count("ok")
