"""Historique de la famille (services/timeline.py), on both databases: every kind of event
of FAMILLE TEST, bookings grouped per validation, newest first, limited."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from mairie_tui.db import unit_of_work
from mairie_tui.domain.billing import Mode, Tender
from mairie_tui.models import Absence, Attendance
from mairie_tui.services.common import Actor
from mairie_tui.services.errors import PermissionDenied
from mairie_tui.services.regie import cancel_payment, take_payment
from mairie_tui.services.timeline import household_timeline
from tests.services.test_regie_payments import AGENT, OCTOBER, SUPERVISOR, invoiced

__all__ = ["invoiced"]  # the fixture, used by name

STAFF = Actor(id=3, login="ecole", name="Personnel", role="staff", sites=("École A",))


@pytest.fixture
def story(engine, invoiced):
    """FAMILLE TEST: the seed booking (validated 15/09), a pointage, an absence, the
    September invoice, a payment and a cancelled payment."""
    ids, number = invoiced
    with unit_of_work(engine) as session:
        session.add(
            Attendance(
                enrolment_id=ids.enrolment_id,
                day=date(2020, 9, 25),
                unit_id=ids.unit_id,
                present=True,
                marked_at=datetime(2020, 9, 25, 10, 30, tzinfo=UTC),
            )
        )
        session.add(
            Absence(
                person_id=ids.child_id,
                start_date=date(2020, 9, 28),
                end_date=date(2020, 9, 29),
                reason="Malade [/] certificat",
                justified=True,
            )
        )
    kept = take_payment(
        engine, ids.household_id, [Tender(Mode.CASH, 500, tendered=500)], actor=AGENT, clock=OCTOBER
    )
    gone = take_payment(
        engine, ids.household_id, [Tender(Mode.CASH, 200, tendered=200)], actor=AGENT, clock=OCTOBER
    )
    cancel_payment(engine, gone.number, "Erreur de saisie", actor=SUPERVISOR, clock=OCTOBER)
    return ids, number, kept.number, gone.number


def test_every_kind_of_event_newest_first(engine, story):
    ids, invoice, kept, gone = story
    timeline = household_timeline(engine, ids.household_id, actor=AGENT)
    events = timeline.events
    assert [e.at for e in events] == sorted((e.at for e in events), reverse=True)
    kinds = {e.kind for e in events}
    assert {"Réservation", "Présence", "Absence", "Demande", "Facture", "Paiement",
            "Annulation", "Courriel"} <= kinds  # fmt: skip

    # The seed validation (three days, one request) is one line, not three.
    seed = [e for e in events if e.kind == "Réservation" and "25/09/2020" in e.summary]
    assert len(seed) == 1
    assert "3 jours du 25/09/2020 au 29/09/2020 réservé (demande " in seed[0].summary

    (bill,) = [e for e in events if e.kind == "Facture"]
    assert invoice in bill.summary and "Septembre 2020" in bill.summary
    assert bill.amount_cents == 990
    paid = {e.summary.split()[1]: e for e in events if e.kind == "Paiement"}
    assert set(paid) == {kept, gone} and paid[kept].amount_cents == 500
    assert "annulé depuis" in paid[gone].summary
    (cancelled,) = [e for e in events if e.kind == "Annulation"]
    assert cancelled.summary == f"Reçu {gone} annulé : Erreur de saisie"
    (absence,) = [e for e in events if e.kind == "Absence"]
    assert "justifiée du 28/09/2020 au 29/09/2020 — Malade [/] certificat" in absence.summary

    # Invoice (05/10) after the pointage (25/09) after the validation (15/09).
    order = [e.kind for e in events]
    assert order.index("Facture") < order.index("Présence") < events.index(seed[0])


def test_limited_to_the_newest_events(engine, story):
    ids, *_ = story
    everything = household_timeline(engine, ids.household_id, actor=AGENT).events
    three = household_timeline(engine, ids.household_id, limit=3, actor=AGENT)
    assert three.events == everything[:3] and three.truncated


def test_school_staff_may_not_read_it(engine, story):
    ids, *_ = story
    with pytest.raises(PermissionDenied):
        household_timeline(engine, ids.household_id, actor=STAFF)
