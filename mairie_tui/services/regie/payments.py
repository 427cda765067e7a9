"""Payments at the counter: several modes, allocation to invoices, receipts, cancellation.

One payment is one transaction. The household's row is locked first, so two
desks paying for the same family queue behind each other and the second sees
what the first allocated: an invoice is never paid twice over. What a payment
leaves over is the household's credit; it is allocated to the next invoice
(`apply_credit`, called after each payment and by the invoicing run).
A payment is never deleted: a supervisor cancels it with a reason; a day
whose till is closed can no longer change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from mairie_tui.clock import Clock
from mairie_tui.db import read_session
from mairie_tui.domain import fr
from mairie_tui.domain.billing import (
    MODE_LABELS,
    Mode,
    OpenInvoice,
    Tender,
    allocate,
    childcare_age_ok,
    invoice_number,
    tender_problems,
)
from mairie_tui.domain.money import format_euros
from mairie_tui.models import (
    Activity,
    Agent,
    Household,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentAllocation,
    PaymentTender,
    Person,
    TillClosing,
)
from mairie_tui.services.common import Actor, audit, next_number, require_counter_agent
from mairie_tui.services.errors import (
    InvalidAnswers,
    NotFoundError,
    PermissionDenied,
    RuleViolation,
)
from mairie_tui.services.permissions import requires
from mairie_tui.services.transactions import lock_rows, write_use_case
from mairie_tui.services.uow import get_or_404, writing


@dataclass(frozen=True)
class Balance:
    """Invoiced minus paid: positive is due, negative is the household's credit."""

    invoiced_cents: int
    paid_cents: int

    @property
    def due_cents(self) -> int:
        return self.invoiced_cents - self.paid_cents

    def label(self) -> str:
        if self.due_cents > 0:
            return f"Solde : {format_euros(self.due_cents)} dû"
        if self.due_cents < 0:
            return f"Solde : {format_euros(-self.due_cents)} de crédit"
        return "Solde : 0,00 € (à jour)"


@dataclass(frozen=True)
class ReceiptLine:
    label: str
    amount_cents: int


@dataclass(frozen=True)
class Receipt:
    number: str
    dossier: str
    payer: str
    taken_at: datetime
    agent: str
    tenders: tuple[ReceiptLine, ...]
    allocations: tuple[ReceiptLine, ...]
    total_cents: int
    change_cents: int
    credit_cents: int
    balance: Balance
    cancelled: bool = False

    def text(self) -> str:
        """The receipt as printed on the counter's screen (and in the PDF)."""
        lines = [
            f"Reçu n° {self.number}" + (" — ANNULÉ" if self.cancelled else ""),
            f"Foyer {self.dossier} — {self.payer}",
            f"Le {fr.date_time(self.taken_at)}, encaissé par {self.agent}",
            "",
            "Règlement :",
            *(f"  {t.label} : {format_euros(t.amount_cents)}" for t in self.tenders),
        ]
        if self.change_cents:
            lines.append(f"  Monnaie rendue : {format_euros(self.change_cents)}")
        lines += ["", f"Total reçu : {format_euros(self.total_cents)}", "Affecté à :"]
        lines += [f"  {a.label} : {format_euros(a.amount_cents)}" for a in self.allocations]
        if self.credit_cents:
            lines.append(
                f"  Crédit sur les prochaines factures : {format_euros(self.credit_cents)}"
            )
        lines += ["", self.balance.label()]
        return "\n".join(lines)


def balance_of(session: Session, household_id: int) -> Balance:
    invoiced = session.exec(
        select(func.coalesce(func.sum(col(Invoice.total_cents)), 0)).where(
            Invoice.household_id == household_id
        )
    ).one()
    paid = session.exec(
        select(func.coalesce(func.sum(col(Payment.total_cents)), 0)).where(
            Payment.household_id == household_id, col(Payment.cancelled_at).is_(None)
        )
    ).one()
    return Balance(int(invoiced), int(paid))


@requires("regie.lire")
def household_balance(engine: Engine, household_id: int, *, actor: Actor) -> Balance:
    """What the household owes (or has in credit), for the Foyer."""
    require_counter_agent(actor)
    with read_session(engine) as session:
        return balance_of(session, household_id)


