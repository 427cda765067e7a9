"""Appointments on both databases: slots from opening hours, no double booking even
from two sessions at once, cancellation frees the slot."""

from __future__ import annotations

import threading
from datetime import date, datetime, time

import pytest
from sqlalchemy import func
from sqlmodel import select

from mairie_tui.clock import PARIS
from mairie_tui.db import make_engine, read_session
from mairie_tui.models.demarches import Appointment
from mairie_tui.services.appointments import (
    book_appointment,
    day_slots,
    get_agenda,
    next_free_slots,
)
from mairie_tui.services.errors import ConflictError, PermissionDenied, RuleViolation, ServiceError
from mairie_tui.services.requests import change_status, file_request, prefill
from tests.helpers import clock_at
from tests.services.agenda_helpers import live_appointment_ids, set_opening_hours
from tests.services.test_requests import AGENT, SAMPLES, STAFF, fast_seed

CLOCK = clock_at("2020-09-15T10:00")  # a Tuesday
THURSDAY = date(2020, 9, 17)


def at(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


@pytest.fixture
def seed(engine):
    return fast_seed(engine)


def test_slots_follow_the_opening_hours_and_slot_length(engine):
    agenda = get_agenda(engine, "titres", actor=AGENT)
    assert agenda.slot_minutes == 20 and agenda.hours_text(2) == "08h30-12h00"
    slots = day_slots(engine, "titres", THURSDAY, actor=AGENT, clock=CLOCK)
    labels = [slot.label for slot in slots]
    # 08:30-12:00 → 10 slots of 20 min (the last one 11h30-11h50); 13:30-17:00 → 10 more.
    assert labels[:3] == ["08h30", "08h50", "09h10"] and labels[9] == "11h30"
    assert labels[10] == "13h30" and len(labels) == 20
    assert all(slot.free for slot in slots)
    assert (
        day_slots(engine, "titres", date(2020, 9, 19), actor=AGENT, clock=CLOCK) == []
    )  # Saturday
    assert (
        day_slots(engine, "titres", date(2020, 11, 11), actor=AGENT, clock=CLOCK) == []
    )  # Armistice
    today = [
        s.label for s in day_slots(engine, "titres", date(2020, 9, 15), actor=AGENT, clock=CLOCK)
    ]
    assert today[0] == "10h10"  # past slots are not offered


def test_a_taken_slot_is_not_offered_twice(engine, seed):
    first = book_appointment(
        engine, code="titres", starts_at=at(THURSDAY, 9, 10), actor=AGENT, clock=CLOCK, name="A"
    )
    assert first.text == "jeudi 17/09/2020 à 09h10 (Guichet des titres d'identité)"
    with pytest.raises(ConflictError, match="vient d'être pris"):
        book_appointment(
            engine, code="titres", starts_at=at(THURSDAY, 9, 10), actor=AGENT, clock=CLOCK
        )
    slots = {
        s.label: s.free for s in day_slots(engine, "titres", THURSDAY, actor=AGENT, clock=CLOCK)
    }
    assert slots["09h10"] is False and slots["09h30"] is True
    assert next_free_slots(engine, "titres", actor=AGENT, clock=CLOCK, limit=3)[0].label == "10h10"


@pytest.mark.parametrize(
    ("moment", "message"),
    [
        (at(THURSDAY, 9, 0), "n'est pas un créneau"),
        (at(THURSDAY, 12, 10), "n'est pas un créneau"),
        (at(date(2020, 9, 15), 8, 30), "est déjà passé"),
        (at(date(2021, 3, 4), 8, 30), "au plus 60 jours à l'avance"),
    ],
)
def test_a_time_that_is_not_a_slot_is_refused(engine, seed, moment, message):
    with pytest.raises(RuleViolation, match=message):
        book_appointment(engine, code="titres", starts_at=moment, actor=AGENT, clock=CLOCK)


def test_two_desks_at_once_get_one_slot_and_one_conflict(engine, seed, db_url):
    moment = at(THURSDAY, 14, 10)
    get_agenda(engine, "titres", actor=AGENT)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def desk(name: str) -> None:
        own = make_engine(db_url)  # a separate session and connection pool per desk
        try:
            barrier.wait()
            book_appointment(
                own, code="titres", starts_at=moment, actor=AGENT, clock=CLOCK, name=name
            )
            outcomes.append("ok")
        except ConflictError:
            outcomes.append("conflit")
        finally:
            own.dispose()

    threads = [threading.Thread(target=desk, args=(name,)) for name in ("A", "B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["conflit", "ok"]
    with read_session(engine) as session:
        assert session.exec(select(func.count()).select_from(Appointment)).one() == 1


def test_the_database_itself_refuses_a_second_live_appointment(engine, seed):
    book_appointment(engine, code="titres", starts_at=at(THURSDAY, 8, 30), actor=AGENT, clock=CLOCK)
    from sqlalchemy.exc import IntegrityError

    from mairie_tui.db import unit_of_work

    with read_session(engine) as session:
        row = session.exec(select(Appointment)).one()
    with pytest.raises(IntegrityError), unit_of_work(engine) as session:
        session.add(
            Appointment(
                agenda_id=row.agenda_id,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                created_at=row.created_at,
            )
        )


def test_a_refused_demarche_frees_its_slot_for_another_booking(engine, seed):
    moment = at(THURSDAY, 8, 50)
    raw = {**prefill(engine, "rdv_titres", seed.household_id, actor=AGENT), **SAMPLES["rdv_titres"]}
    filed = file_request(
        engine,
        code="rdv_titres",
        answers=raw,
        actor=AGENT,
        clock=CLOCK,
        household_id=seed.household_id,
        appointment_at=moment,
    )
    (first,) = live_appointment_ids(engine, "titres", THURSDAY)
    change_status(engine, filed.id, "refusee", actor=AGENT, clock=CLOCK, comment="Empêché")
    assert live_appointment_ids(engine, "titres", THURSDAY) == []
    with read_session(engine) as session:
        released = session.get(Appointment, first)
        assert released is not None
        assert (released.held, released.cancel_reason) == (None, "Refuser")
    second = book_appointment(engine, code="titres", starts_at=moment, actor=AGENT, clock=CLOCK)
    assert second.live and second.id != first
    assert live_appointment_ids(engine, "titres", THURSDAY) == [second.id]


def test_the_demarche_books_its_slot_and_a_refusal_frees_it(engine, seed):
    raw = {**prefill(engine, "rdv_titres", seed.household_id, actor=AGENT), **SAMPLES["rdv_titres"]}
    moment = at(THURSDAY, 15, 10)
    filed = file_request(
        engine,
        code="rdv_titres",
        answers=raw,
        actor=AGENT,
        clock=CLOCK,
        household_id=seed.household_id,
        appointment_at=moment,
    )
    assert filed.appointment_at == moment
    assert filed.result == (
        "Rendez-vous le jeudi 17/09/2020 à 15h10 (Guichet des titres d'identité)",
    )
    with pytest.raises(ConflictError):
        file_request(
            engine,
            code="rdv_titres",
            answers=raw,
            actor=AGENT,
            clock=CLOCK,
            household_id=seed.household_id,
            appointment_at=moment,
        )
    with pytest.raises(ServiceError, match="Choisissez un créneau"):
        file_request(
            engine,
            code="rdv_titres",
            answers=raw,
            actor=AGENT,
            clock=CLOCK,
            household_id=seed.household_id,
        )
    change_status(
        engine, filed.id, "refusee", actor=AGENT, clock=CLOCK, comment="Dossier incomplet"
    )
    assert {
        s.label: s.free for s in day_slots(engine, "titres", THURSDAY, actor=AGENT, clock=CLOCK)
    }["15h10"]


def test_school_staff_cannot_book_an_appointment(engine, seed):
    with pytest.raises(PermissionDenied):
        book_appointment(
            engine, code="titres", starts_at=at(THURSDAY, 8, 30), actor=STAFF, clock=CLOCK
        )


def test_slots_follow_the_hours_and_slot_length_stored_for_the_agenda(engine, seed):
    set_opening_hours(engine, "titres", slot_minutes=30, opening={3: [(time(9, 0), time(10, 30))]})
    assert [s.label for s in day_slots(engine, "titres", THURSDAY, actor=AGENT, clock=CLOCK)] == [
        "09h00",
        "09h30",
        "10h00",
    ]
    assert day_slots(engine, "titres", date(2020, 9, 18), actor=AGENT, clock=CLOCK) == []
