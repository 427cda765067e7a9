"""The booking use cases on both databases: the portal's seed scenario, rules,
optimistic locking, atomicity, permissions."""

from __future__ import annotations

import json
import threading
from datetime import date

import pytest
from sqlalchemy import func
from sqlmodel import select

from mairie_tui.db import read_session, unit_of_work
from mairie_tui.domain.calendar import DayState
from mairie_tui.domain.draft import DraftError
from mairie_tui.models import (
    AuditEvent,
    Booking,
    Closure,
    Enrolment,
    OutboxEmail,
    Request,
    RequestEvent,
)
from mairie_tui.services.bookings import (
    list_enrolments,
    month_view,
    open_booking,
    reload_booking,
    validate_booking,
)
from mairie_tui.services.bookings import validation as booking_validation
from mairie_tui.services.common import Actor
from mairie_tui.services.demo import build_demo, seed_ids
from mairie_tui.services.errors import (
    ConflictError,
    NotFoundError,
    PermissionDenied,
    RuleViolation,
    ServiceError,
)
from tests.helpers import DESK, clock_at

AGENT = Actor(id=1, login="guichet", name="Camille Martin", role="agent")
SUPERVISOR = Actor(id=2, login="superviseur", name="Dominique Roux", role="supervisor")
STAFF = Actor(id=3, login="cantine", name="Sandrine Vidal", role="staff")
SEED_DAYS = (date(2020, 9, 25), date(2020, 9, 28), date(2020, 9, 29))


@pytest.fixture
def seed(engine):
    build_demo(engine, households=0)
    with read_session(engine) as session:
        return seed_ids(session)


def table_counts(engine) -> dict[str, int]:
    with read_session(engine) as session:
        return {
            model.__name__: session.exec(select(func.count()).select_from(model)).one()
            for model in (Booking, Request, RequestEvent, AuditEvent, OutboxEmail)
        }


def tick(booking, days, **kwargs):
    for day in days:
        booking.draft.toggle(day, booking.units[0].id, **kwargs)


def test_enrolments_of_the_seed_household(engine, seed):
    (row,) = list_enrolments(engine, seed.household_id, actor=DESK)
    assert (row.child_name, row.activity_name, row.site, row.period_text) == (
        "Jeannot",
        "Restauration scolaire Mons",
        "Restaurant scolaire Mons Elementaire",
        "du 01/09/2020 au 06/07/2021",
    )


def test_seed_scenario_validates_three_days(engine, seed, seed_clock):
    booking = open_booking(engine, seed.enrolment_id, seed_clock, actor=DESK)
    assert booking.initial_day(seed_clock.today()) == date(2020, 9, 15)
    tick(booking, reversed(SEED_DAYS))
    assert [line.text() for line in booking.draft.recap()] == [
        "vendredi | 25/09/2020 | Repas | Ajout",
        "lundi | 28/09/2020 | Repas | Ajout",
        "mardi | 29/09/2020 | Repas | Ajout",
    ]
    result = validate_booking(engine, booking, actor=AGENT, clock=seed_clock)
    assert result.request_number == "2020-000001"
    assert result.recipient == "mairiedemons0517@orange.fr"
    with read_session(engine) as session:
        rows = session.exec(select(Booking).order_by(Booking.day)).all()
        assert [(b.day, b.status, b.enrolment_id) for b in rows] == [
            (day, "booked", seed.enrolment_id) for day in SEED_DAYS
        ]
        (request,) = session.exec(select(Request)).all()
        assert (request.type, request.status, request.household_id) == (
            "reservation",
            "traitee",
            seed.household_id,
        )
        assert [line["day"] for line in json.loads(request.answers)["lines"]] == [
            "2020-09-25",
            "2020-09-28",
            "2020-09-29",
        ]
        assert len(session.exec(select(RequestEvent)).all()) == 1
        (mail,) = session.exec(select(OutboxEmail)).all()
        assert mail.recipient == "mairiedemons0517@orange.fr"
        assert mail.subject == f"Votre demande n° {request.number} a été traitée"
        assert "- vendredi 25/09/2020 : Repas, ajout" in mail.body
        assert mail.request_id == request.id
        actions = [a.action for a in session.exec(select(AuditEvent))]
        assert actions == ["booking.validate"]
        assert session.get(Enrolment, seed.enrolment_id).version == 2


def test_after_the_deadline_25_09_is_refused_and_the_others_pass(engine, seed):
    clock = clock_at("2020-09-16T00:00")
    booking = open_booking(engine, seed.enrolment_id, clock, actor=DESK)
    results = [booking.draft.toggle(day, booking.units[0].id) for day in SEED_DAYS]
    assert results[0].changed == [] and results[0].skipped[0].state is DayState.LOCKED
    assert "Délai dépassé" in results[0].skipped[0].reason
    assert [line.day for line in booking.draft.recap()] == list(SEED_DAYS[1:])
    validate_booking(engine, booking, actor=AGENT, clock=clock)
    with read_session(engine) as session:
        assert [b.day for b in session.exec(select(Booking).order_by(Booking.day))] == list(
            SEED_DAYS[1:]
        )


