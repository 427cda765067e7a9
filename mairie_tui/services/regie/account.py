"""What the counter screens read of the régie: a household's account, a booking's prices.

`household_account` is the Foyer's « Factures et paiements » and the « Régler »
screen's list of invoices: each invoice with what live payments have paid on it
and what is left (credit notes reduce their invoice, as the payment's allocation
counts them), the payments newest first, and the balance. `booking_prices` is the
booking recap's estimate: the household's price of a unit on each day changed,
with the invoicing run's rules (QF bracket, top bracket without a valid QF,
outside the commune); a day without a tariff is simply left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine, func
from sqlmodel import col, select

from mairie_tui.db import read_session
from mairie_tui.domain.billing import Prices, TariffMissing, month_bounds
from mairie_tui.models import (
    Activity,
    Enrolment,
    Household,
    Invoice,
    Payment,
    PaymentAllocation,
    PaymentTender,
    Person,
)
from mairie_tui.services.common import Actor, require_counter_agent
from mairie_tui.services.permissions import requires
from mairie_tui.services.regie.invoicing import _qf_basis
from mairie_tui.services.regie.payments import (
    Balance,
    _as_tender,
    _open_invoices,
    _payer,
    _tender_label,
    balance_of,
)
from mairie_tui.services.regie.tariffs import load_book
from mairie_tui.services.uow import get_or_404


@dataclass(frozen=True)
class AccountInvoice:
    number: str
    kind: str  # "F" invoice, "A" credit note
    period: str
    issued_at: datetime
    due_date: date
    total_cents: int
    paid_cents: int  # by live payments
    left_cents: int  # still to pay (0 once paid, and for a credit note)


@dataclass(frozen=True)
class AccountPayment:
    number: str
    taken_at: datetime
    modes: tuple[str, ...]  # « Chèque n° 0001234 (La Banque Postale) 5,00 € »…
    total_cents: int
    cancelled: bool
    cancel_reason: str


@dataclass(frozen=True)
class HouseholdAccount:
    household_id: int
    dossier: str
    payer: str
    balance: Balance
    invoices: tuple[AccountInvoice, ...]  # oldest first
    payments: tuple[AccountPayment, ...]  # newest first

    @property
    def open_invoices(self) -> tuple[AccountInvoice, ...]:
        """What is left to pay, oldest first (the order a payment is allocated in)."""
        return tuple(i for i in self.invoices if i.kind == "F" and i.left_cents > 0)


@requires("regie.lire")
def household_account(engine: Engine, household_id: int, *, actor: Actor) -> HouseholdAccount:
    """A household's invoices (paid, left), its payments and its balance."""
    require_counter_agent(actor)
    with read_session(engine) as session:
        household = get_or_404(session, Household, household_id)
        left = {i.id: i.remaining for i in _open_invoices(session, household_id)}
        paid = dict(
            session.exec(
                select(
                    col(PaymentAllocation.invoice_id), func.sum(col(PaymentAllocation.amount_cents))
                )
                .join(Payment, col(Payment.id) == PaymentAllocation.payment_id)
                .where(Payment.household_id == household_id, col(Payment.cancelled_at).is_(None))
                .group_by(col(PaymentAllocation.invoice_id))
            ).all()
        )
        invoices = tuple(
            AccountInvoice(
                number=invoice.number,
                kind=invoice.kind,
                period=invoice.period,
                issued_at=invoice.issued_at,
                due_date=invoice.due_date,
                total_cents=invoice.total_cents,
                paid_cents=int(paid.get(invoice.id or 0, 0)),
                left_cents=left.get(invoice.id or 0, 0),
            )
            for invoice in session.exec(
                select(Invoice)
                .where(Invoice.household_id == household_id)
                .order_by(col(Invoice.issued_at), col(Invoice.id))
            )
        )
        payments = session.exec(
            select(Payment)
            .where(Payment.household_id == household_id)
            .order_by(col(Payment.taken_at).desc(), col(Payment.id).desc())
        ).all()
        tenders: dict[int, list[PaymentTender]] = defaultdict(list)
        ids = [p.id for p in payments if p.id is not None]
        if ids:
            for tender in session.exec(
                select(PaymentTender)
                .where(col(PaymentTender.payment_id).in_(ids))
                .order_by(col(PaymentTender.id))
            ):
                tenders[tender.payment_id].append(tender)
        return HouseholdAccount(
            household_id=household_id,
            dossier=household.dossier,
            payer=_payer(session, household_id),
            balance=balance_of(session, household_id),
            invoices=invoices,
            payments=tuple(
                AccountPayment(
                    number=payment.number,
                    taken_at=payment.taken_at,
                    modes=tuple(_tender_label(_as_tender(t)) for t in tenders[payment.id or 0]),
                    total_cents=payment.total_cents,
                    cancelled=payment.cancelled_at is not None,
                    cancel_reason=payment.cancel_reason,
                )
                for payment in payments
            ),
        )


@requires("reservations.lire")
def booking_prices(
    engine: Engine, enrolment_id: int, days: Sequence[tuple[str, date]], *, actor: Actor
) -> dict[tuple[str, date], Prices]:
    """The household's price of each (unit name, day), as the invoicing run would bill it;
    the days without a tariff are left out."""
    require_counter_agent(actor)
    found: dict[tuple[str, date], Prices] = {}
    with read_session(engine) as session:
        enrolment = get_or_404(session, Enrolment, enrolment_id)
        activity = get_or_404(session, Activity, enrolment.activity_id)
        child = get_or_404(session, Person, enrolment.person_id)
        household = get_or_404(session, Household, child.household_id)
        book = load_book(session)
        resident = household.commune_insee == activity.commune_insee
        for unit, day in days:
            first, _last = month_bounds(day.year, day.month)
            qf, _basis = _qf_basis(household.quotient_familial, household.qf_valid_until, first)
            try:
                tariff = book.find(activity.code, unit, day, kind=activity.kind)
            except TariffMissing:
                continue
            found[(unit, day)] = tariff.prices(qf=qf, resident=resident)
    return found
