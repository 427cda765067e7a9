"""The régie's demo (`mairie-tui demo --regie`, issue 14) on SQLite and PostgreSQL: two
months invoiced, FAMILLE TEST's September unpaid with the three seed meals, a payment in
every mode, one closed till day; the default demo stays without any of it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from mairie_tui.db import make_engine, read_session, upgrade
from mairie_tui.domain.billing import Mode, Rule, Tender
from mairie_tui.models import (
    Activity,
    Attendance,
    Booking,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentAllocation,
    PaymentTender,
    TillClosing,
)
from mairie_tui.services.common import Actor
from mairie_tui.services.demo import build_demo
from mairie_tui.services.demo.regie import SEED_DAYS, TILL_DAY, build_regie_demo
from mairie_tui.services.errors import RuleViolation
from mairie_tui.services.regie import household_balance, take_payment, till_day
from tests.helpers import clock_at

N = 30
AGENT = Actor(id=1, login="guichet", name="Camille Martin", role="agent")
SUPERVISOR = Actor(id=2, login="superviseur", name="Dominique Roux", role="supervisor")


def build(engine, folder: Path):
    build_demo(engine, households=N)
    return build_regie_demo(engine, documents_dir=folder / "documents")


@pytest.fixture
def regie(engine, tmp_path):
    return build(engine, tmp_path)


def test_famille_test_owes_its_september_invoice_of_the_three_seed_meals(engine, regie):
    seed = regie.seed
    with read_session(engine) as session:
        invoices = session.exec(
            select(Invoice).where(Invoice.household_id == seed.household_id)
        ).all()
        assert [(i.period, i.kind) for i in invoices] == [("2020-09", "F")]
        september = invoices[0]
        lines = session.exec(
            select(InvoiceLine).where(InvoiceLine.invoice_id == september.id)
        ).all()
        paid = session.exec(
            select(PaymentAllocation).where(PaymentAllocation.invoice_id == september.id)
        ).all()
        booked = session.exec(
            select(Booking.day).where(
                Booking.enrolment_id == seed.enrolment_id, Booking.status == "booked"
            )
        ).all()
    assert sorted(booked) == list(SEED_DAYS)
    assert sorted(line.day for line in lines) == list(SEED_DAYS)
    assert {line.rule for line in lines} == {Rule.BOOKED_PRESENT.value}
    assert september.total_cents == sum(line.amount_cents for line in lines) > 0
    assert paid == []
    balance = household_balance(engine, seed.household_id, actor=AGENT)
    assert balance.due_cents == september.total_cents


def test_september_and_october_are_invoiced_with_every_rule(engine, regie):
    with read_session(engine) as session:
        periods = dict(
            session.exec(
                select(Invoice.period, func.count())
                .where(Invoice.kind == "F")
                .group_by(col(Invoice.period))
            ).all()
        )
        rules = set(session.exec(select(InvoiceLine.rule).distinct()).all())
        marks = session.exec(select(func.count()).select_from(Attendance)).one()
        absent = session.exec(
            select(func.count()).select_from(Attendance).where(col(Attendance.present).is_(False))
        ).one()
        late = session.exec(
            select(InvoiceLine).where(InvoiceLine.rule == Rule.LATE_CANCELLATION.value)
        ).all()
    assert periods == {"2020-09": regie.invoices["2020-09"], "2020-10": regie.invoices["2020-10"]}
    assert min(periods.values()) > 1
    assert rules >= {
        Rule.BOOKED_PRESENT.value,
        Rule.ABSENT_UNJUSTIFIED.value,
        Rule.ABSENT_JUSTIFIED.value,
        Rule.UNBOOKED_PRESENCE.value,
        Rule.LATE_CANCELLATION.value,
    }
    assert regie.justified and regie.unexpected and regie.late_cancelled
    assert [line.day for line in late] == [regie.late_cancelled[1]]
    assert late[0].amount_cents > 0
    assert marks == regie.marks + len(SEED_DAYS) + 1  # the bulk, the seed's ticks, the unexpected
    assert 0 < absent < marks / 5


def test_payments_in_every_mode_and_one_closed_till_day(engine, regie):
    with read_session(engine) as session:
        modes = set(session.exec(select(PaymentTender.mode).distinct()).all())
        change = session.exec(select(func.max(Payment.change_cents))).one()
        closings = session.exec(select(TillClosing)).all()
        days = set(session.exec(select(Payment.till_day).distinct()).all())
        cesu_kinds = set(
            session.exec(
                select(Activity.kind)
                .join(InvoiceLine, col(InvoiceLine.activity_id) == Activity.id)
                .join(
                    PaymentAllocation, col(PaymentAllocation.invoice_id) == InvoiceLine.invoice_id
                )
                .join(PaymentTender, col(PaymentTender.payment_id) == PaymentAllocation.payment_id)
                .where(PaymentTender.mode == Mode.CESU.value)
            ).all()
        )
        ancv_kinds = set(
            session.exec(
                select(Activity.kind)
                .join(InvoiceLine, col(InvoiceLine.activity_id) == Activity.id)
                .join(
                    PaymentAllocation, col(PaymentAllocation.invoice_id) == InvoiceLine.invoice_id
                )
                .join(PaymentTender, col(PaymentTender.payment_id) == PaymentAllocation.payment_id)
                .where(PaymentTender.mode == Mode.ANCV.value)
            ).all()
        )
    assert modes == {mode.value for mode in Mode}
    assert change is not None and change > 0
    assert cesu_kinds & {"creche", "periscolaire"}
    assert "alsh" in ancv_kinds
    assert days == {TILL_DAY, date(2020, 11, 4)}
    assert [closing.day for closing in closings] == [TILL_DAY]
    assert closings[0].difference_cents == 0
    journal = till_day(engine, TILL_DAY, actor=SUPERVISOR)
    assert journal.closing is not None
    assert len(journal.payments) == len([k for k in regie.receipts if not k.startswith("novembre")])
    assert journal.cheques
    # The closed day can no longer change.
    with pytest.raises(RuleViolation, match="close"):
        take_payment(
            engine,
            regie.seed.household_id,
            [Tender(Mode.CARD, 100, terminal_ref="X")],
            actor=AGENT,
            clock=clock_at(f"{TILL_DAY.isoformat()}T17:45"),
        )


def test_an_advance_paid_in_september_goes_to_the_october_invoice(engine, regie):
    with read_session(engine) as session:
        payment = session.exec(
            select(Payment).where(Payment.number == regie.receipts["avance"])
        ).one()
        periods = session.exec(
            select(Invoice.period)
            .join(PaymentAllocation, col(PaymentAllocation.invoice_id) == Invoice.id)
            .where(PaymentAllocation.payment_id == payment.id)
            .order_by(col(Invoice.period))
        ).all()
    assert periods == ["2020-09", "2020-10"]


def test_two_builds_are_identical(engine, regie, tmp_path):
    other = make_engine(f"sqlite:///{tmp_path / 'again.db'}")
    upgrade(other)
    try:
        again = build(other, tmp_path / "again")

        def facts(target):
            with read_session(target) as session:
                return (
                    session.exec(
                        select(Invoice.number, Invoice.household_id, Invoice.total_cents).order_by(
                            col(Invoice.number)
                        )
                    ).all(),
                    session.exec(
                        select(Payment.number, Payment.household_id, Payment.total_cents).order_by(
                            col(Payment.number)
                        )
                    ).all(),
                    session.exec(
                        select(func.count())
                        .select_from(Attendance)
                        .where(col(Attendance.present).is_(False))
                    ).one(),
                )

        assert facts(other) == facts(engine)
        assert again.receipts == regie.receipts
    finally:
        other.dispose()


def test_the_default_demo_has_no_invoice_nor_payment(engine):
    build_demo(engine, households=N)
    with read_session(engine) as session:
        assert session.exec(select(func.count()).select_from(Invoice)).one() == 0
        assert session.exec(select(func.count()).select_from(Payment)).one() == 0
        assert session.exec(select(func.count()).select_from(TillClosing)).one() == 0