def _open_invoices(session: Session, household_id: int) -> list[OpenInvoice]:
    """The household's invoices with what is left to pay (credit notes reduce their invoice)."""
    invoices = session.exec(
        select(Invoice).where(Invoice.household_id == household_id).order_by(col(Invoice.id))
    ).all()
    remaining = {i.id: i.total_cents for i in invoices if i.kind == "F"}
    for note in invoices:
        if note.kind == "A" and note.corrects_id in remaining:
            remaining[note.corrects_id] += note.total_cents
    for invoice_id, amount in session.exec(
        select(col(PaymentAllocation.invoice_id), func.sum(col(PaymentAllocation.amount_cents)))
        .join(Payment, col(Payment.id) == PaymentAllocation.payment_id)
        .where(Payment.household_id == household_id, col(Payment.cancelled_at).is_(None))
        .group_by(col(PaymentAllocation.invoice_id))
    ):
        if invoice_id in remaining:
            remaining[invoice_id] -= int(amount)
    by_id = {i.id: i for i in invoices}
    return [
        OpenInvoice(invoice_id, by_id[invoice_id].number, by_id[invoice_id].issued_at.date(), left)
        for invoice_id, left in remaining.items()
        if invoice_id is not None and left > 0
    ]


def _unallocated(session: Session, household_id: int) -> list[tuple[int, int]]:
    """(payment id, amount not yet allocated) of the household's live payments, oldest first."""
    allocated = dict(
        session.exec(
            select(col(PaymentAllocation.payment_id), func.sum(col(PaymentAllocation.amount_cents)))
            .join(Payment, col(Payment.id) == PaymentAllocation.payment_id)
            .where(Payment.household_id == household_id)
            .group_by(col(PaymentAllocation.payment_id))
        ).all()
    )
    found = []
    for payment in session.exec(
        select(Payment)
        .where(Payment.household_id == household_id, col(Payment.cancelled_at).is_(None))
        .order_by(col(Payment.taken_at), col(Payment.id))
    ):
        left = payment.total_cents - int(allocated.get(payment.id or 0, 0))
        if left > 0 and payment.id is not None:
            found.append((payment.id, left))
    return found


def households_with_credit(session: Session) -> set[int]:
    """Households with a live payment not wholly allocated (one query for the invoicing run)."""
    allocated = (
        sa_select(
            col(PaymentAllocation.payment_id).label("payment_id"),
            func.sum(col(PaymentAllocation.amount_cents)).label("amount"),
        )
        .group_by(col(PaymentAllocation.payment_id))
        .subquery()
    )
    rows = session.execute(
        sa_select(col(Payment.household_id))
        .outerjoin(allocated, allocated.c.payment_id == Payment.id)
        .where(
            col(Payment.cancelled_at).is_(None),
            col(Payment.total_cents) > func.coalesce(allocated.c.amount, 0),
        )
        .distinct()
    ).all()
    return {int(household_id) for (household_id,) in rows}


def apply_credit(session: Session, household_id: int) -> int:
    """Allocate the household's credit to its open invoices, oldest first; returns cents used."""
    used = 0
    for payment_id, left in _unallocated(session, household_id):
        allocations, _ = allocate(left, _open_invoices(session, household_id))
        for allocation in allocations:
            session.add(
                PaymentAllocation(
                    payment_id=payment_id,
                    invoice_id=allocation.invoice_id,
                    amount_cents=allocation.amount,
                )
            )
            used += allocation.amount
        session.flush()
    return used


def _eligible(session: Session, invoice_ids: Sequence[int]) -> tuple[int, int]:
    """(CESU, ANCV) amounts the targeted invoices allow: crèche and périscolaire of children
    under 6 on the day; ALSH."""
    if not invoice_ids:
        return 0, 0
    cesu = ancv = 0
    for amount, kind, day, birth in session.exec(
        select(
            col(InvoiceLine.amount_cents),
            col(Activity.kind),
            col(InvoiceLine.day),
            col(Person.birth_date),
        )
        .join(Activity, col(Activity.id) == InvoiceLine.activity_id)
        .join(Person, col(Person.id) == InvoiceLine.person_id)
        .where(col(InvoiceLine.invoice_id).in_(invoice_ids))
    ):
        if (
            kind in ("creche", "periscolaire")
            and birth is not None
            and childcare_age_ok(birth, day)
        ):
            cesu += amount
        if kind == "alsh":
            ancv += amount
    return cesu, ancv


