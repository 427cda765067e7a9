"""The monthly invoicing run on both databases: every rule of a line, totals, re-runs, numbers."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlmodel import col, select

from mairie_tui.clock import PARIS
from mairie_tui.db import read_session, unit_of_work
from mairie_tui.domain.billing import Rule
from mairie_tui.models import (
    Absence,
    Attendance,
    Booking,
    Closure,
    Household,
    Invoice,
    InvoiceLine,
    Tariff,
    TariffPrice,
)
from mairie_tui.services.common import Actor
from mairie_tui.services.demo import build_demo, seed_ids
from mairie_tui.services.errors import PermissionDenied, RuleViolation
from mairie_tui.services.regie import generate_month, parse_tariffs, prepare_month
from mairie_tui.services.regie.tariffs import add_tariffs
from tests.helpers import clock_at

SUPERVISOR = Actor(id=2, login="superviseur", name="Dominique Roux", role="supervisor")
AGENT = Actor(id=1, login="guichet", name="Camille Martin", role="agent")
OCTOBER = clock_at("2020-10-05T09:00")

TARIFFS = {
    "tarif": [
        {
            "activite": "RS-MONS",
            "du": "2020-09-01",
            "au": "2020-12-31",
            "hors_commune": "5,20",
            "majoration": "1,00",
            "annulation_tardive": "2,00",
            "tranches": [
                {"qf_min": 0, "qf_max": 622, "prix": "1,00"},
                {"qf_min": 623, "qf_max": 1000, "prix": "2,85"},
                {"qf_min": 1001, "prix": "3,50"},
            ],
        },
        {
            "activite": "RS-MONS",
            "du": "2021-01-01",
            "hors_commune": "5,40",
            "majoration": "1,00",
            "tranches": [
                {"qf_min": 0, "qf_max": 1000, "prix": "2,95"},
                {"qf_min": 1001, "prix": "3,60"},
            ],
        },
    ]
}

# Tuesday 15/09 → the deadline for the week of 21/09 was Tuesday 15/09 23h59.
BOOKED_PRESENT = date(2020, 9, 21)  # Monday
BOOKED_UNMARKED = date(2020, 9, 22)
BOOKED_ABSENT = date(2020, 9, 24)
JUSTIFIED = date(2020, 9, 25)
UNEXPECTED = date(2020, 9, 28)  # present, no booking
LATE_CANCEL = date(2020, 9, 29)
EARLY_CANCEL = date(2020, 9, 17)
CLOSED = date(2020, 9, 18)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=PARIS)


@pytest.fixture
def month(engine):
    """FAMILLE TEST's September: one day of each rule (rows written as the desks would)."""
    build_demo(engine, households=0)
    with unit_of_work(engine) as session:
        ids = seed_ids(session)
        add_tariffs(session, parse_tariffs(TARIFFS))
        # Clear the demo's own September rows for this child: the test owns the month.
        for model in (Booking, Attendance):
            for row in session.exec(
                select(model).where(
                    model.enrolment_id == ids.enrolment_id,
                    model.day >= date(2020, 9, 1),
                    model.day <= date(2020, 9, 30),
                )
            ):
                session.delete(row)
        session.flush()

        def booking(day: date, status: str = "booked", updated: datetime | None = None) -> None:
            session.add(
                Booking(
                    enrolment_id=ids.enrolment_id,
                    day=day,
                    unit_id=ids.unit_id,
                    status=status,
                    updated_at=updated or at(day - timedelta(days=14)),
                )
            )

        def mark(day: date, present: bool, unexpected: bool = False) -> None:
            session.add(
                Attendance(
                    enrolment_id=ids.enrolment_id,
                    day=day,
                    unit_id=ids.unit_id,
                    present=present,
                    unexpected=unexpected,
                    marked_at=at(day, 12),
                )
            )

        booking(BOOKED_PRESENT)
        mark(BOOKED_PRESENT, True)
        booking(BOOKED_UNMARKED)
        booking(BOOKED_ABSENT)
        mark(BOOKED_ABSENT, False)
        booking(JUSTIFIED)
        mark(JUSTIFIED, False)
        session.add(
            Absence(
                person_id=ids.child_id,
                start_date=JUSTIFIED,
                end_date=JUSTIFIED,
                reason="Malade",
                justified=True,
            )
        )
        mark(UNEXPECTED, True, unexpected=True)
        booking(LATE_CANCEL, "cancelled", updated=at(LATE_CANCEL, 8))
        booking(EARLY_CANCEL, "cancelled", updated=at(date(2020, 9, 7)))
        booking(CLOSED)
        session.add(Closure(activity_id=ids.activity_id, day=CLOSED, reason="Grève"))
    return ids


