"""Credit notes (avoirs): an issued invoice is corrected by a new document, never edited.

A supervisor credits some days of an invoice (a certificate that came after
the invoice, a meal billed by mistake) with a reason. The credit note copies
those lines with a negative quantity, is numbered ``2020-A-000001`` without
gaps per year, and reduces what is left to pay on its invoice. If the invoice
was already paid beyond its new amount, the surplus of its allocations is
released: it becomes the household's credit, used by its next invoice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from mairie_tui.clock import Clock
from mairie_tui.domain import fr
from mairie_tui.domain.billing import invoice_number
from mairie_tui.models import Household, Invoice, InvoiceLine, Payment, PaymentAllocation
from mairie_tui.services.common import Actor, audit, next_number
from mairie_tui.services.errors import (
    InvalidAnswers,
    NotFoundError,
    PermissionDenied,
    RuleViolation,
)
from mairie_tui.services.permissions import requires
from mairie_tui.services.regie.payments import apply_credit
from mairie_tui.services.transactions import lock_rows, write_use_case
from mairie_tui.services.uow import writing


@requires("regie.facturer")
@write_use_case()
def issue_credit_note(
    engine: Engine,
    invoice: str,
    days: Sequence[date],
    reason: str,
    *,
    actor: Actor,
    clock: Clock,
) -> str:
    """Credit the billed lines of `days` on invoice `invoice`; returns the credit note's number."""
    reason = _checked(actor, days, reason)
    now = clock.now()
    with writing(engine, "avoir") as session:
        original = session.exec(
            select(Invoice).where(Invoice.number == invoice.strip(), Invoice.kind == "F")
        ).first()
        if original is None or original.id is None:
            raise NotFoundError(f"Facture introuvable : « {invoice.strip()[:40]} ».")
        lock_rows(session, Household, [original.household_id])
        wanted = set(days)
        lines = [
            line
            for line in session.exec(
                select(InvoiceLine).where(InvoiceLine.invoice_id == original.id)
            )
            if line.day in wanted and line.amount_cents > 0
        ]
        already = _credited(session, original.id)
        lines = [
            line for line in lines if (line.person_id, line.day, line.unit_name) not in already
        ]
        if not lines:
            listed = ", ".join(fr.short_date(d) for d in sorted(wanted))
            raise RuleViolation(
                f"Rien à créditer sur {original.number} les {listed} "
                "(jour non facturé ou déjà crédité)."
            )
        total = -sum(line.amount_cents for line in lines)
        year = now.year
        number = invoice_number(year, next_number(session, f"credit-{year}"), "A")
        note = Invoice(
            number=number,
            kind="A",
            household_id=original.household_id,
            period=original.period,
            issued_at=now,
            due_date=now.date(),
            total_cents=total,
            qf_basis=original.qf_basis,
            corrects_id=original.id,
            reason=reason[:300],
            agent_id=actor.id,
        )
        session.add(note)
        session.flush()
        assert note.id is not None
        _copy_negated(session, note.id, lines)
        session.flush()
        _release_surplus(session, original)
        apply_credit(session, original.household_id)
        audit(
            session,
            at=now,
            actor=actor,
            action="invoice.credit_note",
            entity="household",
            entity_id=original.household_id,
            details={
                "invoice": original.number,
                "credit_note": number,
                "total_cents": total,
                "days": sorted(d.isoformat() for d in wanted),
                "reason": reason[:300],
            },
        )
        return number


def _checked(actor: Actor, days: Sequence[date], reason: str) -> str:
    """The reason, stripped, once the régisseur, the days and the reason are there."""
    if not actor.is_supervisor:
        raise PermissionDenied("Seul un superviseur (régisseur) émet un avoir.")
    if not reason.strip():
        raise InvalidAnswers({"motif": "Indiquez le motif de l'avoir."})
    if not days:
        raise InvalidAnswers({"jours": "Indiquez au moins un jour à créditer."})
    return reason.strip()


def _copy_negated(session: Session, note_id: int, lines: list[InvoiceLine]) -> None:
    """The credited lines on the credit note: same days and prices, negative quantities."""
    for line in lines:
        session.add(
            InvoiceLine(
                invoice_id=note_id,
                person_id=line.person_id,
                child_name=line.child_name,
                activity_id=line.activity_id,
                activity_name=line.activity_name,
                unit_name=line.unit_name,
                day=line.day,
                rule=line.rule,
                quantity=-line.quantity,
                unit_price_cents=line.unit_price_cents,
                amount_cents=-line.amount_cents,
                basis=line.basis,
            )
        )


def _credited(session: Session, invoice_id: int) -> set[tuple[int, date, str]]:
    """(child, day, unit) already credited on an invoice by earlier credit notes."""
    rows = session.exec(
        select(col(InvoiceLine.person_id), col(InvoiceLine.day), col(InvoiceLine.unit_name))
        .join(Invoice, col(Invoice.id) == InvoiceLine.invoice_id)
        .where(Invoice.corrects_id == invoice_id)
    ).all()
    return {(person, day, unit) for person, day, unit in rows}


def _release_surplus(session: Session, invoice: Invoice) -> None:
    """Lower the invoice's allocations (latest first) to what is still owed on it."""
    owed = invoice.total_cents + int(
        session.exec(
            select(func.coalesce(func.sum(col(Invoice.total_cents)), 0)).where(
                Invoice.corrects_id == invoice.id
            )
        ).one()
    )
    allocations = session.exec(
        select(PaymentAllocation)
        .join(Payment, col(Payment.id) == PaymentAllocation.payment_id)
        .where(PaymentAllocation.invoice_id == invoice.id, col(Payment.cancelled_at).is_(None))
        .order_by(col(PaymentAllocation.id).desc())
    ).all()
    surplus = sum(a.amount_cents for a in allocations) - max(owed, 0)
    for allocation in allocations:
        if surplus <= 0:
            break
        cut = min(surplus, allocation.amount_cents)
        surplus -= cut
        if cut == allocation.amount_cents:
            session.delete(allocation)
        else:
            allocation.amount_cents -= cut
            session.add(allocation)
    session.flush()