def test_a_draft_made_before_the_deadline_is_rechecked_at_validation(engine, seed, seed_clock):
    booking = open_booking(engine, seed.enrolment_id, seed_clock, actor=DESK)
    tick(booking, SEED_DAYS)
    before = table_counts(engine)
    with pytest.raises(RuleViolation) as refused:
        validate_booking(engine, booking, actor=AGENT, clock=clock_at("2020-09-16T00:00"))
    assert "vendredi 25/09/2020 (Repas) : Délai dépassé" in refused.value.problems[0]
    assert table_counts(engine) == before


def test_supervisor_forces_a_locked_day_with_a_reason(engine, seed):
    clock = clock_at("2020-09-16T00:00")
    booking = open_booking(engine, seed.enrolment_id, clock, actor=DESK)
    unit_id = booking.units[0].id
    with pytest.raises(DraftError):
        booking.draft.toggle(SEED_DAYS[0], unit_id, force_reason="  ")
    booking.draft.toggle(SEED_DAYS[0], unit_id, force_reason="Oubli signalé par l'école")
    (line,) = booking.draft.recap()
    assert line.forced_reason == "Oubli signalé par l'école"
    assert "forcé : Oubli signalé par l'école" in line.text()
    with pytest.raises(PermissionDenied):
        validate_booking(engine, booking, actor=AGENT, clock=clock)
    assert table_counts(engine)["Booking"] == 0
    result = validate_booking(engine, booking, actor=SUPERVISOR, clock=clock)
    assert result.forced == 1
    with read_session(engine) as session:
        (row,) = session.exec(select(Booking)).all()
        assert row.forced_reason == "Oubli signalé par l'école"
        forced = session.exec(select(AuditEvent).where(AuditEvent.action == "booking.force")).one()
        assert json.loads(forced.details)["reason"] == "Oubli signalé par l'école"


def test_optimistic_locking_refuses_the_second_desk(engine, seed, seed_clock):
    desk_a = open_booking(engine, seed.enrolment_id, seed_clock, actor=DESK)
    desk_b = open_booking(engine, seed.enrolment_id, seed_clock, actor=DESK)
    tick(desk_a, SEED_DAYS[:1])
    tick(desk_b, SEED_DAYS[1:])
    validate_booking(engine, desk_a, actor=AGENT, clock=seed_clock)
    before = table_counts(engine)
    with pytest.raises(ConflictError, match="Un autre poste a modifié les réservations de Jeannot"):
        validate_booking(engine, desk_b, actor=AGENT, clock=seed_clock)
    assert table_counts(engine) == before
    fresh, result = reload_booking(engine, desk_b, seed_clock, actor=DESK)
    assert len(result.changed) == 2
    assert fresh.draft.is_ticked(SEED_DAYS[0], fresh.units[0].id)
    validate_booking(engine, fresh, actor=AGENT, clock=seed_clock)
    assert table_counts(engine)["Booking"] == 3


def test_two_concurrent_validations_never_both_succeed(engine, seed, seed_clock):
    desks = [open_booking(engine, seed.enrolment_id, seed_clock, actor=DESK) for _ in range(2)]
    for desk, day in zip(desks, SEED_DAYS, strict=False):
        tick(desk, [day])
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run(desk):
        barrier.wait()
        try:
            validate_booking(engine, desk, actor=AGENT, clock=seed_clock)
            outcomes.append("ok")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=run, args=(desk,)) for desk in desks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert table_counts(engine)["Booking"] == 1
    assert table_counts(engine)["Request"] == 1


def test_a_crash_after_the_first_writes_leaves_nothing(engine, seed, seed_clock, monkeypatch):
    booking = open_booking(engine, seed.enrolment_id, seed_clock, actor=DESK)
    tick(booking, SEED_DAYS)
    before = table_counts(engine)

    def explode(*args, **kwargs):
        raise RuntimeError("panne injectée")

    monkeypatch.setattr(booking_validation, "queue_email", explode)
    with pytest.raises(RuntimeError):
        validate_booking(engine, booking, actor=AGENT, clock=seed_clock)
    assert table_counts(engine) == before
    with read_session(engine) as session:
        assert session.get(Enrolment, seed.enrolment_id).version == 1
    monkeypatch.undo()
    validate_booking(engine, booking, actor=AGENT, clock=seed_clock)
    assert table_counts(engine)["Booking"] == 3


def test_cancel_then_book_again_reuses_the_row(engine, seed, seed_clock):
    booking = open_booking(engine, seed.enrolment_id, seed_clock, actor=DESK)
    tick(booking, SEED_DAYS[:1])
    validate_booking(engine, booking, actor=AGENT, clock=seed_clock)
    booking = open_booking(engine, seed.enrolment_id, seed_clock, actor=DESK)
    tick(booking, SEED_DAYS[:1])
    assert [line.text() for line in booking.draft.recap()] == [
        "vendredi | 25/09/2020 | Repas | Annulation"
    ]
    validate_booking(engine, booking, actor=AGENT, clock=seed_clock)
    booking = open_booking(engine, seed.enrolment_id, seed_clock, actor=DESK)
    tick(booking, SEED_DAYS[:1])
    validate_booking(engine, booking, actor=AGENT, clock=seed_clock)
    with read_session(engine) as session:
        (row,) = session.exec(select(Booking)).all()
        assert row.status == "booked"
        assert len(session.exec(select(Request)).all()) == 3