def _refuse_closed_day(session: Session, day: date, what: str) -> None:
    closed = session.exec(select(TillClosing).where(TillClosing.day == day)).first()
    if closed is not None:
        raise RuleViolation(f"La caisse du {fr.long_date(day)} est close : {what} impossible.")


@requires("regie.encaisser")
@write_use_case()
def take_payment(
    engine: Engine,
    household_id: int,
    tenders: Sequence[Tender],
    *,
    actor: Actor,
    clock: Clock,
    invoices: Sequence[str] | None = None,
) -> Receipt:
    """Take a payment (one or several modes) and allocate it; returns the receipt.

    `invoices`: the numbers of the invoices to pay, in order; by default the oldest first.
    """
    require_counter_agent(actor)
    now = clock.now()
    with writing(engine, "encaissement") as session:
        if not lock_rows(session, Household, [household_id]):
            get_or_404(session, Household, household_id)  # raises « Foyer introuvable »
        _refuse_closed_day(session, now.date(), "encaissement")
        open_invoices = _open_invoices(session, household_id)
        chosen_ids: list[int] | None = None
        if invoices is not None:
            by_number = {i.number: i.id for i in open_invoices}
            unknown = [n for n in invoices if n not in by_number]
            if unknown:
                raise InvalidAnswers(
                    {"factures": "Facture réglée ou d'un autre foyer : " + ", ".join(unknown)}
                )
            chosen_ids = [by_number[n] for n in invoices]
        targets = chosen_ids if chosen_ids is not None else [i.id for i in open_invoices]
        cesu, ancv = _eligible(session, targets)
        problems = tender_problems(tenders, cesu_eligible=cesu, ancv_eligible=ancv)
        if problems:
            raise InvalidAnswers({"reglement": " ".join(problems)})
        payment = _write_payment(session, household_id, tenders, actor=actor, now=now)
        assert payment.id is not None
        total, change, number = payment.total_cents, payment.change_cents, payment.number
        allocations, credit = allocate(total, open_invoices, chosen_ids)
        for allocation in allocations:
            session.add(
                PaymentAllocation(
                    payment_id=payment.id,
                    invoice_id=allocation.invoice_id,
                    amount_cents=allocation.amount,
                )
            )
        session.flush()
        numbers = {i.id: i.number for i in open_invoices}
        audit(
            session,
            at=now,
            actor=actor,
            action="payment.take",
            entity="household",
            entity_id=household_id,
            details={
                "receipt": number,
                "total_cents": total,
                "change_cents": change,
                "modes": [t.mode.value for t in tenders],
                "allocations": {numbers[a.invoice_id]: a.amount for a in allocations},
            },
        )
        return _receipt(session, payment, credit=credit)


def _receipt(session: Session, payment: Payment, *, credit: int | None = None) -> Receipt:
    """The receipt of a payment as stored (tenders, allocations, the balance now)."""
    household = get_or_404(session, Household, payment.household_id)
    tenders = session.exec(
        select(PaymentTender)
        .where(PaymentTender.payment_id == payment.id)
        .order_by(col(PaymentTender.id))
    ).all()
    allocations = session.exec(
        select(PaymentAllocation, Invoice.number)
        .join(Invoice, col(Invoice.id) == PaymentAllocation.invoice_id)
        .where(PaymentAllocation.payment_id == payment.id)
        .order_by(col(PaymentAllocation.id))
    ).all()
    allocated = sum(a.amount_cents for a, _ in allocations)
    agent = session.get(Agent, payment.agent_id) if payment.agent_id is not None else None
    return Receipt(
        number=payment.number,
        dossier=household.dossier,
        payer=_payer(session, payment.household_id),
        taken_at=payment.taken_at,
        agent=agent.name if agent is not None else "Système",
        tenders=tuple(ReceiptLine(_tender_label(_as_tender(t)), t.amount_cents) for t in tenders),
        allocations=tuple(ReceiptLine(f"Facture {n}", a.amount_cents) for a, n in allocations),
        total_cents=payment.total_cents,
        change_cents=payment.change_cents,
        credit_cents=payment.total_cents - allocated if credit is None else credit,
        balance=balance_of(session, payment.household_id),
        cancelled=payment.cancelled_at is not None,
    )


