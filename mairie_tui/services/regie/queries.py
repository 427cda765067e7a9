"""Reading invoices: a household's or a month's list, one invoice with its lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine, func
from sqlmodel import col, select

from mairie_tui.db import read_session
from mairie_tui.domain.billing import RULE_LABELS, Rule
from mairie_tui.models import Household, Invoice, InvoiceLine, PaymentAllocation
from mairie_tui.services.common import Actor, require_counter_agent
from mairie_tui.services.errors import NotFoundError
from mairie_tui.services.permissions import requires


@dataclass(frozen=True)
class InvoiceSummary:
    number: str
    kind: str
    dossier: str
    period: str
    issued_at: datetime
    due_date: date
    total_cents: int
    paid_cents: int

    @property
    def remaining_cents(self) -> int:
        return self.total_cents - self.paid_cents


@dataclass(frozen=True)
class InvoiceLineView:
    child_name: str
    activity_name: str
    unit_name: str
    day: date
    rule: str
    rule_label: str
    quantity: int
    unit_price_cents: int
    amount_cents: int
    basis: str


@dataclass(frozen=True)
class InvoiceDetail:
    summary: InvoiceSummary
    qf_basis: str
    lines: tuple[InvoiceLineView, ...]


@requires("regie.lire")
def list_invoices(
    engine: Engine, *, actor: Actor, period: str | None = None, dossier: str | None = None
) -> list[InvoiceSummary]:
    """Invoices and credit notes, newest first, with what has been paid on each."""
    require_counter_agent(actor)
    paid = (
        select(
            col(PaymentAllocation.invoice_id).label("invoice_id"),
            func.sum(col(PaymentAllocation.amount_cents)).label("paid"),
        )
        .group_by(col(PaymentAllocation.invoice_id))
        .subquery()
    )
    query = (
        select(Invoice, Household.dossier, paid.c.paid)
        .join(Household, col(Household.id) == Invoice.household_id)
        .outerjoin(paid, paid.c.invoice_id == Invoice.id)
    )
    if period is not None:
        query = query.where(Invoice.period == period)
    if dossier is not None:
        query = query.where(Household.dossier == dossier)
    with read_session(engine) as session:
        rows = session.exec(
            query.order_by(col(Invoice.issued_at).desc(), col(Invoice.number).desc())
        )
        return [
            _summary(invoice, household_dossier, int(amount or 0))
            for invoice, household_dossier, amount in rows
        ]


def _summary(invoice: Invoice, dossier: str, paid: int) -> InvoiceSummary:
    return InvoiceSummary(
        number=invoice.number,
        kind=invoice.kind,
        dossier=dossier,
        period=invoice.period,
        issued_at=invoice.issued_at,
        due_date=invoice.due_date,
        total_cents=invoice.total_cents,
        paid_cents=paid,
    )


@requires("regie.lire")
def invoice_detail(engine: Engine, number: str, *, actor: Actor) -> InvoiceDetail:
    """One invoice with its lines (by child, activity, day and unit)."""
    require_counter_agent(actor)
    with read_session(engine) as session:
        found = session.exec(
            select(Invoice, Household.dossier)
            .join(Household, col(Household.id) == Invoice.household_id)
            .where(Invoice.number == number.strip())
        ).first()
        if found is None:
            raise NotFoundError(f"Facture introuvable : « {number.strip()[:40]} ».")
        invoice, dossier = found
        paid = session.exec(
            select(func.coalesce(func.sum(col(PaymentAllocation.amount_cents)), 0)).where(
                PaymentAllocation.invoice_id == invoice.id
            )
        ).one()
        lines = session.exec(
            select(InvoiceLine)
            .where(InvoiceLine.invoice_id == invoice.id)
            .order_by(
                col(InvoiceLine.child_name),
                col(InvoiceLine.activity_name),
                col(InvoiceLine.day),
                col(InvoiceLine.unit_name),
            )
        ).all()
        return InvoiceDetail(
            summary=_summary(invoice, dossier, int(paid)),
            qf_basis=invoice.qf_basis,
            lines=tuple(
                InvoiceLineView(
                    child_name=line.child_name,
                    activity_name=line.activity_name,
                    unit_name=line.unit_name,
                    day=line.day,
                    rule=line.rule,
                    rule_label=RULE_LABELS.get(Rule(line.rule), line.rule)
                    if line.rule in Rule._value2member_map_
                    else line.rule,
                    quantity=line.quantity,
                    unit_price_cents=line.unit_price_cents,
                    amount_cents=line.amount_cents,
                    basis=line.basis,
                )
                for line in lines
            ),
        )