def test_a_closure_added_by_another_desk_is_caught(engine, seed, seed_clock):
    booking = open_booking(engine, seed.enrolment_id, seed_clock, actor=DESK)
    tick(booking, SEED_DAYS)
    with unit_of_work(engine) as session:
        session.add(Closure(activity_id=seed.activity_id, day=SEED_DAYS[1], reason="grève"))
    with pytest.raises(RuleViolation) as refused:
        validate_booking(engine, booking, actor=AGENT, clock=seed_clock)
    assert refused.value.problems == ["lundi 28/09/2020 (Repas) : Fermeture : grève"]
    assert table_counts(engine)["Booking"] == 0


def test_bad_input_is_refused_in_french_and_writes_nothing(engine, seed, seed_clock):
    with pytest.raises(NotFoundError, match="Inscription introuvable"):
        open_booking(engine, 999_999, seed_clock, actor=DESK)
    booking = open_booking(engine, seed.enrolment_id, seed_clock, actor=DESK)
    with pytest.raises(ServiceError, match="Aucune modification"):
        validate_booking(engine, booking, actor=AGENT, clock=seed_clock)
    outside = booking.draft.toggle(date(2021, 7, 8), booking.units[0].id)
    assert outside.skipped[0].state is DayState.OUTSIDE
    assert outside.skipped[0].reason == "Hors de la période d'inscription"
    tick(booking, SEED_DAYS)
    with pytest.raises(PermissionDenied):
        validate_booking(engine, booking, actor=STAFF, clock=seed_clock)
    assert table_counts(engine) == {
        "Booking": 0,
        "Request": 0,
        "RequestEvent": 0,
        "AuditEvent": 0,
        "OutboxEmail": 0,
    }


def test_month_view_shows_states_and_bookings(engine, seed, seed_clock):
    booking = open_booking(engine, seed.enrolment_id, seed_clock, actor=DESK)
    tick(booking, SEED_DAYS)
    validate_booking(engine, booking, actor=AGENT, clock=seed_clock)
    view = month_view(engine, seed.enrolment_id, 2020, 9, seed_clock, actor=DESK)
    assert view.title == "Septembre 2020"
    assert [number for number, _ in view.weeks] == [36, 37, 38, 39, 40]
    cells = {d.day: d.cells[0][1] for _, days in view.weeks for d in days}
    assert cells[date(2020, 9, 25)].mark is not None and cells[date(2020, 9, 25)].ticked
    assert cells[date(2020, 9, 16)].status.reason == "Fermé le mercredi"
    assert cells[date(2020, 9, 14)].status.state is DayState.LOCKED
    assert cells[date(2020, 8, 31)].status.state is DayState.OUTSIDE
    assert view.counts["booked"] == 3


def test_a_creche_is_open_in_school_holidays_and_full_at_capacity(engine, seed):
    from mairie_tui.models import Activity, Person, Unit

    with unit_of_work(engine) as session:
        creche = session.exec(select(Activity).where(Activity.code == "CRECHE-ALES-PLOUPS")).one()
        unit = session.exec(select(Unit).where(Unit.activity_id == creche.id)).one()
        unit.capacity = 1
        session.add(unit)
        babies = [
            Person(
                household_id=seed.household_id,
                role="child",
                first_name=name,
                last_name="FAMILLE TEST",
                birth_date=date(2019, 5, 1),
            )
            for name in ("Lou", "Tom")
        ]
        session.add_all(babies)
        session.flush()
        enrolments = [
            Enrolment(
                person_id=baby.id,
                activity_id=creche.id,
                start_date=date(2020, 9, 1),
                end_date=date(2021, 7, 30),
                status="active",
            )
            for baby in babies
        ]
        session.add_all(enrolments)
        session.flush()
        first_id, second_id = (e.id for e in enrolments)
    clock = clock_at("2020-10-01T10:00")
    toussaint = date(2020, 10, 20)  # school holiday, but a working day
    first = open_booking(engine, first_id, clock, actor=DESK)
    assert first.draft.status(toussaint, first.units[0].id).state is DayState.OPEN
    armistice = first.draft.status(date(2020, 11, 11), first.units[0].id)
    assert (armistice.state, armistice.reason) == (DayState.HOLIDAY, "Armistice")
    second = open_booking(engine, second_id, clock, actor=DESK)
    first.draft.toggle(toussaint, first.units[0].id)
    second.draft.toggle(toussaint, second.units[0].id)
    validate_booking(engine, first, actor=AGENT, clock=clock)
    with pytest.raises(RuleViolation, match=r"(?i)complet \(1 place\)"):
        validate_booking(engine, second, actor=AGENT, clock=clock)
    reopened = open_booking(engine, second_id, clock, actor=DESK)
    full = reopened.draft.toggle(toussaint, reopened.units[0].id)
    assert full.skipped[0].state is DayState.FULL