def _as_tender(row: PaymentTender) -> Tender:
    return Tender(
        Mode(row.mode),
        row.amount_cents,
        tendered=row.tendered_cents,
        cheque_number=row.cheque_number,
        bank=row.bank,
        holder=row.holder,
        terminal_ref=row.terminal_ref,
    )


@requires("regie.lire")
def receipt(engine: Engine, number: str, *, actor: Actor) -> Receipt:
    """A receipt again (to print it a second time)."""
    require_counter_agent(actor)
    with read_session(engine) as session:
        payment = session.exec(select(Payment).where(Payment.number == number.strip())).first()
        if payment is None:
            raise NotFoundError(f"Reçu introuvable : « {number.strip()[:40]} ».")
        return _receipt(session, payment)


def _write_payment(
    session: Session, household_id: int, tenders: Sequence[Tender], *, actor: Actor, now: datetime
) -> Payment:
    """The payment row, numbered (gapless per year), and one row per mode."""
    total = sum(t.amount for t in tenders)
    change = sum(t.change for t in tenders)
    year = now.year
    payment = Payment(
        number=invoice_number(year, next_number(session, f"receipt-{year}"), "R"),
        household_id=household_id,
        taken_at=now,
        till_day=now.date(),
        agent_id=actor.id,
        total_cents=total,
        change_cents=change,
    )
    session.add(payment)
    session.flush()
    assert payment.id is not None
    for tender in tenders:
        session.add(
            PaymentTender(
                payment_id=payment.id,
                mode=tender.mode.value,
                amount_cents=tender.amount,
                tendered_cents=tender.tendered,
                cheque_number=tender.cheque_number.strip()[:40],
                bank=tender.bank.strip()[:80],
                holder=tender.holder.strip()[:120],
                terminal_ref=tender.terminal_ref.strip()[:40],
            )
        )
    return payment


def _tender_label(tender: Tender) -> str:
    label = MODE_LABELS[tender.mode]
    if tender.mode is Mode.CHEQUE:
        return f"{label} n° {tender.cheque_number.strip()} ({tender.bank.strip()})"
    if tender.mode is Mode.CARD:
        return f"{label} (réf. {tender.terminal_ref.strip()})"
    if tender.mode is Mode.CASH and tender.tendered is not None:
        return f"{label} (remis {format_euros(tender.tendered)})"
    return label


def _payer(session: Session, household_id: int) -> str:
    person = session.exec(
        select(Person)
        .where(Person.household_id == household_id, Person.role == "representative")
        .order_by(col(Person.position))
    ).first()
    if person is None:
        return ""
    return " ".join(p for p in (person.civility, person.first_name, person.last_name) if p)


@requires("regie.regisseur")
@write_use_case()
def cancel_payment(
    engine: Engine, number: str, reason: str, *, actor: Actor, clock: Clock
) -> Balance:
    """Cancel a payment (supervisor, with a reason); its allocations stop counting."""
    if not actor.is_supervisor:
        raise PermissionDenied("Seul un superviseur peut annuler un encaissement.")
    reason = reason.strip()
    if not reason:
        raise InvalidAnswers({"motif": "Indiquez le motif de l'annulation."})
    now = clock.now()
    with writing(engine, "annulation d'encaissement") as session:
        payment = session.exec(select(Payment).where(Payment.number == number.strip())).first()
        if payment is None:
            raise RuleViolation(f"Reçu introuvable : « {number.strip()[:40]} ».")
        lock_rows(session, Household, [payment.household_id])
        session.refresh(payment)
        if payment.cancelled_at is not None:
            raise RuleViolation(f"Le reçu {payment.number} est déjà annulé.")
        _refuse_closed_day(session, payment.till_day, "annulation")
        payment.cancelled_at = now
        payment.cancelled_by = actor.id
        payment.cancel_reason = reason[:300]
        session.add(payment)
        session.flush()
        audit(
            session,
            at=now,
            actor=actor,
            action="payment.cancel",
            entity="household",
            entity_id=payment.household_id,
            details={"receipt": payment.number, "reason": reason[:300]},
        )
        return balance_of(session, payment.household_id)
