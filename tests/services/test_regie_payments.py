"""Payments at the counter and the till, on both databases: modes, allocation, credit,
receipts, cancellation, closing, export, and two desks paying the same invoice."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from mairie_tui.db import read_session
from mairie_tui.domain.billing import Mode, Tender
from mairie_tui.models import Invoice, Payment, PaymentAllocation
from mairie_tui.services.common import Actor
from mairie_tui.services.demo import build_demo, seed_ids
from mairie_tui.services.errors import InvalidAnswers, PermissionDenied, RuleViolation
from mairie_tui.services.regie import (
    accounting_export,
    cancel_payment,
    close_till,
    generate_month,
    household_balance,
    take_payment,
    till_day,
)
from tests.helpers import clock_at
from tests.services.test_rgpd import run_seed_scenario

AGENT = Actor(id=1, login="guichet", name="Camille Martin", role="agent")
SUPERVISOR = Actor(id=2, login="superviseur", name="Dominique Roux", role="supervisor")
OCTOBER = clock_at("2020-10-05T09:00")
NEXT_DAY = clock_at("2020-10-06T09:00")
CHEQUE = dict(cheque_number="0001234", bank="La Banque Postale", holder="Mme Test 1 FAMILLE TEST")


@pytest.fixture
def invoiced(engine):
    """FAMILLE TEST's three seed meals of September, invoiced: 3 × 3,30 € = 9,90 €."""
    build_demo(engine, households=0)
    with read_session(engine) as session:
        ids = seed_ids(session)
    run_seed_scenario(engine, ids)
    run = generate_month(engine, 2020, 9, actor=SUPERVISOR, clock=OCTOBER)
    seed_index = [i.household_id for i in run.invoices].index(ids.household_id)
    assert run.invoices[seed_index].total == 990
    return ids, run.numbers[seed_index]


def allocated_to(engine, number: str) -> int:
    with read_session(engine) as session:
        invoice = session.exec(select(Invoice).where(Invoice.number == number)).one()
        return int(
            session.exec(
                select(func.coalesce(func.sum(col(PaymentAllocation.amount_cents)), 0))
                .join(Payment, col(Payment.id) == PaymentAllocation.payment_id)
                .where(
                    PaymentAllocation.invoice_id == invoice.id, col(Payment.cancelled_at).is_(None)
                )
            ).one()
        )


def test_cheque_and_cash_with_change_then_balance_zero_then_closing(engine, invoiced):
    ids, number = invoiced
    assert household_balance(engine, ids.household_id, actor=AGENT).label() == "Solde : 9,90 € dû"
    receipt = take_payment(
        engine,
        ids.household_id,
        [Tender(Mode.CHEQUE, 500, **CHEQUE), Tender(Mode.CASH, 490, tendered=1000)],
        actor=AGENT,
        clock=OCTOBER,
    )
    assert receipt.number == "2020-R-000001" and receipt.total_cents == 990
    assert receipt.change_cents == 510 and receipt.credit_cents == 0
    assert receipt.balance.label() == "Solde : 0,00 € (à jour)"
    text = receipt.text()
    assert f"Facture {number} : 9,90 €" in text and "Monnaie rendue : 5,10 €" in text
    assert "Chèque n° 0001234 (La Banque Postale) : 5,00 €" in text
    assert allocated_to(engine, number) == 990

    day = till_day(engine, date(2020, 10, 5), actor=AGENT)
    assert day.totals_by_mode == {"especes": 490, "cheque": 500}
    assert day.totals_by_agent == {"Camille Martin": {"especes": 490, "cheque": 500}}
    closed = close_till(
        engine, date(2020, 10, 5), 480, actor=SUPERVISOR, clock=NEXT_DAY, note="10 c manquants"
    )
    assert closed.closing is not None and closed.closing.difference_cents == -10
    journal = closed.text()
    assert "2020-R-000001" in journal and "n° 0001234" in journal and "Écart : -0,10 €" in journal
    with pytest.raises(RuleViolation, match="déjà close"):
        close_till(engine, date(2020, 10, 5), 490, actor=SUPERVISOR, clock=NEXT_DAY)
    with pytest.raises(RuleViolation, match="est close"):
        cancel_payment(engine, receipt.number, "erreur", actor=SUPERVISOR, clock=NEXT_DAY)
    with pytest.raises(RuleViolation, match="est close"):
        take_payment(engine, ids.household_id, [Tender(Mode.CASH, 100)], actor=AGENT, clock=OCTOBER)


def test_overpayment_becomes_credit_for_the_next_invoice(engine):
    build_demo(engine, households=0)
    with read_session(engine) as session:
        ids = seed_ids(session)
    run_seed_scenario(engine, ids)
    early = take_payment(
        engine,
        ids.household_id,
        [Tender(Mode.CARD, 2000, terminal_ref="TPE-42")],
        actor=AGENT,
        clock=clock_at("2020-09-30T09:00"),
    )
    assert early.allocations == () and early.credit_cents == 2000
    assert early.balance.label() == "Solde : 20,00 € de crédit"
    run = generate_month(engine, 2020, 9, actor=SUPERVISOR, clock=OCTOBER)
    september = run.numbers[[i.household_id for i in run.invoices].index(ids.household_id)]
    assert allocated_to(engine, september) == 990
    assert household_balance(engine, ids.household_id, actor=AGENT).due_cents == -1010