def lines_of(engine, number: str) -> dict[date, InvoiceLine]:
    with read_session(engine) as session:
        invoice = session.exec(select(Invoice).where(Invoice.number == number)).one()
        return {
            line.day: line
            for line in session.exec(
                select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id)
            )
        }


def test_every_line_says_its_rule_and_amount(engine, month):
    run = generate_month(engine, 2020, 9, actor=SUPERVISOR, clock=OCTOBER)
    seed = next(i for i in run.invoices if i.household_id == month.household_id)
    number = run.numbers[run.invoices.index(seed)]
    lines = lines_of(engine, number)
    expected = {
        BOOKED_PRESENT: (Rule.BOOKED_PRESENT, 285),
        BOOKED_UNMARKED: (Rule.BOOKED_UNMARKED, 285),
        BOOKED_ABSENT: (Rule.ABSENT_UNJUSTIFIED, 285),
        JUSTIFIED: (Rule.ABSENT_JUSTIFIED, 0),
        UNEXPECTED: (Rule.UNBOOKED_PRESENCE, 385),
        LATE_CANCEL: (Rule.LATE_CANCELLATION, 200),
        CLOSED: (Rule.CLOSED, 0),
    }
    assert {day: (Rule(line.rule), line.amount_cents) for day, line in lines.items()} == expected
    assert EARLY_CANCEL not in lines
    assert all(line.basis == "QF 623 à 1000" for line in lines.values())
    with read_session(engine) as session:
        invoice = session.exec(select(Invoice).where(Invoice.number == number)).one()
    assert invoice.total_cents == 285 * 3 + 385 + 200 == sum(x.amount_cents for x in lines.values())
    assert invoice.due_date == date(2020, 10, 31)
    assert invoice.period == "2020-09" and invoice.qf_basis == "Quotient familial : 880."


def test_dry_run_writes_nothing_and_shows_totals_by_activity(engine, month):
    run = prepare_month(engine, 2020, 9, actor=SUPERVISOR)
    assert run.total > 0 and sum(run.totals_by_activity().values()) == run.total
    with read_session(engine) as session:
        assert session.exec(select(Invoice)).all() == []


def test_rerun_changes_nothing_and_numbers_have_no_gap(engine, month):
    first = generate_month(engine, 2020, 9, actor=SUPERVISOR, clock=OCTOBER)
    again = generate_month(engine, 2020, 9, actor=SUPERVISOR, clock=OCTOBER)
    assert again.numbers == () and again.already_invoiced == len(first.numbers)
    numbers = sorted(first.numbers)
    assert numbers[0] == "2020-F-000001"
    assert [int(n.rsplit("-", 1)[1]) for n in numbers] == list(range(1, len(numbers) + 1))
    with read_session(engine) as session:
        assert len(session.exec(select(Invoice)).all()) == len(numbers)


def test_without_a_valid_qf_the_top_bracket_and_the_invoice_says_why(engine, month):
    with unit_of_work(engine) as session:
        household = session.get(Household, month.household_id)
        household.qf_valid_until = date(2020, 8, 31)
        session.add(household)
    run = prepare_month(engine, 2020, 9, actor=SUPERVISOR)
    seed = next(i for i in run.invoices if i.household_id == month.household_id)
    assert "expiré le 31/08/2020" in seed.qf_basis
    present = next(x for x in seed.lines if x.charge.day == BOOKED_PRESENT)
    assert present.charge.amount == 350


def test_outside_the_commune_pays_the_outside_price(engine, month):
    with unit_of_work(engine) as session:
        household = session.get(Household, month.household_id)
        household.commune_insee = "30007"
        session.add(household)
    run = prepare_month(engine, 2020, 9, actor=SUPERVISOR)
    seed = next(i for i in run.invoices if i.household_id == month.household_id)
    present = next(x for x in seed.lines if x.charge.day == BOOKED_PRESENT)
    assert (present.charge.amount, present.basis) == (520, "hors commune")


def test_a_month_without_tariff_is_refused_whole(engine, month):
    with unit_of_work(engine) as session:
        for model in (TariffPrice, Tariff):
            for row in session.exec(select(model)):
                session.delete(row)
            session.flush()
    with pytest.raises(RuleViolation, match="Aucun tarif pour RS-MONS"):
        generate_month(engine, 2020, 9, actor=SUPERVISOR, clock=OCTOBER)
    with read_session(engine) as session:
        assert session.exec(select(col(Invoice.id))).all() == []


def test_only_a_supervisor_invoices(engine, month):
    with pytest.raises(PermissionDenied):
        prepare_month(engine, 2020, 9, actor=AGENT)
    with pytest.raises(PermissionDenied):
        generate_month(engine, 2020, 9, actor=AGENT, clock=OCTOBER)
