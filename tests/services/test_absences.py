"""« Signaler une absence » on both databases: exactly the bookings of those days are
cancelled, in one validated request whose recap names them."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func
from sqlmodel import select

from mairie_tui.db import read_session
from mairie_tui.models import Absence, Booking, Enrolment, OutboxEmail, Request, RequestEvent
from mairie_tui.services.absences import declare_absence
from mairie_tui.services.bookings import open_booking, validate_booking
from mairie_tui.services.demo import build_demo, seed_ids
from mairie_tui.services.documents import attach_document
from mairie_tui.services.errors import ConflictError, NotFoundError, PermissionDenied, RuleViolation
from mairie_tui.services.requests import InvalidAnswers
from tests.helpers import DESK, clock_at
from tests.services.test_requests import AGENT, STAFF

BOOKED = (
    date(2020, 9, 24),
    date(2020, 9, 25),
    date(2020, 9, 28),
    date(2020, 9, 29),
    date(2020, 10, 1),
)
ABSENT = (date(2020, 9, 25), date(2020, 9, 28), date(2020, 9, 29))
BEFORE_DEADLINE = clock_at("2020-09-15T10:00")
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def seed(engine):
    build_demo(engine, households=0)
    with read_session(engine) as session:
        ids = seed_ids(session)
    booking = open_booking(engine, ids.enrolment_id, BEFORE_DEADLINE, actor=DESK)
    for day in BOOKED:
        booking.draft.toggle(day, booking.units[0].id)
    validate_booking(engine, booking, actor=AGENT, clock=BEFORE_DEADLINE)
    return ids


def statuses(engine) -> dict[date, str]:
    with read_session(engine) as session:
        return {b.day: b.status for b in session.exec(select(Booking))}


def declare(engine, seed, start, end, clock=BEFORE_DEADLINE, **kwargs):
    return declare_absence(
        engine,
        household_id=seed.household_id,
        child_id=seed.child_id,
        start=start,
        end=end,
        reason=kwargs.pop("reason", "maladie"),
        actor=kwargs.pop("actor", AGENT),
        clock=clock,
        **kwargs,
    )


def test_an_absence_over_three_booked_days_cancels_exactly_those(engine, seed):
    with read_session(engine) as session:
        version = session.get(Enrolment, seed.enrolment_id).version
    filed = declare(engine, seed, date(2020, 9, 25), date(2020, 9, 29))
    assert (filed.type, filed.status, filed.number) == ("absence", "traitee", "2020-000002")
    assert filed.result == (
        "Absence de Jeannot du 25/09/2020 au 29/09/2020 : 3 réservations annulées",
        "vendredi 25/09/2020 - Restauration scolaire Mons - Repas : annulé",
        "lundi 28/09/2020 - Restauration scolaire Mons - Repas : annulé",
        "mardi 29/09/2020 - Restauration scolaire Mons - Repas : annulé",
    )
    assert statuses(engine) == {
        date(2020, 9, 24): "booked",
        date(2020, 9, 25): "cancelled",
        date(2020, 9, 28): "cancelled",
        date(2020, 9, 29): "cancelled",
        date(2020, 10, 1): "booked",
    }
    with read_session(engine) as session:
        cancelled = session.exec(select(Booking).where(Booking.status == "cancelled")).all()
        assert {b.request_id for b in cancelled} == {filed.id}
        absences = session.exec(select(Absence)).all()
        assert [
            (a.person_id, a.start_date, a.end_date, a.justified, a.request_id) for a in absences
        ] == [(seed.child_id, date(2020, 9, 25), date(2020, 9, 29), False, filed.id)]
        requests = session.exec(select(Request).where(Request.type == "absence")).all()
        assert len(requests) == 1
        events = session.exec(select(RequestEvent).where(RequestEvent.request_id == filed.id)).all()
        assert [e.status for e in events] == ["traitee"]
        mail = session.exec(select(OutboxEmail).where(OutboxEmail.request_id == filed.id)).one()
        assert "3 réservations annulées" in mail.body and "a été traitée" in mail.subject
        # A calendar opened before the absence must reload: the enrolment's version moved.
        assert session.get(Enrolment, seed.enrolment_id).version == version + 1


def test_a_calendar_opened_before_the_absence_gets_a_conflict(engine, seed):
    stale = open_booking(engine, seed.enrolment_id, BEFORE_DEADLINE, actor=DESK)
    declare(engine, seed, date(2020, 9, 25), date(2020, 9, 25))
    stale.draft.toggle(date(2020, 10, 2), stale.units[0].id)
    with pytest.raises(ConflictError):
        validate_booking(engine, stale, actor=AGENT, clock=BEFORE_DEADLINE)


def test_past_the_deadline_only_a_justified_absence_cancels(engine, seed, tmp_path):
    late = clock_at("2020-09-24T08:00")  # week 39 locked, week 40 locked too (after Tue 22/09)
    filed = declare(engine, seed, date(2020, 9, 24), date(2020, 9, 25), clock=late)
    assert filed.result[0].endswith(": 0 réservations annulées")
    assert filed.result[1] == (
        "jeudi 24/09/2020 - Restauration scolaire Mons - Repas : maintenu : délai dépassé, "
        "absence non justifiée"
    )
    assert statuses(engine)[date(2020, 9, 24)] == "booked"
    with pytest.raises(InvalidAnswers, match="certificat médical"):
        declare(engine, seed, date(2020, 9, 28), date(2020, 9, 29), clock=late, justified=True)
    source = tmp_path / "certificat.pdf"
    source.write_bytes(PDF)
    certificate = attach_document(
        engine,
        household_id=seed.household_id,
        source=source,
        kind="certificat_medical",
        documents_dir=tmp_path / "data" / "documents",
        actor=AGENT,
        clock=late,
    )
    justified = declare(
        engine,
        seed,
        date(2020, 9, 28),
        date(2020, 9, 29),
        clock=late,
        justified=True,
        certificate_id=certificate.id,
    )
    assert justified.result[0].endswith(": 2 réservations annulées")
    assert statuses(engine)[date(2020, 9, 28)] == "cancelled"
    with read_session(engine) as session:
        absence = session.exec(select(Absence).where(Absence.request_id == justified.id)).one()
        assert absence.justified and absence.document_id == certificate.id
        row = session.exec(select(Booking).where(Booking.day == date(2020, 9, 28))).one()
        assert row.forced_reason == "Absence justifiée (certificat médical)"


def test_an_overlapping_absence_is_refused_and_nothing_changes(engine, seed):
    declare(engine, seed, date(2020, 9, 25), date(2020, 9, 25))
    with read_session(engine) as session:
        before = session.exec(select(func.count()).select_from(Request)).one()
    with pytest.raises(RuleViolation, match="déjà signalée du 25/09/2020 au 25/09/2020"):
        declare(engine, seed, date(2020, 9, 24), date(2020, 9, 28))
    with read_session(engine) as session:
        assert session.exec(select(func.count()).select_from(Request)).one() == before
    assert statuses(engine)[date(2020, 9, 28)] == "booked"


def test_wrong_dates_child_or_actor(engine, seed):
    with pytest.raises(InvalidAnswers, match="avant la date de début"):
        declare(engine, seed, date(2020, 9, 29), date(2020, 9, 25))
    with pytest.raises(PermissionDenied):
        declare(engine, seed, date(2020, 9, 25), date(2020, 9, 25), actor=STAFF)
    with pytest.raises((InvalidAnswers, NotFoundError)):
        declare_absence(
            engine,
            household_id=seed.household_id,
            child_id=999999,
            start=date(2020, 9, 25),
            end=date(2020, 9, 25),
            reason="maladie",
            actor=AGENT,
            clock=BEFORE_DEADLINE,
        )