def test_partial_payment_and_chosen_invoice(engine, invoiced):
    ids, number = invoiced
    receipt = take_payment(
        engine,
        ids.household_id,
        [Tender(Mode.CASH, 300)],
        actor=AGENT,
        clock=OCTOBER,
        invoices=[number],
    )
    assert receipt.balance.due_cents == 690 and allocated_to(engine, number) == 300
    with pytest.raises(InvalidAnswers, match="autre foyer"):
        take_payment(
            engine,
            ids.household_id,
            [Tender(Mode.CASH, 300)],
            actor=AGENT,
            clock=OCTOBER,
            invoices=["2020-F-999999"],
        )


def test_bad_tenders_are_refused_in_french_and_nothing_is_written(engine, invoiced):
    ids, _ = invoiced
    with pytest.raises(InvalidAnswers) as refused:
        take_payment(
            engine,
            ids.household_id,
            [Tender(Mode.CHEQUE, 500), Tender(Mode.CESU, 490), Tender(Mode.ANCV, 100)],
            actor=AGENT,
            clock=OCTOBER,
        )
    message = str(refused.value.errors)
    assert "Chèque : indiquez le numéro" in message and "CESU : 4,90 € pour 0,00 €" in message
    assert "Chèques ANCV" in message
    with read_session(engine) as session:
        assert session.exec(select(Payment)).all() == []


def test_cancellation_needs_a_supervisor_and_a_reason_and_restores_the_balance(engine, invoiced):
    ids, number = invoiced
    receipt = take_payment(
        engine, ids.household_id, [Tender(Mode.CASH, 990)], actor=AGENT, clock=OCTOBER
    )
    with pytest.raises(PermissionDenied):
        cancel_payment(engine, receipt.number, "erreur", actor=AGENT, clock=OCTOBER)
    with pytest.raises(InvalidAnswers):
        cancel_payment(engine, receipt.number, "  ", actor=SUPERVISOR, clock=OCTOBER)
    balance = cancel_payment(
        engine, receipt.number, "Billet refusé", actor=SUPERVISOR, clock=OCTOBER
    )
    assert balance.due_cents == 990 and allocated_to(engine, number) == 0
    with read_session(engine) as session:
        assert len(session.exec(select(Payment)).all()) == 1  # never deleted
    with pytest.raises(RuleViolation, match="déjà annulé"):
        cancel_payment(engine, receipt.number, "encore", actor=SUPERVISOR, clock=OCTOBER)


def test_accounting_export_one_line_per_invoice_and_per_mode(engine, invoiced):
    ids, number = invoiced
    take_payment(
        engine,
        ids.household_id,
        [Tender(Mode.CHEQUE, 500, **CHEQUE), Tender(Mode.CASH, 490)],
        actor=AGENT,
        clock=OCTOBER,
    )
    csv_text = accounting_export(engine, date(2020, 10, 1), date(2020, 10, 31), actor=SUPERVISOR)
    lines = csv_text.splitlines()
    assert lines[0] == "type;numero;date;foyer;montant;mode;imputation;reference"
    assert f"facture;{number};2020-10-05;F-000001;9.90;;7067;2020-09" in lines
    assert "encaissement;2020-R-000001;2020-10-05;F-000001;5.00;cheque;5411;0001234" in lines
    assert "encaissement;2020-R-000001;2020-10-05;F-000001;4.90;especes;5411;" in lines
    with pytest.raises(PermissionDenied):
        accounting_export(engine, date(2020, 10, 1), date(2020, 10, 31), actor=AGENT)


def test_two_desks_paying_the_same_invoice_never_over_allocate(engine, invoiced):
    ids, number = invoiced
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def desk() -> None:
        try:
            barrier.wait()
            take_payment(
                engine,
                ids.household_id,
                [Tender(Mode.CASH, 990)],
                actor=AGENT,
                clock=OCTOBER,
                invoices=None,
            )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=desk) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert allocated_to(engine, number) == 990
    balance = household_balance(engine, ids.household_id, actor=AGENT)
    assert balance.due_cents == -990  # the second payment is a credit, not a second allocation


def test_a_credit_note_corrects_a_paid_invoice_and_frees_the_surplus(engine, invoiced):
    from mairie_tui.services.regie import issue_credit_note, list_invoices

    ids, number = invoiced
    take_payment(engine, ids.household_id, [Tender(Mode.CASH, 990)], actor=AGENT, clock=OCTOBER)
    with pytest.raises(PermissionDenied):
        issue_credit_note(
            engine, number, [date(2020, 9, 25)], "certificat", actor=AGENT, clock=OCTOBER
        )
    with pytest.raises(RuleViolation, match="Rien à créditer"):
        issue_credit_note(
            engine, number, [date(2020, 9, 24)], "certificat", actor=SUPERVISOR, clock=OCTOBER
        )
    note = issue_credit_note(
        engine,
        number,
        [date(2020, 9, 25)],
        "Certificat médical reçu après la facture",
        actor=SUPERVISOR,
        clock=OCTOBER,
    )
    assert note == "2020-A-000001"
    rows = {r.number: r for r in list_invoices(engine, actor=AGENT, dossier="F-000001")}
    assert rows[note].total_cents == -330 and rows[number].total_cents == 990  # never edited
    assert allocated_to(engine, number) == 660  # the surplus is released…
    assert household_balance(engine, ids.household_id, actor=AGENT).due_cents == -330  # …as credit
    with pytest.raises(RuleViolation, match="déjà crédité"):
        issue_credit_note(
            engine, number, [date(2020, 9, 25)], "encore", actor=SUPERVISOR, clock=OCTOBER
        )
