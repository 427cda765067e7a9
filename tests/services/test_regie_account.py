"""What the counter screens read of the régie (services/regie/account.py), on both databases:
a household's invoices with paid and left, its payments with their modes, and a booking's
estimated prices."""

from __future__ import annotations

from datetime import date

from mairie_tui.db import unit_of_work
from mairie_tui.domain.billing import Mode, Tender
from mairie_tui.models import Household
from mairie_tui.services.regie import (
    booking_prices,
    cancel_payment,
    household_account,
    take_payment,
)
from tests.services.test_regie_payments import AGENT, CHEQUE, OCTOBER, SUPERVISOR, invoiced

__all__ = ["invoiced"]  # the fixture, used by name


def test_account_lists_invoices_paid_and_left_then_payments_with_their_modes(engine, invoiced):
    ids, number = invoiced
    before = household_account(engine, ids.household_id, actor=AGENT)
    assert before.balance.label() == "Solde : 9,90 € dû"
    assert [(i.number, i.period, i.total_cents, i.paid_cents, i.left_cents) for i in
            before.invoices] == [(number, "2020-09", 990, 0, 990)]  # fmt: skip
    assert [i.number for i in before.open_invoices] == [number] and before.payments == ()

    take_payment(
        engine,
        ids.household_id,
        [Tender(Mode.CHEQUE, 500, **CHEQUE), Tender(Mode.CASH, 300, tendered=500)],
        actor=AGENT,
        clock=OCTOBER,
    )
    after = household_account(engine, ids.household_id, actor=AGENT)
    (invoice,) = after.invoices
    assert (invoice.paid_cents, invoice.left_cents) == (800, 190)
    (payment,) = after.payments
    assert payment.modes == ("Chèque n° 0001234 (La Banque Postale)", "Espèces (remis 5,00 €)")
    assert payment.total_cents == 800 and not payment.cancelled

    cancel_payment(engine, payment.number, "Chèque sans provision", actor=SUPERVISOR, clock=OCTOBER)
    cancelled = household_account(engine, ids.household_id, actor=AGENT)
    assert cancelled.payments[0].cancelled
    assert cancelled.payments[0].cancel_reason == "Chèque sans provision"
    assert (cancelled.invoices[0].paid_cents, cancelled.invoices[0].left_cents) == (0, 990)
    assert cancelled.balance.due_cents == 990


def test_booking_prices_are_the_households_and_a_day_without_tariff_is_left_out(engine, invoiced):
    ids, _ = invoiced
    days = [("Repas", date(2020, 10, 2)), ("Repas", date(2021, 9, 3))]
    prices = booking_prices(engine, ids.enrolment_id, days, actor=AGENT)
    assert list(prices) == [("Repas", date(2020, 10, 2))]  # no grid after 31/08/2021
    assert prices[("Repas", date(2020, 10, 2))].unit_price == 330  # QF 880: 623 à 1000
    with unit_of_work(engine) as session:
        household = session.get(Household, ids.household_id)
        assert household is not None
        household.quotient_familial = None
    top = booking_prices(engine, ids.enrolment_id, days[:1], actor=AGENT)
    assert top[("Repas", date(2020, 10, 2))].basis.startswith("QF non fourni")
